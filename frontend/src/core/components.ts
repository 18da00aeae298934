/**
 * Reusable components, the pure part: what a selection saves (the selected elements, what selected
 * boundaries contain, the flows among them — the same reach as copy) and where a drop lands (the
 * component's corner, inside the innermost boundary under the pointer, in that boundary's
 * coordinates). The server builds the batch with fresh keys; this only names what and where.
 */
import { copySelection } from './actions'
import { absolutePosition, containerAt } from './geometry'
import type { DiagramState } from './types'

export interface ComponentSelection {
  elements: string[]
  flows: string[]
}

export function componentSelection(state: DiagramState, keys: ReadonlySet<string>): ComponentSelection {
  const picked = copySelection(state, keys)
  return { elements: picked.elements.map((element) => element.key), flows: picked.flows.map((flow) => flow.key) }
}

export interface DropTarget {
  x: number
  y: number
  /** The trust boundary the component goes into; x and y are then relative to it. */
  boundary: string | null
}

/** The component's corner for a drop at `point` (absolute), centred on it like a stencil. */
export function componentDropTarget(state: DiagramState, point: { x: number; y: number }, size: { width: number; height: number }): DropTarget {
  const corner = { x: Math.round(point.x - size.width / 2), y: Math.round(point.y - size.height / 2) }
  const boundary = containerAt(state, point)
  if (boundary === null) return { ...corner, boundary }
  const origin = absolutePosition(state, boundary)
  return { x: corner.x - origin.x, y: corner.y - origin.y, boundary }
}
