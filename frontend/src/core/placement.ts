/**
 * Where things go on the canvas: a new element, the shape a flow was dropped on.
 *
 * A new element belongs to the boundary it was dropped into, and it must sit wholly inside it and
 * on top of nothing else — an element half across a boundary's frame reads as being in both, and
 * one dropped on another hides it. So placement takes the boundary under the pointer as the
 * target, searches outwards from the wanted spot for the nearest free box inside it, and only then
 * names the parent: the innermost boundary that holds the whole box, not just its centre.
 * Coordinates here are absolute (canvas) ones; the op gets them relative to the parent.
 */
import { absoluteRect, containerAt, innermostBoundary } from './geometry'
import type { Rect } from './geometry'
import { isDescendant } from './ops'
import type { DiagramState } from './types'

/** Room kept between a placed box and its neighbours or its boundary's frame. */
export const PLACEMENT_GAP = 16
/** The boundary title sits above the frame; inside, the first row starts below this much. */
const BOUNDARY_INSET_TOP = 28
const STEP = 20
const MAX_RINGS = 40

const contains = (outer: Rect, inner: Rect): boolean =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height

const overlaps = (a: Rect, b: Rect, gap = 0): boolean =>
  a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap

/** The innermost boundary that holds the whole box (null: the canvas), ignoring `moving` and what it contains. */
export function containerOfBox(state: DiagramState, box: Rect, moving?: string): string | null {
  return innermostBoundary(state, (rect) => contains(rect, box), moving)
}

export interface Placement {
  /** Absolute top-left corner. */
  x: number
  y: number
  parent: string | null
}

/**
 * A free spot for a box of `size`, as near as can be to having its top-left corner at `wanted`,
 * inside the boundary under `anchor` (the drop point; the box's centre when not given), or the
 * boundary named by `{ into }` (null: the canvas itself).
 * Obstacles are every other element's box, and every boundary that is not the target or one of
 * its ancestors (the box must not straddle a frame). When the target has no free room, the
 * wanted spot is kept (clamped into the target when the box fits in it at all).
 */
export function placeBox(
  state: DiagramState,
  size: { width: number; height: number },
  wanted: { x: number; y: number },
  anchor?: { x: number; y: number } | { into: string | null },
): Placement {
  const target =
    anchor && 'into' in anchor ? (anchor.into !== null && state.elements.get(anchor.into)?.kind === 'trust_boundary' ? anchor.into : null) : containerAt(state, anchor ?? { x: wanted.x + size.width / 2, y: wanted.y + size.height / 2 })
  const frame = target ? absoluteRect(state, target) : null
  const area: Rect | null = frame
    ? { x: frame.x + PLACEMENT_GAP, y: frame.y + BOUNDARY_INSET_TOP, width: frame.width - 2 * PLACEMENT_GAP, height: frame.height - BOUNDARY_INSET_TOP - PLACEMENT_GAP }
    : null
  const obstacles: Rect[] = []
  for (const element of state.elements.values()) {
    if (element.key === target) continue
    if (element.kind === 'trust_boundary' && target !== null && isDescendant(state.elements, target, element.key)) continue
    obstacles.push(absoluteRect(state, element.key))
  }
  const free = (box: Rect) => (area === null || contains(area, box)) && obstacles.every((rect) => !overlaps(rect, box, PLACEMENT_GAP))
  const start = area && size.width <= area.width && size.height <= area.height ? clampInto(area, size, wanted) : { x: wanted.x, y: wanted.y }
  for (const offset of rings()) {
    const box = { x: start.x + offset.x, y: start.y + offset.y, ...size }
    if (free(box)) return finish(state, box)
  }
  return finish(state, { ...start, ...size })
}

function finish(state: DiagramState, box: Rect): Placement {
  const x = Math.round(box.x)
  const y = Math.round(box.y)
  return { x, y, parent: containerOfBox(state, { x, y, width: box.width, height: box.height }) }
}

function clampInto(area: Rect, size: { width: number; height: number }, at: { x: number; y: number }): { x: number; y: number } {
  return {
    x: Math.min(Math.max(at.x, area.x), area.x + area.width - size.width),
    y: Math.min(Math.max(at.y, area.y), area.y + area.height - size.height),
  }
}

/** Offsets in square rings around the origin, nearest ring first and, in a ring, nearest first. */
function* rings(): Generator<{ x: number; y: number }> {
  yield { x: 0, y: 0 }
  for (let ring = 1; ring <= MAX_RINGS; ring += 1) {
    const cells: { x: number; y: number }[] = []
    for (let i = -ring; i <= ring; i += 1) {
      cells.push({ x: i * STEP, y: -ring * STEP }, { x: i * STEP, y: ring * STEP })
      if (i !== -ring && i !== ring) cells.push({ x: -ring * STEP, y: i * STEP }, { x: ring * STEP, y: i * STEP })
    }
    cells.sort((a, b) => Math.hypot(a.x, a.y) - Math.hypot(b.x, b.y))
    yield* cells
  }
}

/**
 * The shape under a point, for a flow dropped on a shape rather than on a handle: the topmost
 * entity, process or store whose box holds the point (boundaries are not flow ends), other than
 * `except` (where the flow started). Later elements are drawn on top, so the last hit wins.
 */
export function shapeAt(state: DiagramState, point: { x: number; y: number }, except?: string): string | null {
  let hit: string | null = null
  for (const element of state.elements.values()) {
    if (element.kind === 'trust_boundary' || element.key === except) continue
    const rect = absoluteRect(state, element.key)
    if (point.x >= rect.x && point.y >= rect.y && point.x <= rect.x + rect.width && point.y <= rect.y + rect.height) hit = element.key
  }
  return hit
}
