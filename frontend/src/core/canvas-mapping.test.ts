import { CanvasMapper, type Decorations } from './canvas-mapping'
import { diagramState } from './mapping'
import { applyOps } from './ops'
import { draw, SMALL } from './test-helpers'
import { documentThreats } from './test-threats'
import type { DocumentModel } from './types'

const none: Decorations = { selection: new Set(), openThreats: new Map(), highlighted: new Set(), errors: new Set() }

describe('document → canvas', () => {
  const doc: DocumentModel = {
    id: 1, team: 1, name: 'M', description: '', scope: '', assumptions: '', stage: 'design', version: 3, vocabulary_version: 1,
    threats: documentThreats([]), coverage_notes: [],
    diagrams: [
      {
        id: 10, name: 'L0', level: 'level_0', order: 0, version: 2,
        elements: [
          { key: 'tb', kind: 'trust_boundary', name: 'App', description: '', properties: { boundary_type: 'namespace' }, parent: null, x: 300, y: 0, width: 400, height: 300 },
          { key: 'web', kind: 'process', name: 'Web', description: '', properties: { privileged: false, weird: 3 }, parent: 'tb', x: 20, y: 30, width: null, height: null },
          { key: 'user', kind: 'external_entity', name: 'User', description: '', properties: { extra: { 'Authenticates Itself': 'Yes', bad: 3 } }, parent: null, x: 0, y: 0, width: null, height: null },
        ],
        flows: [{ key: 'f1', source: 'user', target: 'web', label: 'HTTPS', protocol: 'https', bidirectional: true, description: '', properties: {} }],
      },
      { id: 11, name: 'L1', level: 'level_1', order: 1, version: 1, elements: [{ key: 'other', kind: 'process', name: 'O', description: '', properties: {}, parent: null, x: 0, y: 0, width: null, height: null }], flows: [] },
    ],
  }

  it('maps one diagram, keeping the other diagrams’ keys as taken', () => {
    const state = diagramState(doc, 10)
    expect([...state.elements.keys()]).toEqual(['tb', 'web', 'user'])
    expect(state.elements.get('web')?.properties).toEqual({ privileged: false })
    expect(state.flows.get('f1')?.bidirectional).toBe(true)
    expect(state.keysElsewhere.has('other')).toBe(true)
  })

  it('keeps the facts of an imported file apart from the editable properties, text entries only', () => {
    const state = diagramState(doc, 10)
    expect(state.elements.get('user')?.extra).toEqual({ 'Authenticates Itself': 'Yes' })
    expect(state.elements.get('user')?.properties).toEqual({})
    expect(state.elements.get('web')?.extra).toBeUndefined()
  })

  it('gives React Flow child nodes relative to their boundary, parents first, with sizes', () => {
    const nodes = new CanvasMapper().nodes(diagramState(doc, 10), none)
    const web = nodes.find((n) => n.id === 'web')
    expect(web).toMatchObject({ parentId: 'tb', position: { x: 20, y: 30 }, type: 'process', width: 120, height: 120 })
    expect(nodes.findIndex((n) => n.id === 'tb')).toBeLessThan(nodes.findIndex((n) => n.id === 'web'))
  })

  it('hands back the same node objects for what did not change', () => {
    const mapper = new CanvasMapper()
    const state = draw(SMALL)
    const first = mapper.nodes(state, none)
    const moved = applyOps(state, [{ op: 'move_element', key: 'web', x: 50, y: 50 }]).state
    const second = mapper.nodes(moved, { ...none, selection: new Set(['db']), openThreats: new Map([['user', 2]]) })
    const same = second.filter((node, i) => node === first[i]).map((n) => n.id)
    expect(same).toEqual(['tb-app'])
    expect(second.find((n) => n.id === 'db')?.selected).toBe(true)
    expect(second.find((n) => n.id === 'user')?.data.openThreats).toBe(2)
    const edges = mapper.edges(moved, none)
    expect(mapper.edges(moved, none)).toEqual(edges)
    expect(mapper.edges(moved, none)[0]).toBe(edges[0])
  })

  it('puts the open questions on the nodes and flows they are about, and only those change', () => {
    const mapper = new CanvasMapper()
    const state = draw(SMALL)
    const before = mapper.nodes(state, none)
    const edgesBefore = mapper.edges(state, none)
    const asked = { ...none, openQuestions: new Map([['web', 2], ['f1', 1]]) }
    const after = mapper.nodes(state, asked)
    expect(after.find((n) => n.id === 'web')?.data.openQuestions).toBe(2)
    expect(after.filter((node, i) => node !== before[i]).map((n) => n.id)).toEqual(['web'])
    const edges = mapper.edges(state, asked)
    expect(edges.find((e) => e.id === 'f1')?.data.openQuestions).toBe(1)
    expect(edges.find((e) => e.id === 'f2')).toBe(edgesBefore.find((e) => e.id === 'f2'))
    // an answered question leaves the map: the badge goes
    expect(mapper.nodes(state, none).find((n) => n.id === 'web')?.data.openQuestions).toBe(0)
  })
})
