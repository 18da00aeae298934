import { describe, expect, it } from 'vitest'
import { applyRecords, DiagramSession, type OpsResult, type ServerRecord, type Transport, type TransportError } from './diagram-session'
import { ACK_TIMEOUT_MS, LiveRoom, RECONNECT_DELAYS_MS, roomUrl, type SocketLike } from './live'
import { applyOps, type Op } from './ops'
import { draw, SMALL, vocab } from './test-helpers'
import type { DiagramState } from './types'
import { Clock, settle } from './test-clock'

/** What the room's server does, in memory: one document, a log, rebase by replaying what still applies. */
class FakeRoom {
  version = 1
  state: DiagramState = draw(SMALL)
  log: { version: number; records: ServerRecord[]; batch: string | null }[] = []
  sockets: FakeSocket[] = []
  /** How many versions a catch-up may span before the client must reload. */
  maxCatchUp = 50
  received: Record<string, unknown>[] = []
  restBatches: number[] = []
  restFails: TransportError[] = []
  lock: Record<string, unknown> | null = null
  clockSeconds: () => number = () => 0
  private nextUser = 1

  open = (user: { id: number; name: string; canEdit?: boolean }) => (): SocketLike => {
    const socket = new FakeSocket(this, user.id, user.name, user.canEdit ?? true)
    this.sockets.push(socket)
    return socket
  }

  user(name: string, canEdit = true) {
    return { id: this.nextUser++, name, canEdit }
  }

  apply(ops: Op[], batch: string | null): { version: number; records: ServerRecord[]; dropped: { key: string; reason: string }[] } {
    let state = this.state
    const dropped: { key: string; reason: string }[] = []
    for (const op of ops) {
      const result = applyOps(state, [op], vocab)
      if (result.errors.length > 0) dropped.push({ key: op.key, reason: result.errors[0]?.message ?? 'no' })
      else state = result.state
    }
    const records: ServerRecord[] = []
    for (const key of new Set([...this.state.elements.keys(), ...state.elements.keys()])) {
      const before = this.state.elements.get(key)
      const after = state.elements.get(key)
      if (before !== after) records.push({ op: after ? 'update_element' : 'delete_element', key, after: after ? { ...after } : null })
    }
    for (const key of new Set([...this.state.flows.keys(), ...state.flows.keys()])) {
      const before = this.state.flows.get(key)
      const after = state.flows.get(key)
      if (before !== after) records.push({ op: after ? 'update_flow' : 'delete_flow', key, after: after ? { ...after } : null })
    }
    this.state = state
    this.version += 1
    this.log.push({ version: this.version, records, batch })
    return { version: this.version, records, dropped }
  }

  receive(socket: FakeSocket, raw: string): void {
    const message = JSON.parse(raw) as Record<string, unknown>
    this.received.push(message)
    if (message.type === 'ops') {
      if (!socket.canEdit) return socket.push({ type: 'refused', code: 'forbidden', message: 'watch only', client_batch: message.client_batch })
      const batch = message.client_batch as string
      const done = this.log.find((row) => row.batch === batch)
      if (done) return socket.push({ type: 'applied_already', diagram: 1, version: done.version, client_batch: batch })
      const ops = message.ops as Op[]
      if (ops.some((op) => op.op === 'add_flow' && (!this.state.elements.has(op.source) || !this.state.elements.has(op.target)))) {
        return socket.push({ type: 'refused', code: 'conflict', message: 'needs a deleted element', client_batch: batch })
      }
      const result = this.apply(ops, batch)
      this.broadcast({
        type: 'applied',
        diagram: 1,
        version: result.version,
        threat_model_version: result.version,
        client_batch: batch,
        records: result.records,
        dropped: result.dropped,
        author: { id: socket.userId, name: socket.name },
      })
    } else if (message.type === 'resume') {
      const from = message.version as number
      if (this.version - from > this.maxCatchUp) return socket.push({ type: 'reload', diagram: 1, version: this.version })
      const batches = this.log.filter((row) => row.version > from).map((row) => ({ version: row.version, records: row.records }))
      socket.push({ type: 'catch_up', diagram: 1, from, to: this.version, batches })
    } else if (message.type === 'presence') {
      socket.presence = message
      for (const other of this.sockets) if (other !== socket && other.readyState === 1) other.push({ ...message, participant: socket.who() })
    } else if (message.type === 'follow_me') {
      const { type: _type, ...presence } = socket.presence
      this.broadcast({ type: 'follow', presenter: socket.who(), ...presence })
    } else if (message.type === 'lock') {
      // The server's clock is the test clock, in seconds.
      this.lock = { by: socket.who(), until: this.clockSeconds() + (message.seconds as number), reason: message.reason }
      this.broadcast({ type: 'lock', lock: this.lock })
    } else if (message.type === 'unlock') {
      this.lock = null
      this.broadcast({ type: 'lock', lock: null })
    }
  }

