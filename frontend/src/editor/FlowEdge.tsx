/**
 * A data flow: a straight, directed line between the borders of its two ends (a circle's border
 * for a process), labelled, with arrowheads at both ends when bidirectional. It follows only its
 * own two nodes (useInternalNode), so dragging one node re-renders only the flows attached to it.
 */
import { useInternalNode, useStore, type EdgeProps, type InternalNode, type ReactFlowState } from '@xyflow/react'
import { memo } from 'react'
import type { FlowEdge } from './flow-types'
import { renderStats } from './render-stats'

interface Box {
  x: number
  y: number
  width: number
  height: number
  round: boolean
}

function boxOf(node: InternalNode | undefined): Box | null {
  if (!node) return null
  const width = node.measured.width ?? node.width ?? 0
  const height = node.measured.height ?? node.height ?? 0
  const { x, y } = node.internals.positionAbsolute
  return { x, y, width, height, round: node.type === 'process' }
}

function exitPoint(box: Box, toward: { x: number; y: number }): { x: number; y: number } {
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

/** Below this zoom labels and arrowheads are unreadable anyway; leaving them out keeps large diagrams fast to paint. */
const LABEL_MIN_ZOOM = 0.45
const labelsVisible = (state: ReactFlowState) => state.transform[2] >= LABEL_MIN_ZOOM

export const FlowEdgeView = memo(function FlowEdgeView({ id, source, target, data, selected }: EdgeProps<FlowEdge>) {
  renderStats.edges += 1
  const showLabel = useStore(labelsVisible)
  const from = boxOf(useInternalNode(source))
  const to = boxOf(useInternalNode(target))
  if (!from || !to || !data) return null
  const a = exitPoint(from, { x: to.x + to.width / 2, y: to.y + to.height / 2 })
  const b = exitPoint(to, { x: from.x + from.width / 2, y: from.y + from.height / 2 })
  const path = `M ${a.x},${a.y} L ${b.x},${b.y}`
  const { flow, openThreats, openQuestions, highlighted } = data
  // Arrowheads at both ends say "both ways"; the ⇄ in the label says it again for a glance.
  const text = `${flow.bidirectional ? '⇄ ' : ''}${flow.label || flow.protocol}`.trim()
  const tone = highlighted ? 'hl' : selected ? 'sel' : 'ink'
  const labelWidth = text.length * 7.4 + 14
  // The label sits on the visible part of the line; when that is shorter than the label, beside
  // it, so neither end's shape hides the text.
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1
  const aside = text && showLabel && length < labelWidth + 16 ? 18 : 0
  const mx = (a.x + b.x) / 2 + (aside * -(b.y - a.y)) / length
  const my = (a.y + b.y) / 2 + (aside * (b.x - a.x)) / length
  return (
    <g className={`dfd-flow${selected ? ' is-selected' : ''}${highlighted ? ' is-highlighted' : ''}`} data-key={id}>
      {/* Zoomed far out, arrowheads are a pixel wide and nobody aims at a flow: drawing only the
          line keeps a whole large diagram cheap to repaint while something moves. */}
      <path
        d={path}
        className="dfd-flow-line"
        markerEnd={showLabel ? `url(#dfd-arrow-${tone})` : undefined}
        markerStart={showLabel && flow.bidirectional ? `url(#dfd-arrow-${tone})` : undefined}
      />
      {showLabel && <path d={path} className="react-flow__edge-interaction" fill="none" strokeOpacity={0} strokeWidth={18} />}
      {text && showLabel && (
        <g transform={`translate(${mx}, ${my})`} className="dfd-flow-label">
          <rect x={-labelWidth / 2} y={-11} width={labelWidth} height={22} rx={4} />
          <text textAnchor="middle" dy={4.5}>
            {text}
          </text>
        </g>
      )}
      {openThreats > 0 && (
        <g transform={`translate(${mx + (text ? labelWidth / 2 + 10 : 0)}, ${my})`} className="dfd-flow-badge">
          <circle r={10} />
          <text textAnchor="middle" dy={4}>
            {openThreats}
          </text>
        </g>
      )}
      {openQuestions > 0 && (
        <g transform={`translate(${mx + (text ? labelWidth / 2 + 10 : 0) + (openThreats > 0 ? 24 : 0)}, ${my})`} className="dfd-flow-badge dfd-flow-question">
          <title>{`${openQuestions} open question${openQuestions === 1 ? '' : 's'}`}</title>
          <circle r={10} />
          <text textAnchor="middle" dy={4}>
            ?{openQuestions}
          </text>
        </g>
      )}
    </g>
  )
})

export const EDGE_TYPES = { flow: FlowEdgeView }

/** Arrowheads, defined once for every flow. */
export function FlowMarkers() {
  const tones: [string, string][] = [
    ['ink', '#111827'],
    ['sel', '#1d4ed8'],
    ['hl', '#b45309'],
  ]
  return (
    <svg className="dfd-markers" aria-hidden="true" width="0" height="0">
      <defs>
        {tones.map(([tone, colour]) => (
          <marker key={tone} id={`dfd-arrow-${tone}`} viewBox="0 0 10 10" refX="9.5" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill={colour} />
          </marker>
        ))}
      </defs>
    </svg>
  )
}
