/**
 * Geometry of the diagram. The server stores positions relative to the parent boundary (as React
 * Flow does for child nodes), so moving a boundary moves what it contains without touching it.
 * These helpers convert to absolute coordinates where the editor needs them: dropping an element
 * into a boundary, and exporting the picture.
 */
import { isDescendant } from './ops'
import type { DiagramState, Element, ElementKind } from './types'

export const DEFAULT_SIZE: Record<ElementKind, { width: number; height: number }> = {
  external_entity: { width: 160, height: 64 },
  process: { width: 120, height: 120 },
  data_store: { width: 168, height: 60 },
  trust_boundary: { width: 420, height: 280 },
}

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export function sizeOf(element: Element): { width: number; height: number } {
  const fallback = DEFAULT_SIZE[element.kind]
  return { width: element.width ?? fallback.width, height: element.height ?? fallback.height }
}

/** Absolute position: the sum of the offsets of the element and its enclosing boundaries. */
export function absolutePosition(state: DiagramState, key: string): { x: number; y: number } {
  let x = 0
  let y = 0
  const seen = new Set<string>()
  let current = state.elements.get(key)
  while (current && !seen.has(current.key)) {
    seen.add(current.key)
    x += current.x
    y += current.y
    current = current.parent ? state.elements.get(current.parent) : undefined
  }
  return { x, y }
}

export function absoluteRect(state: DiagramState, key: string): Rect {
  const element = state.elements.get(key)
  if (!element) return { x: 0, y: 0, width: 0, height: 0 }
  return { ...absolutePosition(state, key), ...sizeOf(element) }
}

export function depthOf(state: DiagramState, key: string): number {
  let depth = 0
  const seen = new Set<string>()
  let current = state.elements.get(key)
  while (current?.parent && !seen.has(current.key)) {
    seen.add(current.key)
    depth += 1
    current = state.elements.get(current.parent)
  }
  return depth
}

/**
 * The innermost boundary (deepest, then smallest) whose rectangle passes `holds`, ignoring `moving`
 * and what it contains (a boundary cannot be dropped into itself). Null means the canvas itself.
 */
export function innermostBoundary(state: DiagramState, holds: (rect: Rect) => boolean, moving?: string): string | null {
  let best: string | null = null
  let bestDepth = -1
  let bestArea = Infinity
  for (const element of state.elements.values()) {
    if (element.kind !== 'trust_boundary') continue
    if (moving !== undefined && isDescendant(state.elements, element.key, moving)) continue
    const rect = absoluteRect(state, element.key)
    if (!holds(rect)) continue
    const depth = depthOf(state, element.key)
    const area = rect.width * rect.height
    if (depth > bestDepth || (depth === bestDepth && area < bestArea)) {
      best = element.key
      bestDepth = depth
      bestArea = area
    }
  }
  return best
}

/** The innermost boundary whose area holds the point (see `innermostBoundary`). */
export function containerAt(state: DiagramState, point: { x: number; y: number }, moving?: string): string | null {
  return innermostBoundary(
    state,
    (rect) => point.x >= rect.x && point.y >= rect.y && point.x <= rect.x + rect.width && point.y <= rect.y + rect.height,
    moving,
  )
}

/** Elements ordered parents first: React Flow needs a parent before its children. */
export function parentsFirst(state: DiagramState): Element[] {
  const depth = new Map<string, number>()
  for (const key of state.elements.keys()) depth.set(key, depthOf(state, key))
  return [...state.elements.values()].sort((a, b) => (depth.get(a.key) ?? 0) - (depth.get(b.key) ?? 0))
}

/** The bounding box of the whole diagram, for export. */
export function bounds(state: DiagramState): Rect {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (const key of state.elements.keys()) {
    const rect = absoluteRect(state, key)
    minX = Math.min(minX, rect.x)
    minY = Math.min(minY, rect.y)
    maxX = Math.max(maxX, rect.x + rect.width)
    maxY = Math.max(maxY, rect.y + rect.height)
  }
  if (!Number.isFinite(minX)) return { x: 0, y: 0, width: 0, height: 0 }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY }
}
