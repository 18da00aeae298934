/**
 * A data flow: a straight, directed line between the borders of its two ends (a circle's border
 * for a process), labelled, with arrowheads at both ends when bidirectional. It follows only its
 * own two nodes (useInternalNode), so dragging one node re-renders only the flows attached to it.
 */
import { useInternalNode, useStore, type EdgeProps, type InternalNode, type ReactFlowState } from '@xyflow/react'
import { memo } from 'react'
import type { Rect } from '../core/geometry'
import { exitPoint, flowLabelText, labelWidth, spotPoint } from '../core/label-placement'
import type { FlowEdge } from './flow-types'
import { renderStats } from './render-stats'

function boxOf(node: InternalNode | undefined): (Rect & { round: boolean }) | null {
  if (!node) return null
  const width = node.measured.width ?? node.width ?? 0
  const height = node.measured.height ?? node.height ?? 0
  const { x, y } = node.internals.positionAbsolute
  return { x, y, width, height, round: node.type === 'process' }
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
  const text = flowLabelText(flow)
  const tone = highlighted ? 'hl' : selected ? 'sel' : 'ink'
  const width = labelWidth(text)
  // Where no shape covers the label, along or beside its line, placed from the stored diagram
  // and carried along with the line while an end is dragged.
  const { x: mx, y: my } = spotPoint(a, b, data.label)
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
      {((text && showLabel) || openThreats > 0 || openQuestions > 0) && (
        <g transform={`translate(${mx}, ${my})`}>
          {/* Label and badges scale together about the label's centre in presentation scale (CSS). */}
          <g className="dfd-flow-scale">
            {text && showLabel && (
              <g className="dfd-flow-label">
                <rect x={-width / 2} y={-11} width={width} height={22} rx={4} />
                <text textAnchor="middle" dy={4.5}>
                  {text}
                </text>
              </g>
            )}
            {openThreats > 0 && (
              <g transform={`translate(${text ? width / 2 + 10 : 0}, 0)`} className="dfd-flow-badge">
                <circle r={10} />
                <text textAnchor="middle" dy={4}>
                  {openThreats}
                </text>
              </g>
            )}
            {openQuestions > 0 && (
              <g transform={`translate(${(text ? width / 2 + 10 : 0) + (openThreats > 0 ? 24 : 0)}, 0)`} className="dfd-flow-badge dfd-flow-question">
                <title>{`${openQuestions} open question${openQuestions === 1 ? '' : 's'}`}</title>
                <circle r={10} />
                <text textAnchor="middle" dy={4}>
                  ?{openQuestions}
                </text>
              </g>
            )}
          </g>
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
