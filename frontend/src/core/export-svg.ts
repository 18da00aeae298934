/**
 * The current diagram as a standalone SVG document, drawn from the editor state (not copied from
 * the page's DOM), in DFD notation. Every piece of user text goes through `escapeXml`, so a label
 * like `<script>` stays text in the file. The PNG export rasterises this same SVG.
 */
import { absoluteRect, bounds, parentsFirst, type Rect } from './geometry'
import { labelWidth, placeLabel, ShapeIndex, spotPoint } from './label-placement'
import type { DiagramState, Element } from './types'

const INK = '#111827'
const BOUNDARY = '#b91c1c'
const PAD = 40

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    // Characters XML 1.0 forbids outright would make the file unreadable.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
}

export function diagramSvg(state: DiagramState, title: string): { svg: string; width: number; height: number } {
  const box = bounds(state)
  const width = Math.ceil(box.width + PAD * 2)
  const height = Math.ceil(box.height + PAD * 2)
  const dx = PAD - box.x
  const dy = PAD - box.y
  const rects = new Map<string, Rect>()
  for (const key of state.elements.keys()) {
    const rect = absoluteRect(state, key)
    rects.set(key, { ...rect, x: rect.x + dx, y: rect.y + dy })
  }
  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="14">`,
    `<title>${escapeXml(title)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">' +
      `<path d="M0,0 L10,5 L0,10 z" fill="${INK}"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  )
  for (const element of parentsFirst(state)) {
    const rect = rects.get(element.key)
    if (rect) parts.push(shape(element, rect))
  }
  // Labels go where no shape covers them, as on the canvas.
  const shapes = new ShapeIndex([...state.elements.values()].filter((e) => e.kind !== 'trust_boundary').flatMap((e) => rects.get(e.key) ?? []))
  for (const flow of state.flows.values()) {
    const from = rects.get(flow.source)
    const to = rects.get(flow.target)
    if (!from || !to) continue
    const a = borderPoint(from, centre(to))
    const b = borderPoint(to, centre(from))
    const text = [flow.label, flow.protocol && flow.protocol !== flow.label ? `(${flow.protocol})` : ''].filter(Boolean).join(' ')
    parts.push(
      `<line x1="${r(a.x)}" y1="${r(a.y)}" x2="${r(b.x)}" y2="${r(b.y)}" stroke="${INK}" stroke-width="1.6" marker-end="url(#arrow)"${flow.bidirectional ? ' marker-start="url(#arrow)"' : ''}/>`,
    )
    if (text) {
      const at = spotPoint(a, b, placeLabel(a, b, labelWidth(text), 0, shapes))
      parts.push(
        `<text x="${r(at.x)}" y="${r(at.y + 5)}" text-anchor="middle" fill="${INK}" stroke="#ffffff" stroke-width="4" paint-order="stroke">${escapeXml(text)}</text>`,
      )
    }
  }
  parts.push('</svg>')
  return { svg: parts.join('\n'), width, height }
}

function shape(element: Element, rect: Rect): string {
  const name = escapeXml(element.name)
  const cx = rect.x + rect.width / 2
  const cy = rect.y + rect.height / 2
  const label = `<text x="${r(cx)}" y="${r(cy + 5)}" text-anchor="middle" fill="${INK}">${name}</text>`
  switch (element.kind) {
    case 'trust_boundary':
      return (
        `<rect x="${r(rect.x)}" y="${r(rect.y)}" width="${r(rect.width)}" height="${r(rect.height)}" rx="6" fill="none" stroke="${BOUNDARY}" stroke-width="2" stroke-dasharray="8 5"/>` +
        `<text x="${r(rect.x + 10)}" y="${r(rect.y + 20)}" fill="${BOUNDARY}" font-weight="bold">${name}</text>`
      )
    case 'external_entity':
      return `<rect x="${r(rect.x)}" y="${r(rect.y)}" width="${r(rect.width)}" height="${r(rect.height)}" fill="#ffffff" stroke="${INK}" stroke-width="2"/>${label}`
    case 'process':
      return `<ellipse cx="${r(cx)}" cy="${r(cy)}" rx="${r(rect.width / 2)}" ry="${r(rect.height / 2)}" fill="#ffffff" stroke="${INK}" stroke-width="2"/>${label}`
    case 'data_store':
      return (
        `<rect x="${r(rect.x)}" y="${r(rect.y)}" width="${r(rect.width)}" height="${r(rect.height)}" fill="#ffffff" stroke="none"/>` +
        `<line x1="${r(rect.x)}" y1="${r(rect.y)}" x2="${r(rect.x + rect.width)}" y2="${r(rect.y)}" stroke="${INK}" stroke-width="2"/>` +
        `<line x1="${r(rect.x)}" y1="${r(rect.y + rect.height)}" x2="${r(rect.x + rect.width)}" y2="${r(rect.y + rect.height)}" stroke="${INK}" stroke-width="2"/>${label}`
      )
  }
}

const r = (n: number): string => (Math.round(n * 10) / 10).toString()
const centre = (rect: Rect) => ({ x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 })

/** Where the segment from the rectangle's centre towards `toward` leaves the rectangle. */
export function borderPoint(rect: Rect, toward: { x: number; y: number }): { x: number; y: number } {
  const c = centre(rect)
  const vx = toward.x - c.x
  const vy = toward.y - c.y
  if (vx === 0 && vy === 0) return c
  const sx = vx === 0 ? Infinity : rect.width / 2 / Math.abs(vx)
  const sy = vy === 0 ? Infinity : rect.height / 2 / Math.abs(vy)
  const s = Math.min(sx, sy)
  return { x: c.x + vx * s, y: c.y + vy * s }
}
