import { DEFAULT_SIZE } from './geometry'
import { containerOfBox, PLACEMENT_GAP, placeBox, shapeAt } from './placement'
import { draw } from './test-helpers'

// Cluster (100,100) 600×400 holds Namespace at absolute (150,160) 300×200, which holds Pod at (160,180).
const nested = draw([
  { op: 'add_element', key: 'outer', kind: 'trust_boundary', name: 'Cluster', x: 100, y: 100, width: 600, height: 400 },
  { op: 'add_element', key: 'inner', kind: 'trust_boundary', name: 'Namespace', parent: 'outer', x: 50, y: 60, width: 300, height: 200 },
  { op: 'add_element', key: 'pod', kind: 'process', name: 'Pod', parent: 'inner', x: 10, y: 20 },
  { op: 'add_element', key: 'user', kind: 'external_entity', name: 'User', x: 800, y: 100 },
])
const PROCESS = DEFAULT_SIZE.process

const box = (p: { x: number; y: number }, size = PROCESS) => ({ x: p.x, y: p.y, ...size })
const apart = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }) =>
  a.x >= b.x + b.width || b.x >= a.x + a.width || a.y >= b.y + b.height || b.y >= a.y + a.height

describe('the boundary that holds a box', () => {
  it('is the innermost one holding the whole box, not the one under its centre', () => {
    expect(containerOfBox(nested, { x: 300, y: 200, width: 100, height: 100 })).toBe('inner')
    // Centre inside the namespace, right edge past it: only the cluster holds all of it.
    expect(containerOfBox(nested, { x: 380, y: 200, width: 100, height: 100 })).toBe('outer')
    expect(containerOfBox(nested, { x: 650, y: 450, width: 100, height: 100 })).toBeNull()
  })

  it('never offers a boundary as its own container', () => {
    expect(containerOfBox(nested, { x: 300, y: 200, width: 10, height: 10 }, 'inner')).toBe('outer')
  })
})

describe('placing a new element', () => {
  it('keeps a drop on free room exactly where it was dropped', () => {
    expect(placeBox(nested, PROCESS, { x: 500, y: 300 })).toEqual({ x: 500, y: 300, parent: 'outer' })
    expect(placeBox(nested, PROCESS, { x: 900, y: 400 })).toEqual({ x: 900, y: 400, parent: null })
  })

  it('moves off an element it would cover, staying in the same boundary', () => {
    const spot = placeBox(nested, PROCESS, { x: 165, y: 185 })
    expect(spot.parent).toBe('inner')
    expect(apart(box(spot), { x: 160 - PLACEMENT_GAP, y: 180 - PLACEMENT_GAP, width: 120 + 2 * PLACEMENT_GAP, height: 120 + 2 * PLACEMENT_GAP })).toBe(true)
    // Near where it was wanted, not somewhere far off.
    expect(Math.hypot(spot.x - 165, spot.y - 185)).toBeLessThan(200)
  })

  it('goes wholly inside the boundary it was dropped into instead of straddling its frame', () => {
    // Dropped near the namespace's right edge (the pointer inside it): pulled in, parented by it.
    const spot = placeBox(nested, PROCESS, { x: 400, y: 200 }, { x: 440, y: 220 })
    expect(spot.parent).toBe('inner')
    expect(spot.x + PROCESS.width).toBeLessThanOrEqual(450)
  })

  it('does not land across a nested boundary it was not dropped into', () => {
    // Pointer in the cluster just right of the namespace; the wanted box would overlap it.
    const spot = placeBox(nested, PROCESS, { x: 430, y: 200 }, { x: 470, y: 260 })
    expect(spot.parent).toBe('outer')
    expect(apart(box(spot), { x: 150, y: 160, width: 300, height: 200 })).toBe(true)
  })

  it('keeps the wanted spot when there is no free room at all', () => {
    const tiny = draw([{ op: 'add_element', key: 'tb', kind: 'trust_boundary', name: 'T', x: 0, y: 0, width: 130, height: 130 }])
    expect(placeBox(tiny, PROCESS, { x: 5, y: 5 })).toEqual({ x: 5, y: 5, parent: 'tb' })
  })
})

describe('the shape under a dropped flow', () => {
  it('is the entity, process or store whose box holds the point, never a boundary or the start', () => {
    expect(shapeAt(nested, { x: 220, y: 240 })).toBe('pod')
    expect(shapeAt(nested, { x: 220, y: 240 }, 'pod')).toBeNull()
    expect(shapeAt(nested, { x: 600, y: 400 })).toBeNull()
    expect(shapeAt(nested, { x: 850, y: 120 })).toBe('user')
  })
})
