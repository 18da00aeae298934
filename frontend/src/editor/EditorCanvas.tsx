/**
 * The drawing surface: React Flow in controlled mode over the editor state.
 *
 * Positions live in the editor state and change only through operations. While a node is being
 * dragged or resized, its in-between positions are kept in a small overlay here, so a drag frame
 * re-renders this component and the one moving node (React Flow and the mapper keep every other
 * node object as it was) and never touches the document. On drop, one edit — a move, or a change
 * of parent when the node lands in another boundary — goes to the save queue.
 */
import {
  Background,
  BackgroundVariant,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  SelectionMode,
  useReactFlow,
  useStore,
  type Connection,
  type EdgeChange,
  type IsValidConnection,
  type NodeChange,
  type OnConnectEnd,
  type OnNodeDrag,
  type ReactFlowState,
} from '@xyflow/react'
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type MouseEvent as ReactMouseEvent, type ReactNode, type RefObject } from 'react'
import { addFromStencil, dropOps, nameOf } from '../core/actions'
import { CanvasMapper, type Decorations } from '../core/canvas-mapping'
import type { ElementNode, FlowEdge } from './flow-types'
import { DEFAULT_SIZE } from '../core/geometry'
import { newKey } from '../core/keys'
import { shapeAt } from '../core/placement'
import type { Op } from '../core/ops'
import { stencil as findStencil } from '../core/stencils'
import type { DiagramState } from '../core/types'
import { connectionProblem } from '../core/validation'
import { NodeActionsContext, type NodeActions } from './node-actions'
import { NODE_TYPES } from './ElementNodes'
import { EDGE_TYPES, FlowMarkers } from './FlowEdge'
import { renderStats } from './render-stats'

export const STENCIL_MIME = 'application/x-dfd-stencil'
const SNAP: [number, number] = [10, 10]
const EMPTY_OVERLAY: ReadonlyMap<string, Overlay> = new Map()

/** A name (or flow label) being edited in place, over the canvas. */
interface InlineEdit {
  key: string
  flow: boolean
  left: number
  top: number
  width: number
  value: string
}

interface Overlay {
  x?: number
  y?: number
  width?: number
  height?: number
}

export interface EditorCanvasProps {
  state: DiagramState
  decorations: Decorations
  snap: boolean
  /** Presentation scale: canvas text grows as the view zooms out, to stay 16 px or more on screen. */
  present?: boolean
  readOnly: boolean
  onSelectionChange: (selection: ReadonlySet<string>) => void
  onEdit: (label: string, ops: Op[]) => string | null
  onProblem: (message: string) => void
  /** Drawn inside React Flow's viewport (the live room's selections and cursors). */
  overlay?: ReactNode
}

const KIND_COLOUR: Record<string, string> = {
  external_entity: '#374151',
  process: '#1d4ed8',
  data_store: '#047857',
  trust_boundary: 'transparent',
}

