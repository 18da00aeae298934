import { DiagramSession, type OpsResult, type Transport, type TransportError } from './diagram-session'
import type { Op } from './ops'
import { draw, SMALL, vocab } from './test-helpers'
import type { DiagramState } from './types'
import { Clock } from './test-clock'

/** A fake server: applies batches like the real one, answers 409 on a stale version, can fail. */
class FakeServer implements Transport {
  version = 1
  state: DiagramState = draw(SMALL)
  batches: { base: number; ops: Op[] }[] = []
  failNext: TransportError[] = []

  async postOps(_id: number, base: number, ops: Op[]): Promise<OpsResult> {
    this.batches.push({ base, ops })
    const failure = this.failNext.shift()
    if (failure) throw failure
    if (base !== this.version) throw { status: 409, message: 'stale', details: [] } satisfies TransportError
    this.state = draw(ops, this.state)
    this.version += 1
    return { version: this.version, threat_model_version: this.version, deleted_flows: [], reparented: [] }
  }

  async loadDiagram(): Promise<{ version: number; state: DiagramState }> {
    return { version: this.version, state: this.state }
  }

  /** Someone else saves first. */
  otherSaves(ops: Op[]): void {
    this.state = draw(ops, this.state)
    this.version += 1
  }
}


function setup() {
  const server = new FakeServer()
  const clock = new Clock()
  const saved: number[] = []
  const session = new DiagramSession({
    diagramId: 1,
    version: server.version,
    state: server.state,
    transport: server,
    vocab,
    schedule: clock.schedule,
    cancel: clock.cancel,
    now: () => clock.now,
    onSaved: (result) => saved.push(result.version),
  })
  return { server, clock, session, saved }
}

