import { addFromStencil, copySelection, deleteOps, dropOps, pasteOps } from './actions'
import { applyOps } from './ops'
import { stencil } from './stencils'
import { draw, SMALL } from './test-helpers'

describe('gestures as operations', () => {
  const state = draw(SMALL) // tb-app at (300,0) 400×300; web (20,30) and db (200,30) inside

  it('adds a stencil inside the boundary under it, beside what is there, with the stencil’s preset properties', () => {
    const kubelet = stencil('kubelet')
    if (!kubelet) throw new Error('no kubelet stencil')
    const { key, ops } = addFromStencil(state, kubelet, { x: 400, y: 150 })
    expect(key).toMatch(/^p-[a-z0-9]{8}$/)
    expect(ops).toEqual([
      { op: 'add_element', key, kind: 'process', name: 'Kubelet', properties: { component: 'kubelet', exposes_k8s_api: true }, parent: 'tb-app', x: 160, y: 150 }, // web's box ends at 140: moved clear of it
    ])
    expect(applyOps(state, ops).errors).toEqual([])
  })

  it('deletes flows first and children before their boundary', () => {
    const ops = deleteOps(state, ['tb-app', 'web', 'f1'])
    expect(ops).toEqual([
      { op: 'delete_flow', key: 'f1' },
      { op: 'delete_element', key: 'web' },
      { op: 'delete_element', key: 'tb-app' },
    ])
    expect(applyOps(state, ops).errors).toEqual([])
  })

  it('turns a drop into a boundary into a change of parent, and a plain drag into a move', () => {
    // The user entity (0,40) dragged to (340,60) absolute: its centre is inside tb-app now.
    expect(dropOps(state, [{ key: 'user', x: 340, y: 60 }])).toEqual([{ op: 'set_parent', key: 'user', parent: 'tb-app', x: 40, y: 60 }])
    // Web dragged out to the left of the boundary.
    expect(dropOps(state, [{ key: 'web', x: -290, y: 30 }])).toEqual([{ op: 'set_parent', key: 'web', parent: null, x: 10, y: 30 }])
    expect(dropOps(state, [{ key: 'db', x: 210, y: 40 }])).toEqual([{ op: 'move_element', key: 'db', x: 210, y: 40 }])
  })

  it('keeps an element in its own boundary where boundaries overlap, unless it goes deeper', () => {
    const overlapping = draw([
      ...SMALL,
      { op: 'add_element', key: 'tb-other', kind: 'trust_boundary', name: 'Other', x: 0, y: 0, width: 420, height: 280 },
      { op: 'add_element', key: 'tb-deep', kind: 'trust_boundary', name: 'Deep', parent: 'tb-app', x: 150, y: 150, width: 200, height: 120 },
    ])
    // Web (in tb-app) nudged right: its centre is in tb-app and in the smaller tb-other.
    expect(dropOps(overlapping, [{ key: 'web', x: 40, y: 40 }])).toEqual([{ op: 'move_element', key: 'web', x: 40, y: 40 }])
    // Dropped onto the nested boundary: it goes in.
    expect(dropOps(overlapping, [{ key: 'web', x: 180, y: 160 }])).toEqual([{ op: 'set_parent', key: 'web', parent: 'tb-deep', x: 30, y: 10 }])
  })

  it('moves only the boundary when it is dragged with its contents', () => {
    expect(dropOps(state, [{ key: 'tb-app', x: 320, y: 10 }, { key: 'web', x: 20, y: 30 }])).toEqual([
      { op: 'move_element', key: 'tb-app', x: 320, y: 10 },
    ])
  })

  it('pastes a boundary with its contents and inner flows under fresh keys', () => {
    const clip = copySelection(state, new Set(['tb-app']))
    expect(clip.elements.map((e) => e.key)).toEqual(['tb-app', 'web', 'db'])
    expect(clip.flows.map((f) => f.key)).toEqual(['f2'])
    const { ops, keys } = pasteOps(state, clip)
    const result = applyOps(state, ops)
    expect(result.errors).toEqual([])
    expect(result.state.elements.size).toBe(7)
    expect(result.state.flows.size).toBe(3)
    const [boundary, web] = keys.map((key) => result.state.elements.get(key))
    expect(boundary).toMatchObject({ x: 330, y: 30, parent: null })
    expect(web).toMatchObject({ x: 20, y: 30, parent: keys[0] })
  })
})