export function EditorCanvas({ state, decorations, snap, present = false, readOnly, onSelectionChange, onEdit, onProblem, overlay: viewportOverlay }: EditorCanvasProps) {
  renderStats.canvas += 1
  const flow = useReactFlow<ElementNode, FlowEdge>()
  const mapper = useRef(new CanvasMapper()).current
  const [overlay, setOverlay] = useState<ReadonlyMap<string, Overlay>>(EMPTY_OVERLAY)
  // Fit a diagram that has content when it opens; an empty one keeps the plain 1:1 view, so the
  // first element drawn does not make the canvas jump.
  const [fitOnOpen] = useState(() => state.elements.size > 0)
  const [inline, setInline] = useState<InlineEdit | null>(null)
  const wrapRef = useRef<HTMLDivElement>(null)

  // Callbacks read the latest props through refs, so their identity never changes and React
  // Flow never re-binds its handlers.
  const live = useRef({ state, decorations, onSelectionChange, onEdit, onProblem, readOnly })
  live.current = { state, decorations, onSelectionChange, onEdit, onProblem, readOnly }
  const selectionRef = useRef<ReadonlySet<string>>(decorations.selection)
  selectionRef.current = decorations.selection
  const dragging = useRef(false)
  const resizing = useRef(false)

  const baseNodes = useMemo(() => mapper.nodes(state, decorations), [mapper, state, decorations])
  const edges = useMemo(() => mapper.edges(state, decorations), [mapper, state, decorations])
  const nodes = useMemo(() => {
    if (overlay.size === 0) return baseNodes
    return baseNodes.map((node) => {
      const over = overlay.get(node.id)
      if (!over) return node
      return {
        ...node,
        position: { x: over.x ?? node.position.x, y: over.y ?? node.position.y },
        width: over.width ?? node.width,
        height: over.height ?? node.height,
      }
    })
  }, [baseNodes, overlay])

  const setSelection = useCallback((changes: readonly { id: string; selected: boolean }[]) => {
    const next = new Set(selectionRef.current)
    for (const change of changes) {
      if (change.selected) next.add(change.id)
      else next.delete(change.id)
    }
    selectionRef.current = next
    live.current.onSelectionChange(next)
  }, [])

  const onNodesChange = useCallback(
    (changes: NodeChange<ElementNode>[]) => {
      const selects: { id: string; selected: boolean }[] = []
      const updates = new Map<string, Overlay>()
      const keyboardMoves: { key: string; x: number; y: number }[] = []
      for (const change of changes) {
        if (change.type === 'select') selects.push(change)
        else if (change.type === 'position' && change.position) {
          // React Flow moves selected nodes with the arrow keys: a position change with no drag
          // and no resize under way. Each key press is saved as one move, at once.
          if (change.dragging === false && !dragging.current && !resizing.current) {
            keyboardMoves.push({ key: change.id, x: change.position.x, y: change.position.y })
          } else {
            updates.set(change.id, { ...updates.get(change.id), x: change.position.x, y: change.position.y })
          }
        } else if (change.type === 'dimensions' && change.resizing && change.dimensions) {
          updates.set(change.id, { ...updates.get(change.id), ...change.dimensions })
        }
      }
      if (selects.length > 0) setSelection(selects)
      if (updates.size > 0 && !live.current.readOnly) {
        setOverlay((prev) => {
          const next = new Map(prev)
          for (const [key, value] of updates) next.set(key, { ...next.get(key), ...value })
          return next
        })
      }
      if (keyboardMoves.length > 0 && !live.current.readOnly) {
        const { state: current } = live.current
        const ops = dropOps(current, keyboardMoves)
        const label = keyboardMoves.length === 1 ? `Move “${nameOf(current, keyboardMoves[0]?.key ?? '')}”` : `Move ${keyboardMoves.length} elements`
        if (ops.length > 0) live.current.onEdit(label, ops)
      }
    },
    [setSelection],
  )

  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) => {
      const selects = changes.flatMap((change) => (change.type === 'select' ? [change] : []))
      if (selects.length > 0) setSelection(selects)
    },
    [setSelection],
  )

  const onNodeDragStart = useCallback(() => {
    dragging.current = true
  }, [])

  const onNodeDragStop: OnNodeDrag<ElementNode> = useCallback((_event, _node, dragged) => {
    dragging.current = false
    const moves = dragged.map((node) => ({ key: node.id, x: node.position.x, y: node.position.y }))
    const { state: current } = live.current
    const ops = dropOps(current, moves)
    if (ops.length > 0) {
      const label = moves.length === 1 ? `Move “${nameOf(current, moves[0]?.key ?? '')}”` : `Move ${moves.length} elements`
      const problem = live.current.onEdit(label, ops)
      if (problem) live.current.onProblem(problem)
    }
    setOverlay((prev) => without(prev, moves.map((m) => m.key)))
  }, [])

  const nodeActions: NodeActions = useMemo(
    () => ({
      resizeStart: () => {
        resizing.current = true
      },
      resizeEnd: (key, rect) => {
        resizing.current = false
        const element = live.current.state.elements.get(key)
        if (element) {
          const op: Op = { op: 'move_element', key, x: Math.round(rect.x), y: Math.round(rect.y), width: Math.round(rect.width), height: Math.round(rect.height) }
          const problem = live.current.onEdit(`Resize “${element.name}”`, [op])
          if (problem) live.current.onProblem(problem)
        }
        setOverlay((prev) => without(prev, [key]))
      },
    }),
    [],
  )

  const isValidConnection: IsValidConnection<FlowEdge> = useCallback(
    (connection) => connectionProblem(live.current.state, connection.source, connection.target) === null,
    [],
  )

  const connectEnds = useCallback((source: string, target: string) => {
    const { state: current } = live.current
    const problem = connectionProblem(current, source, target)
    if (problem) {
      live.current.onProblem(problem)
      return
    }
    const key = newKey('flow', (k) => current.elements.has(k) || current.flows.has(k) || current.keysElsewhere.has(k))
    const label = `Add flow ${nameOf(current, source)} → ${nameOf(current, target)}`
    const failure = live.current.onEdit(label, [{ op: 'add_flow', key, source, target }])
    if (failure) live.current.onProblem(failure)
    else {
      selectionRef.current = new Set([key])
      live.current.onSelectionChange(selectionRef.current)
    }
  }, [])

  const onConnect = useCallback((connection: Connection) => connectEnds(connection.source, connection.target), [connectEnds])

  // A connection let go anywhere on a shape's body, away from its handles, connects to that shape:
  // React Flow only reports drops near a handle (isValid null otherwise). Flows are drawn border to
  // border, centre to centre, so which handle it would have been makes no difference.
  const onConnectEnd: OnConnectEnd = useCallback(
    (event, connection) => {
      if (connection.isValid === true || !connection.fromNode || live.current.readOnly) return
      const pointer = 'changedTouches' in event ? event.changedTouches[0] : event
      if (!pointer) return
      const point = flow.screenToFlowPosition({ x: pointer.clientX, y: pointer.clientY })
      const from = connection.fromNode.id
      const target = shapeAt(live.current.state, point, from)
      if (!target) return
      // The drag's direction is the flow's: from where it started to where it was let go.
      if (connection.fromHandle?.type === 'target') connectEnds(target, from)
      else connectEnds(from, target)
    },
    [flow, connectEnds],
  )

  const onDragOver = useCallback((event: DragEvent) => {
    if (event.dataTransfer.types.includes(STENCIL_MIME)) {
      event.preventDefault()
      event.dataTransfer.dropEffect = 'copy'
    }
  }, [])

  const onDrop = useCallback(
    (event: DragEvent) => {
      const id = event.dataTransfer.getData(STENCIL_MIME)
      const picked = id ? findStencil(id) : undefined
      if (!picked || live.current.readOnly) return
      event.preventDefault()
      const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY })
      const { state: current } = live.current
      const size = DEFAULT_SIZE[picked.kind]
      // Centred on the pointer, in the boundary under it, moved into free room there if need be.
      const at = { x: Math.round(point.x - size.width / 2), y: Math.round(point.y - size.height / 2) }
      const { key, ops } = addFromStencil(current, picked, at, { anchor: point })
      const problem = live.current.onEdit(`Add “${picked.name}”`, ops)
      if (problem) live.current.onProblem(problem)
      else {
        selectionRef.current = new Set([key])
        live.current.onSelectionChange(selectionRef.current)
      }
    },
    [flow],
  )

  // In-place editing of names and flow labels: double-click, or F2 on the selected item.
  const startInline = useCallback((key: string, anchor: DOMRect) => {
    const wrap = wrapRef.current?.getBoundingClientRect()
    const { state: current, readOnly: ro } = live.current
    const element = current.elements.get(key)
    const flowItem = current.flows.get(key)
    if (!wrap || ro || (!element && !flowItem)) return
    const width = Math.max(180, Math.min(anchor.width, 320))
    const onTitle = element?.kind === 'trust_boundary'
    setInline({
      key,
      flow: !element,
      left: onTitle ? anchor.left - wrap.left : anchor.left - wrap.left + anchor.width / 2 - width / 2,
      top: onTitle ? anchor.top - wrap.top - 20 : anchor.top - wrap.top + anchor.height / 2 - 18,
      width,
      value: element ? element.name : (flowItem?.label ?? ''),
    })
  }, [])

  const onNodeDoubleClick = useCallback(
    (event: ReactMouseEvent, node: ElementNode) => startInline(node.id, (event.currentTarget as HTMLElement).getBoundingClientRect()),
    [startInline],
  )
  const onEdgeDoubleClick = useCallback(
    (event: ReactMouseEvent, edge: FlowEdge) => startInline(edge.id, new DOMRect(event.clientX - 90, event.clientY - 18, 180, 36)),
    [startInline],
  )

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'F2') return
      const target = event.target as HTMLElement | null
      if (target?.closest('input, textarea, select')) return
      const selected = [...selectionRef.current]
      if (selected.length !== 1) return
      const key = selected[0] ?? ''
      const dom = wrapRef.current?.querySelector(`.react-flow__node[data-id="${CSS.escape(key)}"], .react-flow__edge[data-id="${CSS.escape(key)}"]`)
      if (!dom) return
      event.preventDefault()
      startInline(key, dom.getBoundingClientRect())
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [startInline])

  const commitInline = useCallback((edit: InlineEdit, value: string) => {
    setInline(null)
    const { state: current } = live.current
    if (edit.flow) {
      const flowItem = current.flows.get(edit.key)
      if (flowItem && value !== flowItem.label) live.current.onEdit(`Label flow “${flowItem.label || edit.key}”`, [{ op: 'update_flow', key: edit.key, label: value }])
    } else {
      const element = current.elements.get(edit.key)
      if (element && value.trim() && value.trim() !== element.name) {
        const problem = live.current.onEdit(`Rename “${element.name}”`, [{ op: 'update_element', key: edit.key, name: value.trim() }])
        if (problem) live.current.onProblem(problem)
      }
    }
    // Give the keyboard back to the canvas item that was being renamed.
    requestAnimationFrame(() => (wrapRef.current?.querySelector(`[data-id="${CSS.escape(edit.key)}"]`) as HTMLElement | null)?.focus())
  }, [])

  const large = state.elements.size > 300
  return (
    <NodeActionsContext.Provider value={nodeActions}>
      <div className={`canvas-wrap${present ? ' is-presenting' : ''}`} ref={wrapRef} onDragOver={onDragOver} onDrop={onDrop}>
        <FlowMarkers />
        <ReactFlow<ElementNode, FlowEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          edgeTypes={EDGE_TYPES}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onNodeDragStart={onNodeDragStart}
          onNodeDragStop={onNodeDragStop}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          connectionRadius={28}
          onNodeDoubleClick={onNodeDoubleClick}
          onEdgeDoubleClick={onEdgeDoubleClick}
          zoomOnDoubleClick={false}
          isValidConnection={isValidConnection}
          connectionMode={ConnectionMode.Loose}
          nodesDraggable={!readOnly}
          nodesConnectable={!readOnly}
          deleteKeyCode={null}
          // Alt-drag draws a selection box anywhere, also over a boundary (whose body drags it).
          selectionKeyCode="Alt"
          multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
          selectionOnDrag
          selectionMode={SelectionMode.Full}
          panOnDrag={[1, 2]}
          panOnScroll
          panActivationKeyCode="Space"
          zoomActivationKeyCode={['Meta', 'Control']}
          snapToGrid={snap}
          snapGrid={SNAP}
          minZoom={0.1}
          maxZoom={2.5}
          fitView={fitOnOpen}
          // A large diagram opens at a readable zoom around its middle; the minimap shows the rest.
          fitViewOptions={{ padding: 0.12, maxZoom: 1.1, minZoom: large ? 0.4 : 0.1 }}
          onlyRenderVisibleElements={large}
          elevateNodesOnSelect={false}
          proOptions={{ hideAttribution: true }}
          aria-label="Data-flow diagram"
        >
          <Background variant={BackgroundVariant.Dots} gap={20} size={1.4} color="#9ca3af" />
          <Controls showInteractive={false} aria-label="Zoom controls" />
          <MiniMap
            pannable
            zoomable
            ariaLabel="Overview of the diagram"
            nodeColor={(node) => KIND_COLOUR[node.type ?? ''] ?? '#6b7280'}
            nodeStrokeColor={(node) => (node.type === 'trust_boundary' ? '#b91c1c' : 'transparent')}
            nodeStrokeWidth={3}
          />
          {viewportOverlay}
          {present && <TextScale wrap={wrapRef} />}
        </ReactFlow>
        {inline && <InlineEditor edit={inline} onCommit={commitInline} onCancel={() => setInline(null)} />}
      </div>
    </NodeActionsContext.Provider>
  )
}

