/**
 * One diagram being edited: the local state the canvas shows, the edits not yet confirmed by the
 * server, undo/redo, and the save loop.
 *
 * Every edit is applied locally at once and queued; the queue is sent as one batch of operations
 * with the base version the edits were made on. The rules that matter to a workshop:
 * - nothing is dropped silently: a failed request is retried with back-off until it goes through;
 *   an edit the server refuses (400) is removed and the user is told why, next to the field;
 * - a 409 (someone else saved first) reloads the diagram, re-applies the pending edits that still
 *   apply and lists, in words, those that no longer do (rebase.ts).
 * The transport and the timer are injected, so this is tested without a browser or a server.
 *
 * In a live room (live.ts) batches go through the room's socket while it is open — the REST
 * transport stays the fallback while it is not. The server rebases a batch made on an older
 * version, so there is no 409 to wait for: every batch the server applies, anyone's, reaches
 * `serverBatch` in version order with what it did to each key (`records`); the confirmed state
 * follows those and the local state is the confirmed one with the edits not yet acknowledged
 * replayed on top (rebase.ts), so a remote edit shows at once and one's own work stays.
 */
import { parseOpErrors, type ErrorDetail, type FieldError } from './error-paths'
import { History } from './history'
import { invertOps } from './invert'
import { elementFrom, flowFrom } from './mapping'
import { applyOps, type Op } from './ops'
import { describeDropped, rebase, type PendingEdit } from './rebase'
import type { SavedBatch } from './threat-sync'
import type { DiagramState, DocumentElement, DocumentFlow, Element, Flow } from './types'
import type { VocabularyIndex } from './validation'

export interface OpsResult {
  version: number
  /** The model's version after the batch: the threats the analysis changed carry it. */
  threat_model_version: number
  deleted_flows: string[]
  reparented: string[]
  /** What the server did about threats after the batch ("done" in the request with its changes, or "queued"). */
  analysis?: SavedBatch['analysis']
}

/** What went wrong with a request: `status` 0 is the network, 400/403/409… the server's answer. */
export interface TransportError {
  status: number
  message: string
  details: ErrorDetail[]
}

/** What one operation did to one key, as the server logged it: `after` null means removed. */
export interface ServerRecord {
  op: string
  key: string
  before?: Record<string, unknown> | null
  after: Record<string, unknown> | null
}

/** A batch the server applied (one's own, acknowledged, or someone else's), in version order. */
export interface ServerBatch extends OpsResult {
  records: readonly ServerRecord[]
  /** The id the sender gave the batch (null: sent through the REST API). */
  clientBatch: string | null
  /** Operations the server's rebase dropped (their target was deleted meanwhile), with the reason. */
  dropped?: readonly { key: string; reason: string }[]
  author?: { id: number; name: string }
}

/** The live room's socket as a session sees it: open or not, and a way to send a batch. */
export interface LiveLink {
  readonly open: boolean
  sendOps(diagramId: number, baseVersion: number, ops: Op[], clientBatch: string): void
}

export interface Transport {
  postOps(diagramId: number, baseVersion: number, ops: Op[]): Promise<OpsResult>
  loadDiagram(diagramId: number): Promise<{ version: number; state: DiagramState }>
}

export type SaveStatus = 'saved' | 'pending' | 'saving' | 'failed' | 'reloading'

export interface Notice {
  id: number
  tone: 'info' | 'warning' | 'error'
  title: string
  lines: string[]
}

export interface SessionSnapshot {
  state: DiagramState
  version: number
  status: SaveStatus
  pendingCount: number
  lastError: string | null
  retryInMs: number | null
  notices: readonly Notice[]
  fieldErrors: readonly FieldError[]
  canUndo: boolean
  canRedo: boolean
  readOnly: boolean
}

export interface SessionOptions {
  diagramId: number
  version: number
  state: DiagramState
  transport: Transport
  vocab?: VocabularyIndex
  schedule?: (fn: () => void, ms: number) => unknown
  cancel?: (handle: unknown) => void
  now?: () => number
  /** Called after each batch the server accepted (threats are recomputed there), someone else's too in a live room. */
  onSaved?: (result: OpsResult) => void
  /** A fresh id for a batch sent through the live room (a re-sent batch keeps its id). */
  batchId?: () => string
}