  broadcast(message: Record<string, unknown>): void {
    for (const socket of this.sockets) if (socket.readyState === 1) socket.push(message)
  }

  /** Someone edits through the REST API (the room is told, with records). */
  restEdit(ops: Op[]): void {
    const result = this.apply(ops, null)
    this.broadcast({ type: 'applied', diagram: 1, version: result.version, threat_model_version: result.version, client_batch: null, records: result.records })
  }

  /** Deliver everything queued, in order, until nothing is left. */
  deliver(): void {
    for (let round = 0; round < 100; round += 1) {
      const busy = this.sockets.filter((s) => s.inbox.length > 0 && s.readyState === 1)
      if (busy.length === 0) return
      for (const socket of busy) socket.deliverOne()
    }
  }

  transport(): Transport {
    return {
      postOps: async (_id, base, ops): Promise<OpsResult> => {
        this.restBatches.push(base)
        const failure = this.restFails.shift()
        if (failure) throw failure
        if (base !== this.version) throw { status: 409, message: 'stale', details: [] } satisfies TransportError
        const result = this.apply(ops, null)
        return { version: result.version, threat_model_version: result.version, deleted_flows: [], reparented: [] }
      },
      loadDiagram: async () => ({ version: this.version, state: this.state }),
    }
  }
}

class FakeSocket implements SocketLike {
  readyState = 0
  inbox: Record<string, unknown>[] = []
  presence: Record<string, unknown> = {}
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null

  constructor(
    private readonly room: FakeRoom,
    readonly userId: number,
    readonly name: string,
    readonly canEdit: boolean,
  ) {}

  who() {
    return { id: this.userId, name: this.name, initials: this.name.slice(0, 2).toUpperCase(), colour: '#1f77b4', role: this.canEdit ? 'editor' : 'viewer' }
  }

  /** The server accepts the socket: welcome to this one, joined to the others. */
  accept(): void {
    this.readyState = 1
    this.push({ type: 'welcome', you: this.who(), can_edit: this.canEdit, diagrams: [{ id: 1, version: this.room.version }], lock: this.room.lock })
    for (const other of this.room.sockets) {
      if (other !== this && other.readyState === 1) {
        other.push({ type: 'joined', participant: this.who() })
        this.push({ type: 'here', participant: other.who(), diagram: null, selection: [], cursor: null, viewport: null })
      }
    }
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open')
    this.room.receive(this, data)
  }

  close(code = 1000): void {
    this.drop(code)
  }

  /** The connection goes away (network, server restart): undelivered messages are lost. */
  drop(code = 1006): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.inbox = []
    for (const other of this.room.sockets) if (other !== this && other.readyState === 1) other.push({ type: 'left', participant: this.who() })
    this.onclose?.({ code })
  }

  push(message: Record<string, unknown>): void {
    this.inbox.push(message)
  }

  deliverOne(): void {
    const message = this.inbox.shift()
    if (message) this.onmessage?.({ data: JSON.stringify(message) })
  }
}


let ids = 0

