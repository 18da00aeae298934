/**
 * The canvas mapper's records (`core/canvas-mapping.ts`, pure) as React Flow's node and edge
 * types. The assignments below fail to compile if the core's records stop fitting React Flow.
 */
import type { Edge, Node } from '@xyflow/react'
import type { CanvasEdge, CanvasNode, ElementNodeData, FlowEdgeData } from '../core/canvas-mapping'
import type { ElementKind } from '../core/types'

export type ElementNode = Node<ElementNodeData, ElementKind>
export type FlowEdge = Edge<FlowEdgeData, 'flow'>

type Fits<T extends U, U> = T
export type CanvasNodeFits = Fits<CanvasNode, ElementNode>
export type CanvasEdgeFits = Fits<CanvasEdge, FlowEdge>
