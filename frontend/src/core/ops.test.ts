import { applyOps } from './ops'
import { draw, SMALL, vocab } from './test-helpers'

describe('applyOps', () => {
  it('applies a batch in order, so an element can go into a boundary added just before', () => {
    const state = draw(SMALL)
    expect([...state.elements.keys()]).toEqual(['tb-app', 'user', 'web', 'db'])
    expect(state.elements.get('web')?.parent).toBe('tb-app')
    expect(state.flows.get('f2')).toMatchObject({ source: 'web', target: 'db', label: 'SQL' })
  })

  it('leaves the input state untouched', () => {
    const before = draw(SMALL)
    applyOps(before, [{ op: 'delete_element', key: 'web' }])
    expect(before.elements.has('web')).toBe(true)
  })

  it('deletes the flows of a deleted element, and lifts a deleted boundary’s children in place', () => {
    const state = draw([...SMALL, { op: 'delete_element', key: 'tb-app' }, { op: 'delete_element', key: 'user' }])
    expect(state.flows.has('f1')).toBe(false)
    expect(state.flows.has('f2')).toBe(true)
    expect(state.elements.get('web')).toMatchObject({ parent: null, x: 320, y: 30 })
  })

  it('merges properties and removes one with null', () => {
    const state = draw([
      ...SMALL,
      { op: 'update_element', key: 'db', properties: { encrypted: null } },
      { op: 'update_element', key: 'web', properties: { privileged: true, component: 'workload' } },
    ])
    expect(state.elements.get('db')?.properties).toEqual({})
    expect(state.elements.get('web')?.properties).toEqual({ privileged: true, component: 'workload' })
  })

  it('refuses what the server refuses, naming the field', () => {
    const state = draw(SMALL)
    const result = applyOps(
      state,
      [
        { op: 'add_flow', key: 'f3', source: 'web', target: 'web' },
        { op: 'add_flow', key: 'f4', source: 'web', target: 'tb-app' },
        { op: 'add_element', key: 'web', kind: 'process', name: 'Again' },
        { op: 'set_parent', key: 'tb-app', parent: 'web' },
        { op: 'update_element', key: 'web', properties: { privileged: 'yes' } },
        { op: 'update_element', key: 'web', properties: { encrypted: true } },
        { op: 'update_element', key: 'gone', name: 'x' },
        { op: 'add_element', key: 'bad key!', kind: 'process', name: 'x' },
        { op: 'update_element', key: 'web', name: '   ' },
      ],
      vocab,
    )
    expect(result.errors.map((e) => [e.index, e.field])).toEqual([
      [0, 'target'],
      [1, 'target'],
      [2, 'key'],
      [3, 'parent'],
      [4, 'properties.privileged'],
      [5, 'properties.encrypted'],
      [6, 'key'],
      [7, 'key'],
      [8, 'name'],
    ])
  })

  it('refuses to nest a boundary inside itself', () => {
    const state = draw([
      { op: 'add_element', key: 'outer', kind: 'trust_boundary', name: 'Outer' },
      { op: 'add_element', key: 'inner', kind: 'trust_boundary', name: 'Inner', parent: 'outer' },
    ])
    const result = applyOps(state, [{ op: 'set_parent', key: 'outer', parent: 'inner' }])
    expect(result.errors[0]?.message).toContain('cannot be nested in itself')
  })

  it('refuses a key used by another diagram of the model', () => {
    const state = { ...draw(SMALL), keysElsewhere: new Set(['elsewhere']) }
    const result = applyOps(state, [{ op: 'add_element', key: 'elsewhere', kind: 'process', name: 'P' }])
    expect(result.errors[0]?.field).toBe('key')
  })
})