function participant(server: FakeRoom, clock: Clock, name: string, canEdit = true) {
  const user = server.user(name, canEdit)
  const saved: number[] = []
  const session = new DiagramSession({
    diagramId: 1,
    version: server.version,
    state: server.state,
    transport: server.transport(),
    vocab,
    schedule: clock.schedule,
    cancel: clock.cancel,
    now: () => clock.now,
    onSaved: (result) => saved.push(result.version),
    batchId: () => `batch-${(ids += 1)}`,
  })
  let catchUps = 0
  const room = new LiveRoom({
    url: 'ws://test/ws/threat-models/1/',
    open: server.open(user),
    schedule: clock.schedule,
    cancel: clock.cancel,
    now: () => clock.now,
    onCatchUp: () => (catchUps += 1),
  })
  room.attach(session)
  room.connect()
  const socket = () => server.sockets.filter((s) => s.userId === user.id).at(-1) as FakeSocket
  socket().accept()
  return { user, session, room, saved, socket, catchUps: () => catchUps }
}

/** Let the sessions' flush timers run and the server's answers arrive, until all is quiet. */
async function quiet(server: FakeRoom, clock: Clock): Promise<void> {
  for (let i = 0; i < 5; i += 1) {
    await clock.advance(0)
    server.deliver()
  }
  await settle()
}

const names = (state: DiagramState) => [...state.elements.values()].map((e) => e.name).sort()

