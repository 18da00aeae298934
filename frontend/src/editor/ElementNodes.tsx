/**
 * The four DFD shapes as React Flow node components: external entity (rectangle), process
 * (circle), data store (open-ended parallel lines) and trust boundary (dashed region that holds
 * other nodes). Each is memoised and reads only its own node's data, so a change to one element
 * re-renders one component.
 */
import { Handle, NodeResizer, Position, useStore, type NodeProps, type ReactFlowState } from '@xyflow/react'
import { memo, useCallback, useState } from 'react'
import type { ElementNode } from './flow-types'
import { STENCILS } from '../core/stencils'
import { useNodeActions } from './node-actions'
import { renderStats } from './render-stats'

const COMPONENT_LABEL = new Map(STENCILS.filter((s) => s.group === 'cloud-native').map((s) => [s.properties.component, s.label]))

const canEdit = (state: ReactFlowState) => state.nodesDraggable

function Handles() {
  // Loose connection mode: every handle can start or end a flow; the direction is the drag's.
  return (
    <>
      <Handle type="source" position={Position.Top} id="t" className="dfd-handle" />
      <Handle type="source" position={Position.Right} id="r" className="dfd-handle" />
      <Handle type="source" position={Position.Bottom} id="b" className="dfd-handle" />
      <Handle type="source" position={Position.Left} id="l" className="dfd-handle" />
    </>
  )
}

function ThreatBadge({ count }: { count: number }) {
  if (count === 0) return null
  return (
    <span className="dfd-badge" title={`${count} open threat${count === 1 ? '' : 's'}`} aria-label={`${count} open threats`}>
      {count}
    </span>
  )
}

function QuestionBadge({ count }: { count: number }) {
  if (count === 0) return null
  const words = `${count} open question${count === 1 ? '' : 's'}`
  return (
    <span className="dfd-badge dfd-question-badge" title={words} aria-label={words}>
      ?{count}
    </span>
  )
}

function classes(base: string, props: NodeProps<ElementNode>): string {
  return [base, props.selected && 'is-selected', props.data.highlighted && 'is-highlighted', props.data.hasError && 'has-error']
    .filter(Boolean)
    .join(' ')
}

function Body({ props }: { props: NodeProps<ElementNode> }) {
  const { element } = props.data
  const component = typeof element.properties.component === 'string' ? COMPONENT_LABEL.get(element.properties.component) : undefined
  return (
    <span className="dfd-label">
      <span className="dfd-name">{element.name}</span>
      {component && component !== element.name && <span className="dfd-caption">{component}</span>}
    </span>
  )
}

export const EntityNode = memo(function EntityNode(props: NodeProps<ElementNode>) {
  renderStats.nodes += 1
  return (
    <div className={classes('dfd-shape dfd-entity', props)} data-key={props.id}>
      <Handles />
      <Body props={props} />
      <ThreatBadge count={props.data.openThreats} />
      <QuestionBadge count={props.data.openQuestions} />
    </div>
  )
})

export const ProcessNode = memo(function ProcessNode(props: NodeProps<ElementNode>) {
  renderStats.nodes += 1
  return (
    <div className={classes('dfd-shape dfd-process', props)} data-key={props.id}>
      <Handles />
      <Body props={props} />
      <ThreatBadge count={props.data.openThreats} />
      <QuestionBadge count={props.data.openQuestions} />
    </div>
  )
})

export const StoreNode = memo(function StoreNode(props: NodeProps<ElementNode>) {
  renderStats.nodes += 1
  return (
    <div className={classes('dfd-shape dfd-store', props)} data-key={props.id}>
      <Handles />
      <Body props={props} />
      <ThreatBadge count={props.data.openThreats} />
      <QuestionBadge count={props.data.openQuestions} />
    </div>
  )
})

export const BoundaryNode = memo(function BoundaryNode(props: NodeProps<ElementNode>) {
  renderStats.nodes += 1
  const actions = useNodeActions()
  const editable = useStore(canEdit)
  const [hovered, setHovered] = useState(false)
  const { id } = props
  const onResizeStart = useCallback(() => actions.resizeStart(id), [actions, id])
  const onResizeEnd = useCallback(
    (_: unknown, params: { x: number; y: number; width: number; height: number }) => actions.resizeEnd(id, params),
    [actions, id],
  )
  return (
    <div className={classes('dfd-boundary', props)} data-key={props.id} onMouseEnter={() => setHovered(true)} onMouseLeave={() => setHovered(false)}>
      {/* Mounted on hover and selection only: each handle follows React Flow's store, and a
          thousand boundaries' handles would each be asked on every frame of any drag. */}
      <NodeResizer isVisible={editable && (props.selected || hovered)} minWidth={120} minHeight={80} onResizeStart={onResizeStart} onResizeEnd={onResizeEnd} handleClassName="dfd-resize-handle" lineClassName="dfd-resize-line" />
      <div className="dfd-boundary-title">
        {props.data.element.name}
        <ThreatBadge count={props.data.openThreats} />
      </div>
    </div>
  )
})

/** At module scope: React Flow warns (and re-mounts every node) when this object changes. */
export const NODE_TYPES = {
  external_entity: EntityNode,
  process: ProcessNode,
  data_store: StoreNode,
  trust_boundary: BoundaryNode,
}
