/**
 * The workspace's requests that change the model as a whole: diagram tabs (switch, add, rename)
 * and stage moves (advance, reopen). Each reports its answer to the store; a stage move changes no
 * threat, so only the workflow's answers are asked for again.
 */
import { useCallback } from 'react'
import { ApiError } from '../api/client'
import { diagrams as diagramApi, models } from '../api/endpoints'
import { workflow } from '../api/workflow'
import type { Stage } from '../core/workflow'
import type { WorkspaceStore } from '../core/workspace-store'

export interface WorkspaceActions {
  selectDiagram: (id: number) => void
  addDiagram: () => Promise<void>
  renameDiagram: (id: number, name: string) => Promise<void>
  advance: (to: Stage, note: string) => Promise<void>
  reopen: (to: Stage, reason: string) => Promise<void>
}

export function useWorkspaceActions(store: WorkspaceStore, modelId: number, refreshWorkflow: () => void): WorkspaceActions {
  const failed = useCallback(
    (error: unknown, fallback: string) => store.dispatch({ type: 'loadFailed', message: error instanceof ApiError ? error.message : fallback }),
    [store],
  )

  const selectDiagram = useCallback(
    (id: number) => {
      store.dispatch({ type: 'diagramSelected', id })
      window.history.replaceState(null, '', `/models/${modelId}/diagrams/${id}/`)
    },
    [store, modelId],
  )

  const addDiagram = useCallback(async () => {
    try {
      const count = store.getState().doc?.diagrams.length ?? 0
      const created = await diagramApi.create(modelId, `Diagram ${count + 1}`)
      store.dispatch({ type: 'documentReloaded', doc: await models.document(modelId) })
      selectDiagram(created.id)
    } catch (error) {
      failed(error, 'The diagram could not be created.')
    }
  }, [store, modelId, selectDiagram, failed])

  const renameDiagram = useCallback(
    async (id: number, name: string) => {
      try {
        await diagramApi.rename(id, name)
        store.dispatch({ type: 'diagramRenamed', id, name })
      } catch (error) {
        failed(error, 'The diagram could not be renamed.')
      }
    },
    [store, failed],
  )

  const advance = useCallback(
    async (to: Stage, note: string) => {
      // A refusal (someone else changed the model meanwhile) is shown by the bar; the gates reload.
      const change = await workflow.advance(modelId, to, note).catch((error: unknown) => {
        refreshWorkflow()
        throw error
      })
      store.dispatch({ type: 'stageMoved', stage: change.stage, gates: change.gates })
      if (change.snapshot) store.dispatch({ type: 'noticeShown', text: `Approved. Version ${change.snapshot.number} of the model is frozen; History shows it.` })
      else store.dispatch({ type: 'noticeDismissed' })
      refreshWorkflow()
    },
    [store, modelId, refreshWorkflow],
  )

  const reopen = useCallback(
    async (to: Stage, reason: string) => {
      const change = await workflow.reopen(modelId, to, reason)
      store.dispatch({ type: 'stageMoved', stage: change.stage, gates: change.gates })
      store.dispatch({ type: 'noticeShown', text: `Reopened: back to ${change.stage}.` })
      refreshWorkflow()
    },
    [store, modelId, refreshWorkflow],
  )

  return { selectDiagram, addDiagram, renameDiagram, advance, reopen }
}
