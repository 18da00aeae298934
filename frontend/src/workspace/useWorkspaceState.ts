/** Subscribes a component to the workspace store (React's external-store hook). */
import { useSyncExternalStore } from 'react'
import type { WorkspaceState, WorkspaceStore } from '../core/workspace-store'

export function useWorkspaceState(store: WorkspaceStore): WorkspaceState {
  return useSyncExternalStore(store.subscribe, store.getState)
}
