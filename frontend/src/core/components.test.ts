import { componentDropTarget, componentSelection } from './components'
import { draw, SMALL } from './test-helpers'

describe('reusable components', () => {
  const state = draw(SMALL) // tb-app at (300,0) 400×300; web (20,30) and db (200,30) inside

  it('saves a selected boundary with what it holds and only the flows among them', () => {
    const picked = componentSelection(state, new Set(['tb-app']))
    expect(new Set(picked.elements)).toEqual(new Set(['tb-app', 'web', 'db']))
    expect(picked.flows).toEqual(['f2'])
  })

  it('leaves out a flow whose other end is not selected', () => {
    expect(componentSelection(state, new Set(['web', 'f1', 'f2'])).flows).toEqual([])
  })

  it('drops onto the canvas at the pointer, centred', () => {
    expect(componentDropTarget(state, { x: 100, y: 500 }, { width: 200, height: 100 })).toEqual({ x: 0, y: 450, boundary: null })
  })

  it('drops into the boundary under the pointer, in its coordinates', () => {
    expect(componentDropTarget(state, { x: 500, y: 150 }, { width: 100, height: 60 })).toEqual({ x: 150, y: 120, boundary: 'tb-app' })
  })
})