/** The smallest canvas text (flow labels, 13 px) reaches this many screen pixels in presentation scale. */
const PRESENT_MIN_PX = 16
const zoomOf = (s: ReactFlowState) => s.transform[2]

/**
 * Keeps `--text-scale` on the canvas in step with the zoom. Only this component re-renders on a
 * zoom; the nodes and flows read the variable in CSS, so none of them re-renders.
 */
function TextScale({ wrap }: { wrap: RefObject<HTMLDivElement | null> }) {
  const zoom = useStore(zoomOf)
  useEffect(() => {
    const element = wrap.current
    if (!element) return
    element.style.setProperty('--text-scale', String(Math.max(1, PRESENT_MIN_PX / (13 * zoom))))
    return () => {
      element.style.removeProperty('--text-scale')
    }
  }, [wrap, zoom])
  return null
}

function InlineEditor({ edit, onCommit, onCancel }: { edit: InlineEdit; onCommit: (edit: InlineEdit, value: string) => void; onCancel: () => void }) {
  const [value, setValue] = useState(edit.value)
  const done = useRef(false)
  const finish = (commit: boolean) => {
    if (done.current) return
    done.current = true
    if (commit) onCommit(edit, value)
    else onCancel()
  }
  return (
    <input
      className="inline-editor"
      style={{ left: edit.left, top: edit.top, width: edit.width }}
      aria-label={edit.flow ? 'Flow label' : 'Element name'}
      value={value}
      maxLength={200}
      autoFocus
      onFocus={(event) => event.currentTarget.select()}
      onChange={(event) => setValue(event.target.value)}
      onKeyDown={(event) => {
        event.stopPropagation()
        if (event.key === 'Enter') finish(true)
        if (event.key === 'Escape') finish(false)
      }}
      onBlur={() => finish(true)}
    />
  )
}

function without(map: ReadonlyMap<string, Overlay>, keys: readonly string[]): ReadonlyMap<string, Overlay> {
  if (!keys.some((key) => map.has(key))) return map
  const next = new Map(map)
  for (const key of keys) next.delete(key)
  return next.size === 0 ? EMPTY_OVERLAY : next
}
