import { History } from './history'
import { invertOps } from './invert'
import { applyOps, type Op } from './ops'
import { draw, SMALL } from './test-helpers'
import type { DiagramState } from './types'

function roundTrip(state: DiagramState, ops: Op[]): DiagramState {
  const inverse = invertOps(state, ops)
  const after = applyOps(state, ops)
  expect(after.errors).toEqual([])
  const back = applyOps(after.state, inverse)
  expect(back.errors).toEqual([])
  return back.state
}

const plain = (state: DiagramState) => ({ elements: Object.fromEntries(state.elements), flows: Object.fromEntries(state.flows) })

describe('invertOps', () => {
  const base = draw(SMALL)

  it.each<[string, Op[]]>([
    ['an added element', [{ op: 'add_element', key: 'q', kind: 'process', name: 'Queue' }]],
    ['a deleted element with its flows', [{ op: 'delete_element', key: 'web' }]],
    ['a deleted boundary with its children', [{ op: 'delete_element', key: 'tb-app' }]],
    ['a rename and a property change', [{ op: 'update_element', key: 'db', name: 'Orders', properties: { encrypted: false, is_log: true } }]],
    ['a move with a resize', [{ op: 'move_element', key: 'tb-app', x: 10, y: 20, width: 500, height: 90 }]],
    ['a change of parent', [{ op: 'set_parent', key: 'web', parent: null, x: 320, y: 30 }]],
    ['flow edits', [{ op: 'update_flow', key: 'f1', label: 'TLS', bidirectional: true, properties: { encrypted: true } }, { op: 'delete_flow', key: 'f2' }]],
    ['a batch that builds on itself', [
      { op: 'add_element', key: 'tb2', kind: 'trust_boundary', name: 'B2' },
      { op: 'add_element', key: 'p2', kind: 'process', name: 'P2', parent: 'tb2' },
      { op: 'add_flow', key: 'f9', source: 'p2', target: 'db' },
    ]],
  ])('restores the state after %s', (_, ops) => {
    expect(plain(roundTrip(base, ops))).toEqual(plain(base))
  })
})

describe('History', () => {
  it('undoes and redoes in order, and a new edit clears redo', () => {
    const history = new History()
    history.record({ label: 'a', forward: [{ op: 'delete_flow', key: 'f1' }], inverse: [] })
    history.record({ label: 'b', forward: [{ op: 'delete_flow', key: 'f2' }], inverse: [] })
    expect(history.peekUndo()?.label).toBe('b')
    history.undoApplied()
    expect(history.peekUndo()?.label).toBe('a')
    expect(history.peekRedo()?.label).toBe('b')
    history.record({ label: 'c', forward: [{ op: 'delete_flow', key: 'f3' }], inverse: [] })
    expect(history.canRedo).toBe(false)
  })

  it('keeps at most its limit', () => {
    const history = new History(2)
    for (const label of ['a', 'b', 'c']) history.record({ label, forward: [{ op: 'delete_flow', key: label }], inverse: [] })
    history.undoApplied()
    history.undoApplied()
    expect(history.canUndo).toBe(false)
  })
})
