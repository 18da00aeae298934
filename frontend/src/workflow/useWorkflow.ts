/**
 * The model's workflow answers for the workspace: the gates (stage, what blocks, your role) and the
 * heat map, loaded together into the workspace store and refreshed on demand — after every saved
 * diagram change, every change in the threat drawer, every bulk action and every stage move — and
 * when the window gets the focus back (someone else may have moved the model meanwhile). Several
 * refreshes asked for while one runs are folded into one more.
 */
import { useEffect, useMemo, useRef } from 'react'
import { workflow } from '../api/workflow'
import { coalesced } from '../core/coalesce'
import type { WorkspaceStore } from '../core/workspace-store'

export function useWorkflow(store: WorkspaceStore, modelId: number): () => void {
  const life = useRef({ alive: true }).current
  const refresh = useMemo(
    () =>
      coalesced(() =>
        Promise.all([workflow.gates(modelId), workflow.heatMap(modelId)])
          .then(([gates, heat]) => life.alive && store.dispatch({ type: 'workflowLoaded', gates, heat }))
          .catch(
            (caught: unknown) =>
              life.alive && store.dispatch({ type: 'workflowFailed', message: caught instanceof Error ? caught.message : 'The workflow could not be loaded.' }),
          ),
      ),
    [store, modelId, life],
  )

  useEffect(() => {
    life.alive = true
    refresh()
    window.addEventListener('focus', refresh)
    return () => {
      life.alive = false
      window.removeEventListener('focus', refresh)
    }
  }, [refresh, life])

  return refresh
}
