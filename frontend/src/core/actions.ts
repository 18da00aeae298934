/**
 * What a user gesture means in operations: add from the palette, delete a selection, drop moved
 * nodes (into another boundary, maybe), copy and paste. Pure functions of the state, so each
 * gesture is one edit — one undo step, one batch to the server.
 */
import { absolutePosition, absoluteRect, containerAt, DEFAULT_SIZE, sizeOf } from './geometry'
import { addElement, addFlow } from './invert'
import { placeBox } from './placement'
import { newKey } from './keys'
import { isDescendant, type Op } from './ops'
import type { Stencil } from './stencils'
import type { DiagramState, Element, Flow } from './types'

const taken = (state: DiagramState) => (key: string) => state.elements.has(key) || state.flows.has(key) || state.keysElsewhere.has(key)

/**
 * A new element from a stencil, wanted with its top-left corner at `at` (absolute): it goes into
 * the boundary under `anchor` (the drop point; its centre when not given), in the nearest free
 * room there (`core/placement.ts`), and its parent is the boundary that holds its whole box.
 */
export function addFromStencil(
  state: DiagramState,
  stencil: Stencil,
  at: { x: number; y: number },
  options: { boundarySize?: { width: number; height: number } | undefined; anchor?: { x: number; y: number } | { into: string | null } } = {},
): { key: string; ops: Op[] } {
  const key = newKey(stencil.kind, taken(state))
  const size = stencil.kind === 'trust_boundary' && options.boundarySize ? options.boundarySize : DEFAULT_SIZE[stencil.kind]
  const spot = placeBox(state, size, at, options.anchor)
  const origin = spot.parent ? absolutePosition(state, spot.parent) : { x: 0, y: 0 }
  const op: Op = {
    op: 'add_element',
    key,
    kind: stencil.kind,
    name: stencil.name,
    properties: { ...stencil.properties },
    parent: spot.parent,
    x: Math.round(spot.x - origin.x),
    y: Math.round(spot.y - origin.y),
  }
  if (stencil.kind === 'trust_boundary') {
    op.width = size.width
    op.height = size.height
  }
  return { key, ops: [op] }
}

/** Deleting flows first, then elements children-first, so every op finds its target. */
export function deleteOps(state: DiagramState, keys: Iterable<string>): Op[] {
  const wanted = new Set(keys)
  const ops: Op[] = []
  for (const key of wanted) if (state.flows.has(key)) ops.push({ op: 'delete_flow', key })
  const elements = [...wanted].filter((key) => state.elements.has(key))
  const depth = (key: string) => {
    let d = 0
    let current = state.elements.get(key)
    while (current?.parent) {
      d += 1
      current = state.elements.get(current.parent)
    }
    return d
  }
  elements.sort((a, b) => depth(b) - depth(a))
  for (const key of elements) ops.push({ op: 'delete_element', key })
  return ops
}

export interface NodeMove {
  key: string
  /** New position relative to the element's current parent. */
  x: number
  y: number
}

/**
 * Ops for nodes that were dragged: a move, or — when an element's centre now lies in another
 * boundary — a change of parent with coordinates relative to the new one. Children of a dragged
 * boundary move with it and need no op.
 */
export function dropOps(state: DiagramState, moves: readonly NodeMove[]): Op[] {
  const moving = new Set(moves.map((m) => m.key))
  const ops: Op[] = []
  for (const move of moves) {
    const element = state.elements.get(move.key)
    if (!element) continue
    if (element.parent && hasMovingAncestor(state, element, moving)) continue
    const parentOrigin = element.parent ? absolutePosition(state, element.parent) : { x: 0, y: 0 }
    const abs = { x: parentOrigin.x + move.x, y: parentOrigin.y + move.y }
    const size = sizeOf(element)
    const centre = { x: abs.x + size.width / 2, y: abs.y + size.height / 2 }
    let container = containerAt(state, centre, element.key)
    // Overlapping boundaries: an element still inside its own boundary stays there, unless it
    // went deeper, into a boundary nested in that one.
    if (element.parent && container !== element.parent && !(container && isDescendant(state.elements, container, element.parent))) {
      const own = absoluteRect(state, element.parent)
      if (centre.x >= own.x && centre.y >= own.y && centre.x <= own.x + own.width && centre.y <= own.y + own.height) container = element.parent
    }
    const x = Math.round(move.x)
    const y = Math.round(move.y)
    if (container !== element.parent) {
      const origin = container ? absolutePosition(state, container) : { x: 0, y: 0 }
      ops.push({ op: 'set_parent', key: element.key, parent: container, x: Math.round(abs.x - origin.x), y: Math.round(abs.y - origin.y) })
    } else if (x !== element.x || y !== element.y) {
      ops.push({ op: 'move_element', key: element.key, x, y })
    }
  }
  return ops
}

