import { multiSelection, setFlowFieldOps, setPropertyOps, shared, sharedFlowField, sharedProperty } from './multi-edit'
import { applyOps } from './ops'
import { draw, SMALL, vocab } from './test-helpers'

// SMALL: user → web (f1, HTTPS), web → db (f2, SQL); db is encrypted. One more flow, db → web, encrypted.
const state = draw([...SMALL, { op: 'add_flow', key: 'f3', source: 'db', target: 'web', label: 'Rows', protocol: 'tcp', properties: { encrypted: true } }])

describe('editing several items at once', () => {
  it('says a value is mixed only when the items differ', () => {
    expect(shared([true, true])).toEqual({ mixed: false, value: true })
    expect(shared([true, undefined])).toEqual({ mixed: true })
    expect(shared([undefined, undefined])).toEqual({ mixed: false, value: undefined })
  })

  it('offers the properties every selected item has', () => {
    const flows = multiSelection(state, ['f1', 'f2'], vocab)
    expect(flows?.specs.map((spec) => spec.name)).toEqual(['encrypted'])
    // A data store and a flow share "encrypted"; a process and a store share nothing.
    expect(multiSelection(state, ['db', 'f3'], vocab)?.specs.map((spec) => spec.name)).toEqual(['encrypted'])
    expect(multiSelection(state, ['web', 'db'], vocab)?.specs).toEqual([])
    expect(multiSelection(state, ['f1'], vocab)).toBeNull()
    expect(multiSelection(state, ['f1', 'gone'], vocab)).toBeNull()
  })

  it('shows each shared field’s one value or mixed', () => {
    const picked = multiSelection(state, ['f1', 'f2', 'f3'], vocab)
    if (!picked) throw new Error('no selection')
    expect(sharedProperty(state, picked, 'encrypted')).toEqual({ mixed: true })
    expect(sharedFlowField(state, picked, 'bidirectional')).toEqual({ mixed: false, value: false })
    expect(sharedFlowField(state, picked, 'protocol')).toEqual({ mixed: true })
  })

  it('sets one property on all of them in one batch, leaving out those that have it already', () => {
    const picked = multiSelection(state, ['f1', 'f2', 'f3'], vocab)
    if (!picked) throw new Error('no selection')
    const ops = setPropertyOps(state, picked, 'encrypted', true)
    expect(ops).toEqual([
      { op: 'update_flow', key: 'f1', properties: { encrypted: true } },
      { op: 'update_flow', key: 'f2', properties: { encrypted: true } },
    ])
    const after = applyOps(state, ops)
    expect(after.errors).toEqual([])
    expect(sharedProperty(after.state, picked, 'encrypted')).toEqual({ mixed: false, value: true })
    // Back to "not set" for all: only those that have a value get an op.
    expect(setPropertyOps(state, picked, 'encrypted', null)).toEqual([{ op: 'update_flow', key: 'f3', properties: { encrypted: null } }])
  })

  it('sets elements and flows in the same batch', () => {
    const picked = multiSelection(state, ['db', 'f1'], vocab)
    if (!picked) throw new Error('no selection')
    expect(setPropertyOps(state, picked, 'encrypted', false)).toEqual([
      { op: 'update_element', key: 'db', properties: { encrypted: false } },
      { op: 'update_flow', key: 'f1', properties: { encrypted: false } },
    ])
  })

  it('sets the protocol and direction of flows', () => {
    const picked = multiSelection(state, ['f1', 'f2', 'f3'], vocab)
    if (!picked) throw new Error('no selection')
    expect(setFlowFieldOps(state, picked, { protocol: 'tcp' })).toEqual([
      { op: 'update_flow', key: 'f1', protocol: 'tcp' },
      { op: 'update_flow', key: 'f2', protocol: 'tcp' },
    ])
    expect(setFlowFieldOps(state, picked, { bidirectional: true })).toHaveLength(3)
  })
})