describe('LiveRoom', () => {
  it('sends a batch through the socket and the other participant sees it without a reload', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    const ben = participant(server, clock, 'ben')
    await quiet(server, clock)
    expect(ana.room.getSnapshot().peers.map((p) => p.participant.name)).toEqual(['ben'])
    expect(ben.room.getSnapshot().peers.map((p) => p.participant.name)).toEqual(['ana'])

    ana.session.edit('Rename', [{ op: 'update_element', key: 'web', name: 'Shop' }])
    await quiet(server, clock)
    expect(server.restBatches).toEqual([]) // the socket carried it, not REST
    expect(ana.session.getSnapshot()).toMatchObject({ status: 'saved', version: 2, pendingCount: 0 })
    expect(ben.session.getSnapshot().state.elements.get('web')?.name).toBe('Shop')
    expect(ben.session.getSnapshot().version).toBe(2)
    expect(ana.saved).toEqual([2]) // acknowledged once
    expect(ben.saved).toEqual([2]) // someone else's batch: the threat list follows it too
  })

  it('rebases a concurrent edit made on an older version and both converge', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    const ben = participant(server, clock, 'ben')
    await quiet(server, clock)
    ana.session.edit('Add API', [{ op: 'add_element', key: 'api', kind: 'process', name: 'API', x: 0, y: 200 }])
    ben.session.edit('Rename DB', [{ op: 'update_element', key: 'db', name: 'Orders' }])
    // Both batches leave on version 1 before either hears of the other.
    await clock.advance(0)
    const sent = server.received.filter((m) => m.type === 'ops')
    expect(sent.map((m) => m.base_version)).toEqual([1, 1])
    server.deliver()
    await quiet(server, clock)
    expect(names(ana.session.state)).toEqual(['API', 'App', 'Orders', 'User', 'Web'])
    expect(ben.session.state).toEqual(server.state)
    expect(ana.session.state).toEqual(server.state)
    expect(ana.session.getSnapshot()).toMatchObject({ version: 3, pendingCount: 0, status: 'saved' })
    expect(ben.session.getSnapshot()).toMatchObject({ version: 3, pendingCount: 0, status: 'saved' })
  })

  it('shows a remote edit at once and keeps the local pending edit on top of it', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    await quiet(server, clock)
    // A REST edit from elsewhere lands first; Ana's batch leaves on version 1 and is not yet acknowledged.
    ana.session.edit('Rename Web', [{ op: 'update_element', key: 'web', name: 'Shop' }])
    server.restEdit([{ op: 'update_element', key: 'user', name: 'Customer' }])
    await clock.advance(0)
    expect(ana.socket().inbox.map((m) => m.client_batch)).toEqual([null, expect.stringMatching(/^batch-/)])
    ana.socket().deliverOne()
    await settle()
    const state = ana.session.getSnapshot().state
    expect(state.elements.get('user')?.name).toBe('Customer') // the remote edit
    expect(state.elements.get('web')?.name).toBe('Shop') // still shows her own, unacknowledged
    expect(ana.session.getSnapshot().pendingCount).toBe(1)
  })

  it('drops a pending edit of something someone else deleted, and says so', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    await quiet(server, clock)
    ana.room.stop() // offline, REST failing: the edit stays pending
    server.restFails = [{ status: 0, message: 'Network error', details: [] }]
    ana.session.edit('Rename DB', [{ op: 'update_element', key: 'db', name: 'Orders' }])
    await clock.advance(0)
    ana.room.attach(ana.session)
    ana.room.connect()
    server.restEdit([{ op: 'delete_element', key: 'db' }])
    ana.socket().accept()
    await quiet(server, clock)
    expect(ana.session.state.elements.has('db')).toBe(false)
    expect(ana.session.getSnapshot().pendingCount).toBe(0)
    expect(ana.session.getSnapshot().notices.at(-1)?.lines.join(' ')).toContain('Rename DB')
  })

  it('holds a batch that skips a version and asks for the gap', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    await quiet(server, clock)
    server.restEdit([{ op: 'update_element', key: 'web', name: 'One' }])
    server.restEdit([{ op: 'update_element', key: 'db', name: 'Two' }])
    const socket = ana.socket()
    socket.inbox.shift() // version 2's broadcast is lost
    server.deliver()
    await settle()
    expect(server.received.at(-1)).toEqual({ type: 'resume', diagram: 1, version: 1 })
    expect(ana.session.getSnapshot().version).toBe(3)
    expect(ana.session.state).toEqual(server.state)
    expect(ana.catchUps()).toBe(1)
  })

  it('reconnects with back-off, catches up and re-sends the unacknowledged batch with its id', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    const ben = participant(server, clock, 'ben')
    await quiet(server, clock)
    server.restFails = [{ status: 0, message: 'Network error', details: [] }]
    ana.session.edit('Add API', [{ op: 'add_element', key: 'api', kind: 'process', name: 'API', x: 0, y: 200 }])
    await clock.advance(0)
    // The server applied it, but the connection drops before the acknowledgement arrives.
    const first = ana.socket()
    const batch = server.received.at(-1)?.client_batch
    first.drop()
    expect(ana.room.getSnapshot().status).toBe('offline')
    ben.session.edit('Rename user', [{ op: 'update_element', key: 'user', name: 'Customer' }])
    await quiet(server, clock)
    expect(ben.room.getSnapshot().peers).toEqual([]) // ben saw her leave
    // The REST fallback tried (offline) and waits; the room tries again after RECONNECT_DELAYS_MS[0].
    expect(server.restBatches).toEqual([1])
    await clock.advance(RECONNECT_DELAYS_MS[0]!)
    ana.socket().accept()
    await quiet(server, clock)
    const resent = server.received.filter((m) => m.type === 'ops' && m.client_batch === batch)
    expect(resent).toHaveLength(2) // sent, then re-sent with the same id: recognised, not applied twice
    expect(server.log.filter((row) => row.batch === batch)).toHaveLength(1)
    expect(ana.session.state).toEqual(server.state)
    expect(ben.session.state).toEqual(server.state)
    expect(ana.session.getSnapshot()).toMatchObject({ pendingCount: 0, status: 'saved', version: server.version })
  })

  it('reloads the document when too far behind for the log', async () => {
    const server = new FakeRoom()
    server.maxCatchUp = 1
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    await quiet(server, clock)
    ana.socket().drop()
    server.apply([{ op: 'update_element', key: 'web', name: 'One' }], null)
    server.apply([{ op: 'update_element', key: 'db', name: 'Two' }], null)
    await clock.advance(RECONNECT_DELAYS_MS[0]!)
    ana.socket().accept()
    await quiet(server, clock)
    expect(server.received.filter((m) => m.type === 'resume')).toEqual([{ type: 'resume', diagram: 1, version: 1 }])
    expect(ana.session.getSnapshot().version).toBe(3)
    expect(ana.session.state).toEqual(server.state)
  })

  it('gives up on a room that refuses the socket (not a member) and backs off otherwise', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    ana.socket().drop()
    await clock.advance(RECONNECT_DELAYS_MS[0]! - 1)
    expect(server.sockets).toHaveLength(1)
    await clock.advance(1)
    expect(server.sockets).toHaveLength(2)
    ana.socket().drop()
    await clock.advance(RECONNECT_DELAYS_MS[1]!)
    expect(server.sockets).toHaveLength(3)
    ana.socket().drop(4404)
    expect(ana.room.getSnapshot().status).toBe('refused')
    await clock.advance(60_000)
    expect(server.sockets).toHaveLength(3)
  })

  it('a viewer receives the edits, never sends a batch through the room', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    const vic = participant(server, clock, 'vic', false)
    await quiet(server, clock)
    expect(vic.room.getSnapshot().canEdit).toBe(false)
    ana.session.edit('Rename', [{ op: 'update_element', key: 'web', name: 'Shop' }])
    await quiet(server, clock)
    expect(vic.session.state.elements.get('web')?.name).toBe('Shop')
    expect(server.received.filter((m) => m.type === 'ops')).toHaveLength(1)
  })

  it('a refused batch is handled as the REST answer would be: a conflict reloads and drops what no longer applies', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    await quiet(server, clock)
    ana.session.edit('Add flow', [{ op: 'add_flow', key: 'f9', source: 'user', target: 'db' }])
    server.state = draw([{ op: 'delete_element', key: 'db' }], server.state) // deleted meanwhile, unseen yet
    server.version += 1
    await quiet(server, clock)
    expect(ana.session.state.flows.has('f9')).toBe(false)
    expect(ana.session.getSnapshot()).toMatchObject({ pendingCount: 0, version: server.version })
    expect(ana.session.getSnapshot().notices.at(-1)?.lines.join(' ')).toContain('Add flow')
  })

  it('shares presence at most every 100 ms, with the latest selection', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    const ben = participant(server, clock, 'ben')
    await quiet(server, clock)
    const sentBefore = server.received.filter((m) => m.type === 'presence').length
    for (let x = 0; x < 10; x += 1) ana.room.setPresence({ diagram: 1, cursor: { x, y: 0 }, selection: ['web'] })
    await clock.advance(0)
    await clock.advance(100)
    const sent = server.received.filter((m) => m.type === 'presence').slice(sentBefore)
    expect(sent.length).toBeLessThanOrEqual(2)
    server.deliver()
    const peer = ben.room.getSnapshot().peers[0]
    expect(peer).toMatchObject({ diagram: 1, selection: ['web'], cursor: { x: 9, y: 0 } })
    ana.room.stop()
    server.deliver()
    expect(ben.room.getSnapshot().peers).toEqual([])
  })
})

