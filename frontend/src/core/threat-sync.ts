/**
 * Keeping the editor's threat list in step with the server without reloading it.
 *
 * The list arrives once, with the document, together with the model version it describes. After
 * each saved batch the ops answer says what the analysis changed: when it carries the changed rows
 * (the server sends them when there are at most 200) and follows straight on from the version the
 * list describes, they are patched in and no request is made. Otherwise — more rows than that, a
 * version in between saved by someone else, an analysis queued for a worker — the editor asks once
 * for the threats changed since the version it has (`GET /threats/?changed_since=`), after
 * waiting for a queued analysis. A threat a person changes is stamped with the model's current
 * version, so after a model-wide action (a bulk change, a new analysis) the editor asks for what
 * changed since the version before the list's. The whole list is loaded only once, with the model.
 *
 * Work runs one step at a time, in the order the saves were confirmed, and the version only moves
 * forward, so a late answer never rolls the list back. Source and list are injected, so this is
 * tested without a server or React.
 */
import type { components } from '../api/schema'
import { threatFromApi, type ApiThreat } from './threat-rows'
import type { EditorThreat } from './threats'

/** What the analysis that followed a batch changed (fingerprints), with the rows when there are at most 200. */
export type AnalysisChanges = components['schemas']['AnalysisChanges']

/** The parts of an ops answer this module reads. */
export type SavedBatch = Pick<components['schemas']['OpsResult'], 'threat_model_version' | 'analysis'>

/** What to do about the threat list after a save. */
export type ThreatFollowUp =
  | { kind: 'rows'; rows: readonly ApiThreat[]; version: number }
  | { kind: 'changed'; since: number; version: number; wait: boolean }
  | { kind: 'none' }

/** Whether an ops answer says the analysis was queued rather than done in the request. */
export function analysisQueued(result: SavedBatch | null | undefined): boolean {
  return result?.analysis?.status === 'queued'
}

/** The follow-up of one saved batch, given the model version the list describes (`known`). */
export function followUp(batch: SavedBatch, known: number): ThreatFollowUp {
  const version = batch.threat_model_version
  if (version <= known) return { kind: 'none' } // a reload since then already brought it
  const analysis = batch.analysis
  if (analysis?.status === 'done') {
    const rows = analysis.changes?.threats
    // The rows describe this batch only: with a version in between (someone else's change, a
    // renamed diagram) the list would miss that one, so ask for everything since `known`.
    if (rows && version === known + 1) return { kind: 'rows', rows, version }
    return { kind: 'changed', since: known, version, wait: false }
  }
  return { kind: 'changed', since: known, version, wait: analysisQueued(batch) }
}

/** Where the threats come from (the API in the app, a fake in tests). */
export interface ThreatSource {
  /** Every threat changed at a model version after `version`, every page of them, obsolete ones included. */
  changedSince(version: number): Promise<EditorThreat[]>
  /** The whole list (every page), without obsolete threats: only when the list has no version yet. */
  all(): Promise<EditorThreat[]>
  /** Resolves once the model's analysis is no longer queued or running: true, or false when it gave up waiting. */
  analysisSettled(): Promise<boolean>
}

/** The threat list being kept (the workspace store in the app). */
export interface ThreatList {
  /** The model version the list describes, null before it is loaded. */
  version(): number | null
  replaced(threats: EditorThreat[], version: number | null): void
  patched(rows: EditorThreat[], version: number | null): void
  failed(message: string): void
  analysing(on: boolean): void
}

export class ThreatSync {
  private queue: Promise<void> = Promise.resolve()
  private catchUpQueued: Promise<void> | null = null

  constructor(
    private readonly source: ThreatSource,
    private readonly list: ThreatList,
  ) {}

  /** Bring the list up to a batch the server accepted. Resolves when the list follows it. */
  afterSave(batch: SavedBatch): Promise<void> {
    return this.enqueue(async () => {
      const known = this.list.version()
      if (known === null) return this.fullReload()
      const next = followUp(batch, known)
      if (next.kind === 'none') return
      if (next.kind === 'rows') {
        this.list.patched(next.rows.map(threatFromApi), next.version)
        return
      }
      let settled = true
      if (next.wait) {
        this.list.analysing(true)
        try {
          settled = await this.source.analysisSettled()
        } finally {
          this.list.analysing(false)
        }
      }
      const rows = await this.source.changedSince(next.since)
      // A worker still busy may write more at this version: keep asking from the old one next time.
      this.list.patched(rows, settled ? next.version : null)
    })
  }

  /** Threats that a person changed (the drawer has the fresh row): put them in without a request. */
  rows(rows: readonly ApiThreat[]): Promise<void> {
    return this.enqueue(async () => this.list.patched(rows.map(threatFromApi), null))
  }

  /**
   * After people changed threats across the model (a bulk action, a new analysis): each changed row
   * carries the model's version at the time, which is at least the list's, so ask for what changed
   * since the version before it. Asked again while one waits, done once.
   */
  catchUp(): Promise<void> {
    this.catchUpQueued ??= this.enqueue(async () => {
      this.catchUpQueued = null
      const known = this.list.version()
      if (known === null) return this.fullReload()
      this.list.patched(await this.source.changedSince(Math.max(0, known - 1)), null)
    })
    return this.catchUpQueued
  }

  private async fullReload(): Promise<void> {
    this.list.replaced(await this.source.all(), this.list.version())
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step).catch((error: unknown) => {
      this.list.failed(error instanceof Error ? error.message : 'The threats could not be loaded.')
    })
    this.queue = run
    return run
  }
}
