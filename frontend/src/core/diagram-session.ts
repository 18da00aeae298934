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
 */
import { parseOpErrors, type ErrorDetail, type FieldError } from './error-paths'
import { History } from './history'
import { invertOps } from './invert'
import { applyOps, type Op } from './ops'
import { describeDropped, rebase, type PendingEdit } from './rebase'
import type { SavedBatch } from './threat-sync'
import type { DiagramState } from './types'
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
  /** Called after each batch the server accepted (threats are recomputed there). */
  onSaved?: (result: OpsResult) => void
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
    this.emit()
    const ops = batch.flatMap((edit) => edit.ops)
    try {
      const result = await this.transport.postOps(this.diagramId, this.version, ops)
      this.confirmed = applyOps(this.confirmed, ops).state
      this.version = result.version
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

  private async reloadAndRebase(batch: PendingEdit[]): Promise<void> {
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