describe('LiveRoom follow and lock', () => {
  it('a presenter asks everyone to follow; who accepts follows their view until they leave', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    const ben = participant(server, clock, 'ben')
    await quiet(server, clock)
    ana.room.setPresence({ diagram: 1, viewport: { x: 10, y: 20, zoom: 1.5 } })
    await clock.advance(100)
    expect(ana.room.askToFollow()).toBe(true)
    server.deliver()
    expect(ana.room.getSnapshot().followRequest).toBeNull() // not asked to follow oneself
    const asked = ben.room.getSnapshot().followRequest
    expect(asked?.presenter.name).toBe('ana')
    const anaId = asked?.presenter.id ?? -1
    expect(ben.room.getSnapshot().peers.find((p) => p.participant.id === anaId)?.viewport).toEqual({ x: 10, y: 20, zoom: 1.5 })
    ben.room.follow(anaId)
    expect(ben.room.getSnapshot()).toMatchObject({ following: anaId, followRequest: null })
    ana.room.stop()
    server.deliver()
    expect(ben.room.getSnapshot().following).toBeNull()
  })

  it('not now leaves the request unanswered and follows nobody', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    const ben = participant(server, clock, 'ben')
    await quiet(server, clock)
    ana.room.askToFollow()
    server.deliver()
    ben.room.dismissFollow()
    expect(ben.room.getSnapshot()).toMatchObject({ following: null, followRequest: null })
  })

  it('a lock reaches everyone, a latecomer learns it on joining, and it ends by itself or on unlock', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    server.clockSeconds = () => clock.now / 1000
    const ana = participant(server, clock, 'ana')
    const ben = participant(server, clock, 'ben')
    await quiet(server, clock)
    ana.room.lockRoom(60, 'look at the ingress')
    server.deliver()
    expect(ben.room.getSnapshot().lock).toMatchObject({ by: { name: 'ana' }, reason: 'look at the ingress' })
    const cleo = participant(server, clock, 'cleo')
    server.deliver()
    expect(cleo.room.getSnapshot().lock?.reason).toBe('look at the ingress')
    await clock.advance(60_000)
    expect(ben.room.getSnapshot().lock).toBeNull()
    expect(cleo.room.getSnapshot().lock).toBeNull()
    ana.room.lockRoom(30, '')
    server.deliver()
    expect(ben.room.getSnapshot().lock).not.toBeNull()
    ana.room.unlockRoom()
    server.deliver()
    expect(ben.room.getSnapshot().lock).toBeNull()
  })
})

