/**
 * Where a flow's label and badges go: on the flow, where no shape covers them.
 *
 * A flow's midpoint often lies under a third shape (a line from the customer to the web process
 * passes behind the orders process), and on a projector a label under a node is a label nobody
 * reads. So the label slides along its line, then steps off it to either side, until its box —
 * badges included — clears every entity, process and store; only when nothing is free does it
 * stay at the middle. The answer is relative to the line (a fraction along it and a distance
 * across it), so while a node is dragged the label follows its flow without being placed again.
 *
 * The shapes are bucketed in a grid, so placing every label of a 2,000-flow diagram looks at a
 * few neighbours per candidate rather than at every shape.
 */
import { absoluteRect } from './geometry'
import type { Rect } from './geometry'
import type { DiagramState, Flow } from './types'

export const LABEL_HEIGHT = 22
const CHAR_WIDTH = 7.4
const BADGE_THREAT = 20
const BADGE_QUESTION = 24
const CELL = 160
const GAP = 4

/** The text a flow shows on the canvas: its label, else its protocol; ⇄ when it goes both ways. */
export function flowLabelText(flow: Flow): string {
  return `${flow.bidirectional ? '⇄ ' : ''}${flow.label || flow.protocol}`.trim()
}

/** The label's width at the canvas's 13 px bold (an estimate: the core measures no text). */
export function labelWidth(text: string): number {
  return text ? text.length * CHAR_WIDTH + 14 : 0
}

/** Extra room to the right of the label for its threat and question badges. */
export function badgeRoom(openThreats: number, openQuestions: number): number {
  return (openThreats > 0 ? BADGE_THREAT : 0) + (openQuestions > 0 ? BADGE_QUESTION : 0)
}

/** A fraction along the line from `a` to `b`, and a distance across it (positive: to the line's left in screen terms, along (-dy, dx)). */
export interface LabelSpot {
  t: number
  offset: number
}

export const MIDDLE: LabelSpot = { t: 0.5, offset: 0 }

/** The point a spot means on a given line. */
export function spotPoint(a: { x: number; y: number }, b: { x: number; y: number }, spot: LabelSpot): { x: number; y: number } {
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1
  return {
    x: a.x + (b.x - a.x) * spot.t + (spot.offset * -(b.y - a.y)) / length,
    y: a.y + (b.y - a.y) * spot.t + (spot.offset * (b.x - a.x)) / length,
  }
}

/** Shapes bucketed by grid cell. */
export class ShapeIndex {
  private cells = new Map<string, Rect[]>()

  constructor(rects: Iterable<Rect>) {
    for (const rect of rects) {
      for (let cx = Math.floor(rect.x / CELL); cx <= Math.floor((rect.x + rect.width) / CELL); cx += 1) {
        for (let cy = Math.floor(rect.y / CELL); cy <= Math.floor((rect.y + rect.height) / CELL); cy += 1) {
          const key = `${cx},${cy}`
          const list = this.cells.get(key)
          if (list) list.push(rect)
          else this.cells.set(key, [rect])
        }
      }
    }
  }

  static of(state: DiagramState): ShapeIndex {
    const rects: Rect[] = []
    for (const element of state.elements.values()) if (element.kind !== 'trust_boundary') rects.push(absoluteRect(state, element.key))
    return new ShapeIndex(rects)
  }

  hits(box: Rect): boolean {
    for (let cx = Math.floor(box.x / CELL); cx <= Math.floor((box.x + box.width) / CELL); cx += 1) {
      for (let cy = Math.floor(box.y / CELL); cy <= Math.floor((box.y + box.height) / CELL); cy += 1) {
        for (const rect of this.cells.get(`${cx},${cy}`) ?? []) {
          if (box.x < rect.x + rect.width + GAP && rect.x < box.x + box.width + GAP && box.y < rect.y + rect.height + GAP && rect.y < box.y + box.height + GAP) return true
        }
      }
    }
    return false
  }
}

const ALONG = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82]
const ACROSS = [0, 20, -20, 36, -36, 52, -52]

/**
 * The first spot, nearest the middle and on the line first, where a label of `width` (plus
 * `badges` to its right) clears every shape. `a` and `b` are where the line leaves its two shapes.
 */
export function placeLabel(a: { x: number; y: number }, b: { x: number; y: number }, width: number, badges: number, shapes: ShapeIndex): LabelSpot {
  if (width + badges === 0) return MIDDLE
  for (const offset of ACROSS) {
    for (const t of ALONG) {
      const spot = { t, offset }
      const p = spotPoint(a, b, spot)
      // With no text the first badge is centred on the spot itself.
      const left = width > 0 ? p.x - width / 2 : p.x - BADGE_THREAT / 2
      const box = { x: left, y: p.y - LABEL_HEIGHT / 2, width: width + badges, height: LABEL_HEIGHT }
      if (!shapes.hits(box)) return spot
    }
  }
  return MIDDLE
}

/** Where a line from the centre of `box` toward `toward` leaves it (an ellipse's border for a process). */
export function exitPoint(box: Rect & { round: boolean }, toward: { x: number; y: number }): { x: number; y: number } {
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 2
  const vx = toward.x - cx
  const vy = toward.y - cy
  if (vx === 0 && vy === 0) return { x: cx, y: cy }
  if (box.round) {
    const rx = box.width / 2
    const ry = box.height / 2
    const s = 1 / Math.sqrt((vx * vx) / (rx * rx) + (vy * vy) / (ry * ry))
    return { x: cx + vx * s, y: cy + vy * s }
  }
  const sx = vx === 0 ? Infinity : box.width / 2 / Math.abs(vx)
  const sy = vy === 0 ? Infinity : box.height / 2 / Math.abs(vy)
  const s = Math.min(sx, sy)
  return { x: cx + vx * s, y: cy + vy * s }
}

/** The two ends of a flow's line on the diagram as stored (border to border, centre to centre). */
export function flowLine(state: DiagramState, flow: Flow): { a: { x: number; y: number }; b: { x: number; y: number } } | null {
  const source = state.elements.get(flow.source)
  const target = state.elements.get(flow.target)
  if (!source || !target) return null
  const from = { ...absoluteRect(state, source.key), round: source.kind === 'process' }
  const to = { ...absoluteRect(state, target.key), round: target.kind === 'process' }
  const a = exitPoint(from, { x: to.x + to.width / 2, y: to.y + to.height / 2 })
  const b = exitPoint(to, { x: from.x + from.width / 2, y: from.y + from.height / 2 })
  return { a, b }
}

/** The label spot of one flow on the diagram as stored. */
export function flowLabelSpot(state: DiagramState, flow: Flow, shapes: ShapeIndex, openThreats = 0, openQuestions = 0): LabelSpot {
  const line = flowLine(state, flow)
  if (!line) return MIDDLE
  return placeLabel(line.a, line.b, labelWidth(flowLabelText(flow)), badgeRoom(openThreats, openQuestions), shapes)
}