describe('DiagramSession', () => {
  it('applies an edit at once, sends it with the base version and reports saved', async () => {
    const { server, clock, session, saved } = setup()
    expect(session.edit('Rename “Web”', [{ op: 'update_element', key: 'web', name: 'Shop' }])).toBeNull()
    expect(session.getSnapshot().state.elements.get('web')?.name).toBe('Shop')
    expect(session.getSnapshot().status).toBe('pending')
    await clock.advance(0)
    expect(server.batches).toEqual([{ base: 1, ops: [{ op: 'update_element', key: 'web', name: 'Shop' }] }])
    expect(session.getSnapshot()).toMatchObject({ status: 'saved', version: 2, pendingCount: 0 })
    expect(saved).toEqual([2])
  })

  it('refuses an invalid edit locally without queueing it', () => {
    const { session } = setup()
    expect(session.edit('Loop', [{ op: 'add_flow', key: 'f9', source: 'web', target: 'web' }])).toContain('two different')
    expect(session.getSnapshot().pendingCount).toBe(0)
  })

  it('keeps a failed save and retries it with back-off until it goes through', async () => {
    const { server, clock, session } = setup()
    server.failNext = [
      { status: 0, message: 'Network error', details: [] },
      { status: 502, message: 'Bad gateway', details: [] },
    ]
    session.edit('Delete f1', [{ op: 'delete_flow', key: 'f1' }])
    await clock.advance(0)
    expect(session.getSnapshot()).toMatchObject({ status: 'failed', lastError: 'Network error', pendingCount: 1, retryInMs: 1000 })
    session.edit('Delete f2', [{ op: 'delete_flow', key: 'f2' }])
    await clock.advance(999)
    expect(server.batches).toHaveLength(1)
    await clock.advance(1)
    expect(session.getSnapshot()).toMatchObject({ status: 'failed', lastError: 'Bad gateway', retryInMs: 2000 })
    await clock.advance(2000)
    expect(session.getSnapshot()).toMatchObject({ status: 'saved', pendingCount: 0 })
    expect(server.state.flows.size).toBe(0)
    expect(server.batches.at(-1)?.ops).toEqual([
      { op: 'delete_flow', key: 'f1' },
      { op: 'delete_flow', key: 'f2' },
    ])
  })

  it('on 409 reloads, re-applies what still applies and tells the user what it could not', async () => {
    const { server, clock, session } = setup()
    server.otherSaves([{ op: 'delete_element', key: 'db' }, { op: 'update_element', key: 'user', name: 'Customer' }])
    session.edit('Rename “Web”', [{ op: 'update_element', key: 'web', name: 'Shop' }])
    session.edit('Encrypt “DB”', [{ op: 'update_element', key: 'db', properties: { encrypted: true } }])
    await clock.advance(0)
    await clock.advance(0)
    const snapshot = session.getSnapshot()
    expect(snapshot.status).toBe('saved')
    expect(server.batches.map((b) => b.base)).toEqual([1, 2])
    expect(server.state.elements.get('web')?.name).toBe('Shop')
    expect(server.state.elements.get('user')?.name).toBe('Customer')
    expect(snapshot.state.elements.has('db')).toBe(false)
    expect(snapshot.notices).toHaveLength(1)
    expect(snapshot.notices[0]?.tone).toBe('warning')
    expect(snapshot.notices[0]?.lines.join('\n')).toContain('Encrypt “DB”: the element db no longer exists.')
  })

  it('on 400 removes the refused edit, keeps the others and puts the message on the field', async () => {
    const { server, clock, session } = setup()
    server.failNext = [
      { status: 400, message: 'invalid', details: [{ path: 'ops[1].properties.technology', message: 'must be at most 120 characters (got 200)' }] },
    ]
    session.edit('Rename “Web”', [{ op: 'update_element', key: 'web', name: 'Shop' }])
    session.edit('Set technology', [{ op: 'update_element', key: 'web', properties: { technology: 'x'.repeat(200) } }])
    await clock.advance(0)
    await clock.advance(0)
    const snapshot = session.getSnapshot()
    expect(snapshot.fieldErrors).toEqual([{ key: 'web', field: 'properties.technology', message: 'must be at most 120 characters (got 200)' }])
    expect(snapshot.state.elements.get('web')?.properties.technology).toBeUndefined()
    expect(server.state.elements.get('web')?.name).toBe('Shop')
    expect(snapshot.notices[0]?.tone).toBe('error')
    // Editing the element again clears the message.
    session.edit('Set technology', [{ op: 'update_element', key: 'web', properties: { technology: 'nginx' } }])
    expect(session.getSnapshot().fieldErrors).toEqual([])
  })

  it('undoes a delete with its flows, and redoes it, through ordinary saves', async () => {
    const { server, clock, session } = setup()
    session.edit('Delete “Web”', [{ op: 'delete_element', key: 'web' }])
    await clock.advance(0)
    expect(server.state.flows.size).toBe(0)
    session.undo()
    await clock.advance(0)
    expect(server.state.elements.get('web')?.parent).toBe('tb-app')
    expect([...server.state.flows.keys()].sort()).toEqual(['f1', 'f2'])
    expect(session.getSnapshot().canRedo).toBe(true)
    session.redo()
    await clock.advance(0)
    expect(server.state.elements.has('web')).toBe(false)
  })

  it('tells the user when an undo no longer applies', async () => {
    const { server, clock, session } = setup()
    session.edit('Rename “Web”', [{ op: 'update_element', key: 'web', name: 'Shop' }])
    await clock.advance(0)
    server.otherSaves([{ op: 'delete_element', key: 'web' }])
    session.edit('Rename “DB”', [{ op: 'update_element', key: 'db', name: 'Orders' }])
    await clock.advance(0)
    await clock.advance(0)
    session.undo() // undoes “Rename DB”
    expect(session.undo()).toContain('no longer exists')
    expect(session.getSnapshot().notices.map((n) => n.title)).toContain('Could not undo “Rename “Web””')
  })

  it('stops and says so when the user may not edit (403)', async () => {
    const { server, clock, session } = setup()
    server.failNext = [{ status: 403, message: 'Your role in the team does not allow this', details: [] }]
    session.edit('Rename “Web”', [{ op: 'update_element', key: 'web', name: 'Shop' }])
    await clock.advance(0)
    const snapshot = session.getSnapshot()
    expect(snapshot.readOnly).toBe(true)
    expect(snapshot.state.elements.get('web')?.name).toBe('Web')
    expect(snapshot.notices[0]?.lines).toContain('Not saved: Rename “Web”')
  })
})