describe('applyRecords', () => {
  it('sets each key to its after state and removes what is gone', () => {
    const state = draw(SMALL)
    const next = applyRecords(state, [
      { op: 'update_element', key: 'web', after: { ...state.elements.get('web')!, name: 'Shop' } },
      { op: 'delete_flow', key: 'f1', after: null },
    ])
    expect(next.elements.get('web')?.name).toBe('Shop')
    expect(next.flows.has('f1')).toBe(false)
    expect(next.elements.get('db')).toBe(state.elements.get('db'))
    expect(state.flows.has('f1')).toBe(true)
  })
})

describe('roomUrl', () => {
  it('is on the page host, wss under https', () => {
    expect(roomUrl({ protocol: 'https:', host: 'tm.example' }, 7)).toBe('wss://tm.example/ws/threat-models/7/')
    expect(roomUrl({ protocol: 'http:', host: '127.0.0.1:8000' }, 7)).toBe('ws://127.0.0.1:8000/ws/threat-models/7/')
  })
})

describe('LiveRoom on a connection gone quiet', () => {
  it('takes a socket that leaves a batch unanswered for dead, and the REST path saves it', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    await quiet(server, clock)
    const socket = ana.socket()
    socket.send = () => undefined // the network swallows what she sends; the socket still says open
    ana.session.edit('Rename', [{ op: 'update_element', key: 'web', name: 'Shop' }])
    await clock.advance(0)
    expect(ana.session.getSnapshot().status).toBe('saving')
    await clock.advance(ACK_TIMEOUT_MS - 1)
    expect(server.restBatches).toEqual([])
    await clock.advance(1)
    expect(ana.room.getSnapshot().status).toBe('offline')
    expect(server.restBatches).toEqual([1])
    expect(ana.session.getSnapshot()).toMatchObject({ status: 'saved', version: 2 })
    expect(server.state.elements.get('web')?.name).toBe('Shop')
  })
})

describe('LiveRoom news other than batches', () => {
  it('hands a comment to whoever listens for comments, and to no one after they stop', async () => {
    const server = new FakeRoom()
    const clock = new Clock()
    const ana = participant(server, clock, 'ana')
    await quiet(server, clock)
    const heard: unknown[] = []
    const stop = ana.room.onEvent('comment', (message) => heard.push(message.action))
    ana.socket().push({ type: 'comment', action: 'created', comment: { id: 1 } })
    ana.socket().push({ type: 'something_else' })
    await quiet(server, clock)
    expect(heard).toEqual(['created'])
    stop()
    ana.socket().push({ type: 'comment', action: 'edited', comment: { id: 1 } })
    await quiet(server, clock)
    expect(heard).toEqual(['created'])
  })
})
