/**
 * Editor state → React Flow nodes and edges.
 *
 * React Flow re-renders a node when its node object changes identity, so this mapper hands back
 * the very same object for every element whose record, selection and decorations are unchanged.
 * A drag or a property edit on one element of a 1,000-element diagram then touches one node.
 *
 * The records are plain objects with the fields React Flow reads; the core does not import React
 * Flow. `editor/flow-types.ts` names them as React Flow's node and edge types and checks that
 * they fit.
 */
import { parentsFirst, sizeOf } from './geometry'
import { flowLabelSpot, ShapeIndex, type LabelSpot } from './label-placement'
import type { DiagramState, Element, ElementKind, Flow } from './types'

export interface ElementNodeData extends Record<string, unknown> {
  element: Element
  openThreats: number
  /** Open questions of its unconfirmed findings (0: none). */
  openQuestions: number
  highlighted: boolean
  hasError: boolean
}

/** One element as a React Flow node (the fields the mapper sets). */
export interface CanvasNode {
  id: string
  type: ElementKind
  position: { x: number; y: number }
  parentId?: string
  width: number
  height: number
  selected: boolean
  data: ElementNodeData
  ariaLabel: string
  className?: string
  /** Boundaries below everything else, so the shapes and flows inside them stay on top (React Flow stacks nested ones up from here). */
  zIndex?: number
}

export interface FlowEdgeData extends Record<string, unknown> {
  flow: Flow
  openThreats: number
  openQuestions: number
  highlighted: boolean
  /** Where its label sits along and across its line, clear of the shapes (`core/label-placement.ts`). */
  label: LabelSpot
}

/** One flow as a React Flow edge. */
export interface CanvasEdge {
  id: string
  type: 'flow'
  source: string
  target: string
  selected: boolean
  data: FlowEdgeData
  ariaLabel: string
}

export interface Decorations {
  selection: ReadonlySet<string>
  openThreats: ReadonlyMap<string, number>
  /** Open questions per element or flow key (`core/questions.ts`); absent: none shown. */
  openQuestions?: ReadonlyMap<string, number>
  highlighted: ReadonlySet<string>
  errors: ReadonlySet<string>
}

interface NodeEntry {
  element: Element
  selected: boolean
  threats: number
  questions: number
  highlighted: boolean
  hasError: boolean
  node: CanvasNode
}

interface EdgeEntry {
  flow: Flow
  selected: boolean
  threats: number
  questions: number
  highlighted: boolean
  label: LabelSpot
  edge: CanvasEdge
}

export class CanvasMapper {
  private nodeCache = new Map<string, NodeEntry>()
  private edgeCache = new Map<string, EdgeEntry>()
  private orderFor: ReadonlyMap<string, Element> | null = null
  private order: Element[] = []
  // Label spots depend on where the shapes are: placed again when an element moves, not when
  // the selection or a decoration changes.
  private shapesFor: ReadonlyMap<string, Element> | null = null
  private shapes: ShapeIndex = new ShapeIndex([])

  nodes(state: DiagramState, deco: Decorations): CanvasNode[] {
    if (this.orderFor !== state.elements) {
      this.order = parentsFirst(state)
      this.orderFor = state.elements
    }
    const next = new Map<string, NodeEntry>()
    const out: CanvasNode[] = []
    for (const element of this.order) {
      const selected = deco.selection.has(element.key)
      const threats = deco.openThreats.get(element.key) ?? 0
      const questions = deco.openQuestions?.get(element.key) ?? 0
      const highlighted = deco.highlighted.has(element.key)
      const hasError = deco.errors.has(element.key)
      const cached = this.nodeCache.get(element.key)
      let entry: NodeEntry
      if (
        cached &&
        cached.element === element &&
        cached.selected === selected &&
        cached.threats === threats &&
        cached.questions === questions &&
        cached.highlighted === highlighted &&
        cached.hasError === hasError
      ) {
        entry = cached
      } else {
        entry = { element, selected, threats, questions, highlighted, hasError, node: toNode(element, selected, threats, questions, highlighted, hasError) }
      }
      next.set(element.key, entry)
      out.push(entry.node)
    }
    this.nodeCache = next
    return out
  }

  edges(state: DiagramState, deco: Decorations): CanvasEdge[] {
    const moved = this.shapesFor !== state.elements
    if (moved) {
      this.shapes = ShapeIndex.of(state)
      this.shapesFor = state.elements
    }
    const next = new Map<string, EdgeEntry>()
    const out: CanvasEdge[] = []
    for (const flow of state.flows.values()) {
      const selected = deco.selection.has(flow.key)
      const threats = deco.openThreats.get(flow.key) ?? 0
      const questions = deco.openQuestions?.get(flow.key) ?? 0
      const highlighted = deco.highlighted.has(flow.key)
      const cached = this.edgeCache.get(flow.key)
      const same = cached !== undefined && cached.flow === flow && cached.threats === threats && cached.questions === questions
      const placed = !moved && same ? cached.label : flowLabelSpot(state, flow, this.shapes, threats, questions)
      const label = cached && placed.t === cached.label.t && placed.offset === cached.label.offset ? cached.label : placed
      let entry: EdgeEntry
      if (same && cached.selected === selected && cached.highlighted === highlighted && cached.label === label) {
        entry = cached
      } else {
        entry = { flow, selected, threats, questions, highlighted, label, edge: toEdge(flow, selected, threats, questions, highlighted, label) }
      }
      next.set(flow.key, entry)
      out.push(entry.edge)
    }
    this.edgeCache = next
    return out
  }
}

/** Under the flows (z 0) and shapes; nesting adds one per level, far from reaching 0. */
const BOUNDARY_Z = -1000

function toNode(element: Element, selected: boolean, openThreats: number, openQuestions: number, highlighted: boolean, hasError: boolean): CanvasNode {
  const { width, height } = sizeOf(element)
  const boundary = element.kind === 'trust_boundary'
  return {
    id: element.key,
    type: element.kind,
    position: { x: element.x, y: element.y },
    ...(element.parent ? { parentId: element.parent } : {}),
    width,
    height,
    selected,
    data: { element, openThreats, openQuestions, highlighted, hasError },
    ariaLabel: `${element.name} (${element.kind.replace('_', ' ')})`,
    // A boundary is grabbed anywhere on it, body included (Alt-drag still draws a selection box
    // over it). It is stacked under the shapes and flows, so those inside it stay on top and
    // clickable; React Flow puts each nested boundary one above its parent.
    ...(boundary ? { className: 'dfd-boundary-node', zIndex: BOUNDARY_Z } : {}),
  }
}

function toEdge(flow: Flow, selected: boolean, openThreats: number, openQuestions: number, highlighted: boolean, label: LabelSpot): CanvasEdge {
  return {
    id: flow.key,
    type: 'flow',
    source: flow.source,
    target: flow.target,
    selected,
    data: { flow, openThreats, openQuestions, highlighted, label },
    ariaLabel: `Flow ${flow.label || flow.protocol || ''} from ${flow.source} to ${flow.target}`,
  }
}
