/**
 * The model's live room, client side: one WebSocket per open model (threatmodel/live on the
 * server), carrying everyone's batches and presence.
 *
 * - Each diagram's session sends its batches through the room while the socket is open (the
 *   REST write path is the fallback while it is not) and gets every batch the server applied —
 *   its own acknowledged, anyone else's — here, in version order: a batch that skips a version
 *   is held and the room asks for the operations since the session's version (`resume`); a
 *   client too far behind for the operations log loads the document instead (`reload`).
 * - The socket that drops is opened again with back-off; each session then asks for what it
 *   missed and re-sends what was not acknowledged. A socket that leaves a batch unanswered for
 *   `ACK_TIMEOUT_MS` is taken for dead (a network gone quiet keeps a socket "open" for minutes):
 *   it is dropped at once, so the REST path takes the edits meanwhile.
 * - Presence: who is in the room (name, initials, colour), their selection, cursor and viewport,
 *   sent at most every `presenceMs`.
 * - Other news the room carries (a comment written, edited, resolved or deleted) goes to whoever
 *   listens for its type (`onEvent`); the room keeps none of it.
 *
 * The socket, the timer and the sessions are injected, so this is tested without a browser or a server.
 */
import type { Op } from './ops'
import type { LiveLink, ServerBatch, ServerRecord, TransportError } from './diagram-session'

/** The parts of a DiagramSession the room drives. */
export interface RoomSession {
  readonly diagramId: number
  readonly serverVersion: number
  attachLive(link: LiveLink | null): void
  serverBatch(batch: ServerBatch, options?: { inOrder?: boolean }): 'applied' | 'known' | 'gap'
  caughtUp(version: number): void
  alreadyApplied(clientBatch: string): void
  serverRefused(clientBatch: string, error: TransportError): Promise<void>
  connectionLost(): void
  resync(): Promise<void>
}

/** The parts of a WebSocket the room uses. */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number }) => void) | null
  onerror: ((event: unknown) => void) | null
}

export interface Participant {
  id: number
  name: string
  initials: string
  colour: string
  role: string
}

export interface Presence {
  diagram: number | null
  selection: readonly string[]
  cursor: { x: number; y: number } | null
  viewport: { x: number; y: number; zoom: number } | null
}

export interface Peer extends Presence {
  participant: Participant
}

export type RoomStatus = 'connecting' | 'open' | 'offline' | 'refused'

/** A facilitator's short lock ("everyone look here"): the others' editing pauses until it ends. */
export interface RoomLock {
  by: Participant
  /** When it ends, in seconds since the epoch (the server's clock). */
  until: number
  reason: string
}

/** A presenter asked everyone to follow their view. */
export interface FollowRequest {
  presenter: Participant
  at: number
}

export interface RoomSnapshot {
  status: RoomStatus
  me: Participant | null
  canEdit: boolean
  /** Everyone else in the room, by user id, in the order they came. */
  peers: readonly Peer[]
  /** The last thing the room refused that was no batch (a throttled presence…), for the curious. */
  lastRefusal: string | null
  /** The lock in force, if any (an ended one is dropped). */
  lock: RoomLock | null
  /** Whose view this browser follows (their viewport and diagram), by user id. */
  following: number | null
  /** The presenter's last ask to follow them, until answered. */
  followRequest: FollowRequest | null
}

export interface RoomOptions {
  url: string
  open: (url: string) => SocketLike
  schedule?: (fn: () => void, ms: number) => unknown
  cancel?: (handle: unknown) => void
  now?: () => number
  /** After a catch-up brought batches whose analysis the room did not carry (the threat list asks for what changed). */
  onCatchUp?: () => void
  /** Presence is sent at most this often (cursors move at 60 Hz; the room allows 20 messages a second). */
  presenceMs?: number
}

export const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15000]
export const ACK_TIMEOUT_MS = 5000
const CLOSE_NOT_FOUND = 4404
const OPEN = 1

/** The status of a refusal's code, as the REST API would answer it. */
export function statusOf(code: string): number {
  switch (code) {
    case 'invalid':
      return 400
    case 'forbidden':
      return 403
    case 'not_found':
      return 404
    case 'stale_version':
    case 'conflict':
      return 409
    case 'too_large':
      return 413
    case 'throttled':
      return 429
    default:
      return 400
  }
}