function hasMovingAncestor(state: DiagramState, element: Element, moving: ReadonlySet<string>): boolean {
  let current = element.parent ? state.elements.get(element.parent) : undefined
  while (current) {
    if (moving.has(current.key)) return true
    current = current.parent ? state.elements.get(current.parent) : undefined
  }
  return false
}

export interface Clipboard {
  elements: Element[]
  flows: Flow[]
}

/** The selected elements, what selected boundaries contain, and the flows among them. */
export function copySelection(state: DiagramState, keys: ReadonlySet<string>): Clipboard {
  const picked = new Set<string>()
  const visit = (key: string) => {
    if (picked.has(key)) return
    picked.add(key)
    for (const child of state.elements.values()) if (child.parent === key) visit(child.key)
  }
  for (const key of keys) if (state.elements.has(key)) visit(key)
  const elements = [...state.elements.values()].filter((element) => picked.has(element.key))
  const flows = [...state.flows.values()].filter((flow) => picked.has(flow.source) && picked.has(flow.target))
  return { elements, flows }
}

/** Ops that paste a copy with fresh keys, offset so it does not hide the original. */
export function pasteOps(state: DiagramState, clipboard: Clipboard, offset = 30): { ops: Op[]; keys: string[] } {
  const isTaken = taken(state)
  const fresh = new Set<string>()
  const rename = new Map<string, string>()
  for (const item of [...clipboard.elements, ...clipboard.flows]) {
    const kind = 'kind' in item ? item.kind : 'flow'
    const key = newKey(kind, (candidate) => isTaken(candidate) || fresh.has(candidate))
    fresh.add(key)
    rename.set(item.key, key)
  }
  const ops: Op[] = []
  // Parents before children, as the server needs.
  const copied = new Set(clipboard.elements.map((e) => e.key))
  const ordered: Element[] = []
  const placed = new Set<string>()
  const place = (element: Element) => {
    if (placed.has(element.key)) return
    if (element.parent && copied.has(element.parent)) {
      const parent = clipboard.elements.find((e) => e.key === element.parent)
      if (parent) place(parent)
    }
    placed.add(element.key)
    ordered.push(element)
  }
  clipboard.elements.forEach(place)
  for (const element of ordered) {
    const insideCopy = element.parent !== null && copied.has(element.parent)
    const parentStillThere = element.parent !== null && state.elements.get(element.parent)?.kind === 'trust_boundary'
    const parent = insideCopy ? (rename.get(element.parent ?? '') ?? null) : parentStillThere ? element.parent : null
    let { x, y } = element
    if (!insideCopy) {
      if (element.parent && !parentStillThere) {
        // Its boundary is gone: paste at the same place on the canvas.
        const abs = absolutePosition({ ...state, elements: new Map(clipboard.elements.map((e) => [e.key, e])) }, element.key)
        x = abs.x
        y = abs.y
      }
      x += offset
      y += offset
    }
    ops.push({ ...addElement({ ...element, x, y }), key: rename.get(element.key) ?? element.key, parent } as Op)
  }
  for (const flow of clipboard.flows) {
    ops.push({
      ...addFlow(flow),
      key: rename.get(flow.key) ?? flow.key,
      source: rename.get(flow.source) ?? flow.source,
      target: rename.get(flow.target) ?? flow.target,
    } as Op)
  }
  return { ops, keys: [...rename.values()] }
}

/** A short human description of a set of keys, for undo labels and notices. */
export function describeKeys(state: DiagramState, keys: Iterable<string>): string {
  const list = [...keys]
  if (list.length === 1) {
    const key = list[0] ?? ''
    const element = state.elements.get(key)
    if (element) return `“${element.name}”`
    const flow = state.flows.get(key)
    if (flow) return `flow “${flow.label || flow.protocol || `${nameOf(state, flow.source)} → ${nameOf(state, flow.target)}`}”`
  }
  return `${list.length} items`
}

export function nameOf(state: DiagramState, key: string): string {
  return state.elements.get(key)?.name ?? key
}