const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000]

export class DiagramSession {
  readonly diagramId: number
  private confirmed: DiagramState
  private local: DiagramState
  private version: number
  private pending: PendingEdit[] = []
  private inflight: PendingEdit[] | null = null
  private readonly history = new History()
  private reloading = false
  private lastError: string | null = null
  private failures = 0
  private retryAt: number | null = null
  private retryHandle: unknown = null
  private flushHandle: unknown = null
  private notices: Notice[] = []
  private fieldErrors: FieldError[] = []
  private readOnly = false
  private nextId = 1
  private snapshot: SessionSnapshot
  private readonly listeners = new Set<() => void>()
  private readonly transport: Transport
  private readonly vocab: VocabularyIndex | undefined
  private readonly schedule: (fn: () => void, ms: number) => unknown
  private readonly cancel: (handle: unknown) => void
  private readonly now: () => number
  private readonly onSaved: ((result: OpsResult) => void) | undefined
  private readonly batchId: () => string
  private live: LiveLink | null = null
  /** The id of the in-flight batch when it went through the live room (its acknowledgement names it). */
  private inflightBatch: string | null = null
  /** A live batch whose acknowledgement was lost with the connection: its edits and id, to re-send as they were. */
  private unacked: { id: string; edits: string } | null = null

  constructor(options: SessionOptions) {
    this.diagramId = options.diagramId
    this.version = options.version
    this.confirmed = options.state
    this.local = options.state
    this.transport = options.transport
    this.vocab = options.vocab
    this.schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms))
    this.cancel = options.cancel ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>))
    this.now = options.now ?? (() => Date.now())
    this.onSaved = options.onSaved
    this.batchId = options.batchId ?? (() => crypto.randomUUID())
    this.snapshot = this.makeSnapshot()
  }

  // --- reading ------------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSnapshot = (): SessionSnapshot => this.snapshot

  get state(): DiagramState {
    return this.local
  }

  /** The server's version of this diagram that the confirmed state is at. */
  get serverVersion(): number {
    return this.version
  }

  /** True while edits are not yet confirmed: the page warns before it is closed. */
  get unsaved(): boolean {
    return this.pending.length > 0 || this.inflight !== null
  }

  // --- editing ------------------------------------------------------------------------------

  /**
   * Apply an edit locally and queue it for saving. Returns the reason when the edit cannot be
   * applied (nothing changes then), or null.
   */
  edit(label: string, ops: Op[], options: { recordUndo?: boolean } = {}): string | null {
    if (ops.length === 0) return null
    if (this.readOnly) return 'You can read this model but not change it.'
    const result = applyOps(this.local, ops, this.vocab)
    const error = result.errors[0]
    if (error) return error.message
    if (options.recordUndo !== false) {
      this.history.record({ label, forward: ops, inverse: invertOps(this.local, ops) })
    }
    this.local = result.state
    this.pending.push({ id: this.nextId++, label, ops })
    this.clearFieldErrors(ops)
    this.requestFlush()
    this.emit()
    return null
  }

  undo(): string | null {
    const entry = this.history.peekUndo()
    if (!entry) return null
    const problem = this.edit(`Undo ${entry.label}`, [...entry.inverse], { recordUndo: false })
    if (problem) {
      this.history.dropUndo()
      this.addNotice('warning', `Could not undo “${entry.label}”`, [problem])
      this.emit()
      return problem
    }
    this.history.undoApplied()
    this.emit()
    return null
  }

  redo(): string | null {
    const entry = this.history.peekRedo()
    if (!entry) return null
    const problem = this.edit(`Redo ${entry.label}`, [...entry.forward], { recordUndo: false })
    if (problem) {
      this.history.dropRedo()
      this.addNotice('warning', `Could not redo “${entry.label}”`, [problem])
      this.emit()
      return problem
    }
    this.history.redoApplied()
    this.emit()
    return null
  }

  dismissNotice(id: number): void {
    this.notices = this.notices.filter((notice) => notice.id !== id)
    this.emit()
  }

  /** Skip the back-off wait and send now. */
  retryNow(): void {
    if (this.retryHandle !== null) this.cancel(this.retryHandle)
    this.retryHandle = null
    this.retryAt = null
    void this.flush()
  }

  // --- saving -------------------------------------------------------------------------------

  private requestFlush(): void {
    if (this.flushHandle !== null || this.inflight !== null || this.reloading || this.retryAt !== null) return
    this.flushHandle = this.schedule(() => {
      this.flushHandle = null
      void this.flush()
    }, 0)
  }

  /** Send every pending edit as one batch. Resolves when that batch has an outcome. */
  async flush(): Promise<void> {
    if (this.inflight !== null || this.reloading || this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    this.inflight = batch
    const ops = batch.flatMap((edit) => edit.ops)
    if (this.live?.open) {
      // The acknowledgement (or refusal) arrives through serverBatch / serverRefused.
      const edits = batch.map((edit) => edit.id).join(',')
      this.inflightBatch = this.unacked?.edits === edits ? this.unacked.id : this.batchId()
      this.unacked = null
      this.live.sendOps(this.diagramId, this.version, ops, this.inflightBatch)
      this.emit()
      return
    }
    this.emit()
    try {
      const result = await this.transport.postOps(this.diagramId, this.version, ops)
      // A live room that came back meanwhile may already have brought this batch (or later ones).
      if (result.version > this.version) {
        this.confirmed = applyOps(this.confirmed, ops).state
        this.version = result.version
      }
      this.inflight = null
      this.failures = 0
      this.lastError = null
      this.onSaved?.(result)
    } catch (raw) {
      const error = asTransportError(raw)
      this.inflight = null
      if (error.status === 409) await this.reloadAndRebase(batch)
      else if (error.status === 400) this.refuse(batch, ops, error)
      else if (error.status === 403 || error.status === 404 || error.status === 401) this.giveUp(batch, error)
      else this.failed(batch, error)
    }
    this.emit()
    if (this.pending.length > 0 && this.retryAt === null) this.requestFlush()
  }

  // --- the live room ------------------------------------------------------------------------

  /** Send through this room while it is open (null: REST only). Pending edits go at once. */
  attachLive(link: LiveLink | null): void {
    this.live = link
    if (link?.open) this.retryNow()
  }

  /**
   * A batch the server applied, given in version order by the room. One at or below the
   * confirmed version only acknowledges (its records came already, in a catch-up). Answers
   * whether the room must ask for what came in between (`gap`).
   */
  serverBatch(batch: ServerBatch, options: { inOrder?: boolean } = {}): 'applied' | 'known' | 'gap' {
    const mine = batch.clientBatch !== null && batch.clientBatch === this.inflightBatch
    if (batch.version <= this.version) {
      if (mine) this.acknowledged(batch)
      this.emit()
      return 'known'
    }
    if (batch.version !== this.version + 1 && !options.inOrder) return 'gap'
    this.confirmed = applyRecords(this.confirmed, batch.records)
    this.version = batch.version
    if (mine) this.acknowledged(batch)
    this.replayLocal()
    this.emit()
    if (!mine) this.onSaved?.(batch)
    if (this.pending.length > 0 && this.retryAt === null) this.requestFlush()
    return 'applied'
  }

  /** A catch-up ended at `version`: versions in between changed nothing in this diagram. */
  caughtUp(version: number): void {
    if (version <= this.version) return
    this.version = version
    this.emit()
  }

  /** A batch sent through the room was an acknowledgement already applied (`applied_already`). */
  alreadyApplied(clientBatch: string): void {
    if (clientBatch !== this.inflightBatch) return
    this.inflight = null
    this.inflightBatch = null
    this.emit()
    if (this.pending.length > 0) this.requestFlush()
  }

  /** The room refused a batch this session sent: the same outcomes as the REST answer. */
  async serverRefused(clientBatch: string, error: TransportError): Promise<void> {
    const batch = this.inflight
    if (batch === null || clientBatch !== this.inflightBatch) return
    this.inflight = null
    this.inflightBatch = null
    const ops = batch.flatMap((edit) => edit.ops)
    if (error.status === 409) await this.reloadAndRebase(batch)
    else if (error.status === 400) this.refuse(batch, ops, error)
    else if (error.status === 403 || error.status === 404 || error.status === 401) this.giveUp(batch, error)
    else this.failed(batch, error)
    this.emit()
    if (this.pending.length > 0 && this.retryAt === null) this.requestFlush()
  }

  /** The room's socket closed: a batch it did not acknowledge goes back first in line (same id when re-sent as it was). */
  connectionLost(): void {
    if (this.inflight !== null && this.inflightBatch !== null) {
      this.unacked = { id: this.inflightBatch, edits: this.inflight.map((edit) => edit.id).join(',') }
      this.pending = [...this.inflight, ...this.pending]
      this.inflight = null
      this.inflightBatch = null
    }
    this.emit()
    // The REST path takes over until the room is back.
    if (this.pending.length > 0 && this.retryAt === null) this.requestFlush()
  }

  /** Too far behind for the operations log: load the document and replay the unsaved edits. */
  async resync(): Promise<void> {
    const batch = this.inflight ?? []
    this.inflight = null
    this.inflightBatch = null
    await this.reloadAndRebase(batch, { quiet: true })
    this.emit()
    if (this.pending.length > 0 && this.retryAt === null) this.requestFlush()
  }

  private acknowledged(batch: ServerBatch): void {
    this.inflight = null
    this.inflightBatch = null
    this.failures = 0
    this.lastError = null
    if (batch.dropped && batch.dropped.length > 0) {
      this.addNotice('warning', 'Someone else deleted what you were editing', batch.dropped.map((d) => `${d.key}: ${d.reason}.`))
    }
    this.onSaved?.(batch)
  }

  /** The local state: the confirmed one with the sent and the pending edits replayed on top. */
  private replayLocal(): void {
    // The server decides about the sent batch; it is replayed to keep showing it, never dropped here.
    const sent = rebase(this.confirmed, this.inflight ?? [], this.vocab)
    const result = rebase(sent.state, this.pending, this.vocab)
    this.local = result.state
    this.pending = result.kept
    if (result.dropped.length > 0) {
      const reapplied = result.kept.reduce((count, edit) => count + edit.ops.length, 0)
      this.addNotice('warning', 'The diagram changed on the server', [
        `Someone else changed this diagram meanwhile; ${reapplied} of your changes were re-applied.`,
        'These changes could not be re-applied:',
        ...describeDropped(result.dropped),
      ])
    }
  }

  private async reloadAndRebase(batch: PendingEdit[], options: { quiet?: boolean } = {}): Promise<void> {
    const edits = [...batch, ...this.pending]
    this.pending = []
    this.reloading = true
    this.emit()
    let fresh: { version: number; state: DiagramState }
    try {
      fresh = await this.transport.loadDiagram(this.diagramId)
    } catch (raw) {
      this.reloading = false
      // Edits made while the reload was under way come after the ones it was for.
      edits.push(...this.pending)
      // Could not even reload: keep everything and try the whole thing again later.
      this.pending = edits
      this.scheduleRetry(asTransportError(raw).message)
      return
    }
    this.reloading = false
    edits.push(...this.pending)
    const result = rebase(fresh.state, edits, this.vocab)
    this.confirmed = fresh.state
    this.version = fresh.version
    this.local = result.state
    this.pending = result.kept
    const reapplied = result.kept.reduce((count, edit) => count + edit.ops.length, 0)
    const lines = [`Someone else saved this diagram first. It was reloaded and ${reapplied} of your changes were re-applied.`]
    if (result.dropped.length > 0) {
      lines.push('These changes could not be re-applied:', ...describeDropped(result.dropped))
    }
    if (options.quiet && result.dropped.length === 0) return
    this.addNotice(result.dropped.length > 0 ? 'warning' : 'info', 'The diagram changed on the server', lines)
  }

  private refuse(batch: PendingEdit[], ops: Op[], error: TransportError): void {
    const parsed = parseOpErrors(error.details)
    // Which edit put each op into the batch.
    const owner: PendingEdit[] = []
    for (const edit of batch) for (let i = 0; i < edit.ops.length; i += 1) owner.push(edit)
    const refused = new Set<PendingEdit>()
    const lines: string[] = []
    for (const ref of parsed.ops) {
      const edit = owner[ref.index]
      const op = ops[ref.index]
      if (!edit || !op) continue
      refused.add(edit)
      this.fieldErrors.push({ key: op.key, field: ref.field || 'key', message: ref.message })
      lines.push(`${edit.label}: ${ref.field ? `${ref.field} ` : ''}${ref.message}`)
    }
    if (refused.size === 0) {
      // The batch as a whole was refused (too many operations…): none of it can be sent as it is.
      for (const edit of batch) refused.add(edit)
      lines.push(error.message, ...parsed.other.map((detail) => `${detail.path}: ${detail.message}`))
    }
    const remaining = [...batch.filter((edit) => !refused.has(edit)), ...this.pending]
    const result = rebase(this.confirmed, remaining, this.vocab)
    this.local = result.state
    this.pending = result.kept
    lines.push(...describeDropped(result.dropped))
    this.addNotice('error', 'The server refused a change; it was undone', lines)
  }

  private giveUp(batch: PendingEdit[], error: TransportError): void {
    this.readOnly = error.status === 403
    const all = [...batch, ...this.pending]
    this.pending = []
    this.local = this.confirmed
    this.addNotice('error', 'Your changes could not be saved', [error.message, ...all.map((edit) => `Not saved: ${edit.label}`)])
  }

  private failed(batch: PendingEdit[], error: TransportError): void {
    this.pending = [...batch, ...this.pending]
    this.scheduleRetry(error.message)
  }

  private scheduleRetry(message: string): void {
    this.failures += 1
    this.lastError = message
    const delay = RETRY_DELAYS_MS[Math.min(this.failures - 1, RETRY_DELAYS_MS.length - 1)] ?? 15000
    this.retryAt = this.now() + delay
    this.retryHandle = this.schedule(() => {
      this.retryHandle = null
      this.retryAt = null
      void this.flush()
    }, delay)
  }

  private computeStatus(): SaveStatus {
    if (this.reloading) return 'reloading'
    if (this.retryAt !== null) return 'failed'
    if (this.inflight !== null) return 'saving'
    if (this.pending.length > 0) return 'pending'
    return 'saved'
  }

  private clearFieldErrors(ops: readonly Op[]): void {
    if (this.fieldErrors.length === 0) return
    const touched = new Set(ops.map((op) => op.key))
    this.fieldErrors = this.fieldErrors.filter((error) => !touched.has(error.key))
  }

  private addNotice(tone: Notice['tone'], title: string, lines: string[]): void {
    this.notices = [...this.notices, { id: this.nextId++, tone, title, lines }]
  }

  private emit(): void {
    this.snapshot = this.makeSnapshot()
    for (const listener of this.listeners) listener()
  }

  private makeSnapshot(): SessionSnapshot {
    return {
      state: this.local,
      version: this.version,
      status: this.computeStatus(),
      pendingCount: this.pending.reduce((n, e) => n + e.ops.length, 0) + (this.inflight?.reduce((n, e) => n + e.ops.length, 0) ?? 0),
      lastError: this.lastError,
      retryInMs: this.retryAt === null ? null : Math.max(0, this.retryAt - this.now()),
      notices: this.notices,
      fieldErrors: this.fieldErrors,
      canUndo: this.history.canUndo,
      canRedo: this.history.canRedo,
      readOnly: this.readOnly,
    }
  }
}

export function asTransportError(raw: unknown): TransportError {
  if (raw && typeof raw === 'object' && 'status' in raw && typeof (raw as TransportError).status === 'number') {
    const error = raw as Partial<TransportError> & { status: number }
    return { status: error.status, message: error.message ?? 'Request failed', details: error.details ?? [] }
  }
  return { status: 0, message: raw instanceof Error ? raw.message : 'Network error', details: [] }
}

/** The state after the server's records: each key set to its `after` (or removed). */
export function applyRecords(state: DiagramState, records: readonly ServerRecord[]): DiagramState {
  if (records.length === 0) return state
  let elements: Map<string, Element> | null = null
  let flows: Map<string, Flow> | null = null
  for (const record of records) {
    if (record.op.endsWith('_flow')) {
      flows ??= new Map(state.flows)
      if (record.after === null) flows.delete(record.key)
      else flows.set(record.key, flowFrom(record.after as unknown as DocumentFlow))
    } else {
      elements ??= new Map(state.elements)
      if (record.after === null) elements.delete(record.key)
      else elements.set(record.key, elementFrom(record.after as unknown as DocumentElement))
    }
  }
  return { ...state, elements: elements ?? state.elements, flows: flows ?? state.flows }
}
