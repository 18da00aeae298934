/**
 * What node components may ask of the editor (end of a boundary resize). A context with one stable
 * object, so providing it never re-renders the nodes.
 */
import { createContext, useContext } from 'react'

export interface NodeActions {
  resizeEnd(key: string, rect: { x: number; y: number; width: number; height: number }): void
  resizeStart(key: string): void
}

export const NodeActionsContext = createContext<NodeActions>({ resizeEnd: () => undefined, resizeStart: () => undefined })

export const useNodeActions = (): NodeActions => useContext(NodeActionsContext)