type Message = Record<string, unknown> & { type?: unknown }

export class LiveRoom {
  private socket: SocketLike | null = null
  private readonly sessions = new Map<number, RoomSession>()
  /** Batches that skipped a version, per diagram, until the catch-up fills the gap. */
  private readonly held = new Map<number, ServerBatch[]>()
  /** Diagrams whose catch-up has been asked for and not yet answered. */
  private readonly resuming = new Set<number>()
  private readonly batchDiagram = new Map<string, number>()
  private ackHandle: unknown = null
  private status: RoomStatus = 'connecting'
  private me: Participant | null = null
  private canEdit = false
  private peers = new Map<number, Peer>()
  private lastRefusal: string | null = null
  private lock: RoomLock | null = null
  private lockHandle: unknown = null
  private following: number | null = null
  private followRequest: FollowRequest | null = null
  private attempts = 0
  private reconnectHandle: unknown = null
  private stopped = false
  private presence: Presence = { diagram: null, selection: [], cursor: null, viewport: null }
  private presenceDirty = false
  private presenceHandle: unknown = null
  private lastPresenceAt = -Infinity
  private snapshot: RoomSnapshot
  private readonly listeners = new Set<() => void>()
  private readonly eventListeners = new Map<string, Set<(message: Readonly<Record<string, unknown>>) => void>>()
  private readonly schedule: (fn: () => void, ms: number) => unknown
  private readonly cancel: (handle: unknown) => void
  private readonly now: () => number
  private readonly presenceMs: number
  private readonly link: LiveLink

