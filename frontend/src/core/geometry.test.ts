import { absolutePosition, containerAt, parentsFirst } from './geometry'
import { draw } from './test-helpers'

const nested = draw([
  { op: 'add_element', key: 'outer', kind: 'trust_boundary', name: 'Cluster', x: 100, y: 100, width: 600, height: 400 },
  { op: 'add_element', key: 'inner', kind: 'trust_boundary', name: 'Namespace', parent: 'outer', x: 50, y: 60, width: 300, height: 200 },
  { op: 'add_element', key: 'pod', kind: 'process', name: 'Pod', parent: 'inner', x: 10, y: 20 },
])

describe('geometry', () => {
  it('adds up parent offsets for absolute positions', () => {
    expect(absolutePosition(nested, 'pod')).toEqual({ x: 160, y: 180 })
  })

  it('finds the innermost boundary under a point', () => {
    expect(containerAt(nested, { x: 200, y: 200 })).toBe('inner')
    expect(containerAt(nested, { x: 650, y: 450 })).toBe('outer')
    expect(containerAt(nested, { x: 10, y: 10 })).toBeNull()
  })

  it('never offers a boundary as its own container', () => {
    expect(containerAt(nested, { x: 200, y: 200 }, 'outer')).toBeNull()
    expect(containerAt(nested, { x: 200, y: 200 }, 'inner')).toBe('outer')
  })

  it('orders parents before children', () => {
    const reversed = draw([
      { op: 'add_element', key: 'a', kind: 'trust_boundary', name: 'A' },
      { op: 'add_element', key: 'b', kind: 'trust_boundary', name: 'B' },
      { op: 'add_element', key: 'p', kind: 'process', name: 'P', parent: 'b' },
      { op: 'set_parent', key: 'b', parent: 'a' },
    ])
    expect(parentsFirst(reversed).map((e) => e.key)).toEqual(['a', 'b', 'p'])
  })
})
