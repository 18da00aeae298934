import { CanvasMapper } from './canvas-mapping'
import { badgeRoom, flowLabelSpot, flowLine, labelWidth, LABEL_HEIGHT, MIDDLE, placeLabel, ShapeIndex, spotPoint } from './label-placement'
import { draw } from './test-helpers'

// Customer → Web runs straight through Orders, which sits at its middle.
const crossing = draw([
  { op: 'add_element', key: 'customer', kind: 'external_entity', name: 'Customer', x: 600, y: 200 },
  { op: 'add_element', key: 'orders', kind: 'process', name: 'Orders', x: 340, y: 172 },
  { op: 'add_element', key: 'web', kind: 'process', name: 'Web', x: 0, y: 172 },
  { op: 'add_flow', key: 'f', source: 'customer', target: 'web', label: 'Browse and buy' },
])

const clear = (state: typeof crossing, key: string, threats = 0, questions = 0) => {
  const flow = state.flows.get(key)
  if (!flow) throw new Error('no flow')
  const shapes = ShapeIndex.of(state)
  const spot = flowLabelSpot(state, flow, shapes, threats, questions)
  const line = flowLine(state, flow)
  if (!line) throw new Error('no line')
  const p = spotPoint(line.a, line.b, spot)
  const width = labelWidth(flow.label)
  return { spot, free: !shapes.hits({ x: p.x - width / 2, y: p.y - LABEL_HEIGHT / 2, width: width + badgeRoom(threats, questions), height: LABEL_HEIGHT }) }
}

describe('flow label placement', () => {
  it('keeps the middle when nothing covers it', () => {
    const open = draw([
      { op: 'add_element', key: 'a', kind: 'external_entity', name: 'A', x: 0, y: 0 },
      { op: 'add_element', key: 'b', kind: 'external_entity', name: 'B', x: 600, y: 0 },
      { op: 'add_flow', key: 'f', source: 'a', target: 'b', label: 'HTTPS' },
    ])
    expect(clear(open, 'f').spot).toEqual(MIDDLE)
  })

  it('slides a label off a shape that sits on the middle of its line', () => {
    const { spot, free } = clear(crossing, 'f')
    expect(spot).not.toEqual(MIDDLE)
    expect(free).toBe(true)
  })

  it('keeps the badges clear too', () => {
    expect(clear(crossing, 'f', 3, 2).free).toBe(true)
  })

  it('steps beside a line too short to hold its label', () => {
    const short = draw([
      { op: 'add_element', key: 'a', kind: 'external_entity', name: 'A', x: 0, y: 0 },
      { op: 'add_element', key: 'b', kind: 'external_entity', name: 'B', x: 200, y: 0 },
      { op: 'add_flow', key: 'f', source: 'a', target: 'b', label: 'A rather long label' },
    ])
    const { spot, free } = clear(short, 'f')
    expect(spot.offset).not.toBe(0)
    expect(free).toBe(true)
  })

  it('stays in the middle when there is no free spot at all', () => {
    const walls = new ShapeIndex([{ x: -1000, y: -1000, width: 3000, height: 3000 }])
    expect(placeLabel({ x: 0, y: 0 }, { x: 400, y: 0 }, 80, 0, walls)).toEqual(MIDDLE)
  })

  it('is part of the edge record, placed again only when shapes move', () => {
    const mapper = new CanvasMapper()
    const deco = { selection: new Set<string>(), openThreats: new Map(), highlighted: new Set<string>(), errors: new Set<string>() }
    const [edge] = mapper.edges(crossing, deco)
    expect(edge?.data.label).not.toEqual(MIDDLE)
    // A new selection elsewhere: the same edge object.
    expect(mapper.edges(crossing, { ...deco, selection: new Set(['web']) })[0]).toBe(edge)
    // Orders moves away: the label goes back to the middle.
    const moved = draw([{ op: 'move_element', key: 'orders', x: 340, y: 600 }], crossing)
    expect(mapper.edges(moved, deco)[0]?.data.label).toEqual(MIDDLE)
  })
})