  constructor(private readonly options: RoomOptions) {
    this.schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms))
    this.cancel = options.cancel ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>))
    this.now = options.now ?? (() => Date.now())
    this.presenceMs = options.presenceMs ?? 100
    const room = this
    this.link = {
      get open() {
        return room.status === 'open' && room.canEdit
      },
      sendOps: (diagram, baseVersion, ops, clientBatch) => this.sendOps(diagram, baseVersion, ops, clientBatch),
    }
    this.snapshot = this.makeSnapshot()
  }

  // --- reading ------------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSnapshot = (): RoomSnapshot => this.snapshot

  /** Hear the room's messages of `type` that are no batch or presence (`comment`); returns the unsubscribe. */
  onEvent(type: string, listener: (message: Readonly<Record<string, unknown>>) => void): () => void {
    let listeners = this.eventListeners.get(type)
    if (!listeners) this.eventListeners.set(type, (listeners = new Set()))
    listeners.add(listener)
    return () => listeners.delete(listener)
  }

  // --- lifecycle ----------------------------------------------------------------------------

  connect(): void {
    this.stopped = false
    this.openSocket()
  }

  /** Leave the room for good (the workspace closed). */
  stop(): void {
    this.stopped = true
    if (this.reconnectHandle !== null) this.cancel(this.reconnectHandle)
    if (this.presenceHandle !== null) this.cancel(this.presenceHandle)
    if (this.lockHandle !== null) this.cancel(this.lockHandle)
    this.reconnectHandle = null
    this.presenceHandle = null
    this.lockHandle = null
    for (const session of this.sessions.values()) session.attachLive(null)
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onclose = null
      socket.close(1000)
    }
  }

  /** A diagram's session joins the room's traffic (made when its tab is first shown). */
  attach(session: RoomSession): void {
    this.sessions.set(session.diagramId, session)
    if (this.status === 'open') {
      this.resume(session)
      session.attachLive(this.link)
    }
  }

  /** Follow a participant's view (null: stop following). Following someone answers their ask. */
  follow(participant: number | null): void {
    this.following = participant
    this.followRequest = null
    this.emit()
  }

  /** Leave the presenter's ask unanswered (the banner goes). */
  dismissFollow(): void {
    this.followRequest = null
    this.emit()
  }

  /** Ask everyone in the room to follow this browser's view (editors and owners). */
  askToFollow(): boolean {
    return this.send({ type: 'follow_me' })
  }

  /** Pause everyone else's editing for ``seconds`` ("everyone look here"). */
  lockRoom(seconds: number, reason: string): boolean {
    return this.send({ type: 'lock', seconds, reason })
  }

  unlockRoom(): boolean {
    return this.send({ type: 'unlock' })
  }

  /** The lock as it stands now: null once its time is up, even before the server says so. */
  lockNow(): RoomLock | null {
    return this.lock && this.lock.until * 1000 > this.now() ? this.lock : null
  }

  setPresence(next: Partial<Presence>): void {
    this.presence = { ...this.presence, ...next }
    this.presenceDirty = true
    this.sendPresenceSoon()
  }

  // --- the socket ---------------------------------------------------------------------------

  private openSocket(): void {
    this.status = this.attempts === 0 ? 'connecting' : 'offline'
    this.emit()
    let socket: SocketLike
    try {
      socket = this.options.open(this.options.url)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onmessage = (event) => {
      if (this.socket !== socket) return
      this.receive(event.data)
      // Anything arriving shows the connection lives; the wait restarts (or ends with the last answer).
      if (this.socket === socket) this.watchAcks()
    }
    socket.onclose = (event) => {
      if (this.socket !== socket) return
      this.closed(event.code)
    }
    socket.onerror = () => undefined // onclose follows and does the work
  }

  /** No answer to a batch for too long: the connection is gone even if the socket does not know it yet. */
  private dead(): void {
    const socket = this.socket
    if (!socket) return
    socket.onclose = null
    socket.onmessage = null
    try {
      socket.close()
    } catch {
      // already closing
    }
    this.closed(1006)
  }

  /** (Re)start the wait for an answer while batches are outstanding; stop it when none are. */
  private watchAcks(): void {
    if (this.ackHandle !== null) this.cancel(this.ackHandle)
    this.ackHandle = null
    if (this.batchDiagram.size === 0 || this.socket === null) return
    this.ackHandle = this.schedule(() => {
      this.ackHandle = null
      this.dead()
    }, ACK_TIMEOUT_MS)
  }

  private closed(code: number): void {
    this.socket = null
    this.batchDiagram.clear()
    this.watchAcks()
    const wasOpen = this.status === 'open'
    this.peers = new Map()
    this.held.clear()
    this.resuming.clear()
    for (const session of this.sessions.values()) {
      session.attachLive(null)
      if (wasOpen) session.connectionLost()
    }
    if (code === CLOSE_NOT_FOUND) {
      // Not a member (any more), or no such model: asking again will not change it.
      this.status = 'refused'
      this.emit()
      return
    }
    this.status = 'offline'
    this.emit()
    if (!this.stopped) this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    const base = RECONNECT_DELAYS_MS[Math.min(this.attempts, RECONNECT_DELAYS_MS.length - 1)] ?? 15000
    this.attempts += 1
    this.reconnectHandle = this.schedule(() => {
      this.reconnectHandle = null
      if (!this.stopped) this.openSocket()
    }, base)
  }

  private send(message: Record<string, unknown>): boolean {
    const socket = this.socket
    if (!socket || socket.readyState !== OPEN) return false
    socket.send(JSON.stringify(message))
    return true
  }

  private sendOps(diagram: number, baseVersion: number, ops: Op[], clientBatch: string): void {
    this.batchDiagram.set(clientBatch, diagram)
    this.watchAcks()
    if (!this.send({ type: 'ops', diagram, base_version: baseVersion, ops, client_batch: clientBatch })) {
      // Closed between the check and the send: the session takes it back with the connection.
      this.sessions.get(diagram)?.connectionLost()
    }
  }

  private resume(session: RoomSession): void {
    this.resuming.add(session.diagramId)
    this.send({ type: 'resume', diagram: session.diagramId, version: session.serverVersion })
  }

  // --- from the server ----------------------------------------------------------------------

  private receive(data: unknown): void {
    let message: Message
    try {
      message = JSON.parse(String(data)) as Message
    } catch {
      return
    }
    switch (message.type) {
      case 'welcome':
        return this.welcome(message)
      case 'applied':
        return this.appliedMessage(message)
      case 'applied_already':
        return this.appliedAlready(message)
      case 'catch_up':
        return this.catchUp(message)
      case 'reload':
        return this.reload(Number(message.diagram))
      case 'refused':
        return this.refused(message)
      case 'joined':
      case 'here':
      case 'presence':
        return this.peerSeen(message)
      case 'left':
        return this.peerLeft(message)
      case 'lock':
        return this.setLock((message.lock as RoomLock | null | undefined) ?? null)
      case 'follow':
        return this.asked(message)
      default:
        for (const listener of this.eventListeners.get(String(message.type)) ?? []) listener(message)
        return
    }
  }

  private welcome(message: Message): void {
    this.status = 'open'
    this.attempts = 0
    this.me = (message.you as Participant | undefined) ?? null
    this.canEdit = message.can_edit === true
    this.setLock((message.lock as RoomLock | null | undefined) ?? null, false)
    const versions = new Map<number, number>()
    for (const row of (message.diagrams as { id: number; version: number }[] | undefined) ?? []) versions.set(row.id, row.version)
    for (const session of this.sessions.values()) {
      // Always after a reconnect; on the first connect only when the document is already behind.
      if (versions.get(session.diagramId) !== session.serverVersion) this.resume(session)
      session.attachLive(this.link)
    }
    this.lastPresenceAt = -Infinity
    this.presenceDirty = true
    this.sendPresenceSoon()
    this.emit()
  }

  private appliedMessage(message: Message): void {
    if (Array.isArray(message.records)) return this.applied(toBatch(message))
    // Applied elsewhere without saying what it did (a manifest sync): the log has it.
    const session = this.sessions.get(Number(message.diagram))
    if (session && Number(message.version) > session.serverVersion && !this.resuming.has(session.diagramId)) this.resume(session)
  }

  private applied(batch: ServerBatch & { diagram: number }): void {
    const session = this.sessions.get(batch.diagram)
    if (!session) return
    if (batch.clientBatch) this.batchDiagram.delete(batch.clientBatch)
    if (this.resuming.has(batch.diagram)) {
      this.hold(batch)
      return
    }
    if (session.serverBatch(batch) === 'gap') {
      this.hold(batch)
      this.resume(session)
    }
  }

  private hold(batch: ServerBatch & { diagram: number }): void {
    const list = this.held.get(batch.diagram) ?? []
    list.push(batch)
    list.sort((a, b) => a.version - b.version)
    this.held.set(batch.diagram, list)
  }

  private appliedAlready(message: Message): void {
    const diagram = Number(message.diagram)
    const session = this.sessions.get(diagram)
    const clientBatch = String(message.client_batch)
    this.batchDiagram.delete(clientBatch)
    if (!session) return
    session.alreadyApplied(clientBatch)
    if (Number(message.version) > session.serverVersion && !this.resuming.has(diagram)) this.resume(session)
  }

  private catchUp(message: Message): void {
    const diagram = Number(message.diagram)
    const session = this.sessions.get(diagram)
    this.resuming.delete(diagram)
    if (!session) return
    const batches = (message.batches as { version: number; records: ServerRecord[] }[] | undefined) ?? []
    for (const row of batches) {
      session.serverBatch(
        { version: row.version, threat_model_version: 0, deleted_flows: [], reparented: [], records: row.records, clientBatch: null },
        { inOrder: true },
      )
    }
    session.caughtUp(Number(message.to))
    if (batches.length > 0) this.options.onCatchUp?.()
    // What came while the catch-up was under way: acknowledgements at least, maybe newer batches.
    const held = this.held.get(diagram) ?? []
    this.held.delete(diagram)
    for (const batch of held) this.applied({ ...batch, diagram })
  }

  private reload(diagram: number): void {
    const session = this.sessions.get(diagram)
    this.resuming.delete(diagram)
    const held = this.held.get(diagram) ?? []
    this.held.delete(diagram)
    if (!session) return
    void session.resync().then(() => {
      for (const batch of held) this.applied({ ...batch, diagram })
    })
  }

  private refused(message: Message): void {
    const clientBatch = typeof message.client_batch === 'string' ? message.client_batch : null
    const text = typeof message.message === 'string' ? message.message : 'refused'
    const diagram = clientBatch !== null ? this.batchDiagram.get(clientBatch) : undefined
    if (clientBatch !== null && diagram !== undefined) {
      this.batchDiagram.delete(clientBatch)
      const error: TransportError = {
        status: statusOf(String(message.code)),
        message: text,
        details: (message.details as TransportError['details'] | undefined) ?? [],
      }
      void this.sessions.get(diagram)?.serverRefused(clientBatch, error)
      return
    }
    this.lastRefusal = text
    this.emit()
  }

  private peerSeen(message: Message): void {
    const participant = message.participant as Participant | undefined
    if (!participant || participant.id === this.me?.id) return
    const before = this.peers.get(participant.id)
    const peer: Peer = {
      participant,
      diagram: 'diagram' in message ? ((message.diagram as number | null) ?? null) : (before?.diagram ?? null),
      selection: Array.isArray(message.selection) ? (message.selection as string[]) : (before?.selection ?? []),
      cursor: 'cursor' in message ? ((message.cursor as Presence['cursor']) ?? null) : (before?.cursor ?? null),
      viewport: 'viewport' in message ? ((message.viewport as Presence['viewport']) ?? null) : (before?.viewport ?? null),
    }
    const peers = new Map(this.peers)
    peers.set(participant.id, peer)
    this.peers = peers
    this.emit()
  }

  private setLock(lock: RoomLock | null, emit = true): void {
    if (this.lockHandle !== null) this.cancel(this.lockHandle)
    this.lockHandle = null
    this.lock = lock
    if (lock) {
      // Drop it when its time is up: nobody has to unlock for the others to edit again.
      const left = lock.until * 1000 - this.now()
      this.lockHandle = this.schedule(() => {
        this.lockHandle = null
        this.lock = null
        this.emit()
      }, Math.max(0, left))
    }
    if (emit) this.emit()
  }

  private asked(message: Message): void {
    const presenter = message.presenter as Participant | undefined
    if (!presenter) return
    this.peerSeen({ ...message, participant: presenter })
    if (presenter.id === this.me?.id) return
    if (this.following === presenter.id) return
    this.followRequest = { presenter, at: this.now() }
    this.emit()
  }

  private peerLeft(message: Message): void {
    const participant = message.participant as Participant | undefined
    if (!participant || !this.peers.has(participant.id)) return
    const peers = new Map(this.peers)
    peers.delete(participant.id)
    this.peers = peers
    if (this.following === participant.id) this.following = null
    if (this.followRequest?.presenter.id === participant.id) this.followRequest = null
    this.emit()
  }

  // --- presence out -------------------------------------------------------------------------

  private sendPresenceSoon(): void {
    if (!this.presenceDirty || this.presenceHandle !== null || this.status !== 'open') return
    const wait = Math.max(0, this.lastPresenceAt + this.presenceMs - this.now())
    this.presenceHandle = this.schedule(() => {
      this.presenceHandle = null
      if (!this.presenceDirty) return
      if (this.send({ type: 'presence', ...this.presence, selection: [...this.presence.selection] })) {
        this.presenceDirty = false
        this.lastPresenceAt = this.now()
      }
    }, wait)
  }

  private emit(): void {
    this.snapshot = this.makeSnapshot()
    for (const listener of this.listeners) listener()
  }

  private makeSnapshot(): RoomSnapshot {
    return {
      status: this.status,
      me: this.me,
      canEdit: this.canEdit,
      peers: [...this.peers.values()],
      lastRefusal: this.lastRefusal,
      lock: this.lockNow(),
      following: this.following,
      followRequest: this.followRequest,
    }
  }
}

function toBatch(message: Message): ServerBatch & { diagram: number } {
  return {
    diagram: Number(message.diagram),
    version: Number(message.version),
    threat_model_version: Number(message.threat_model_version),
    deleted_flows: (message.deleted_flows as string[] | undefined) ?? [],
    reparented: (message.reparented as string[] | undefined) ?? [],
    analysis: message.analysis as ServerBatch['analysis'],
    records: (message.records as ServerRecord[] | undefined) ?? [],
    clientBatch: typeof message.client_batch === 'string' ? message.client_batch : null,
    dropped: (message.dropped as ServerBatch['dropped']) ?? [],
    author: message.author as ServerBatch['author'],
  }
}

/** The room's address for a model, on the page's own host (ws: or wss: as the page). */
export function roomUrl(location: { protocol: string; host: string }, modelId: number): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/ws/threat-models/${modelId}/`
}
