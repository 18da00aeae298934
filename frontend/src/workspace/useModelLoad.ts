/**
 * Loads what the workspace starts from into its store: the model's document (diagrams and threats)
 * with the property vocabulary, then the team's members and the controls catalogue for the forms.
 */
import { useEffect, useSyncExternalStore } from 'react'
import { ApiError } from '../api/client'
import { models, vocabulary as vocabularyApi } from '../api/endpoints'
import { catalogueApi } from '../api/workflow'
import { indexVocabulary } from '../core/validation'
import type { WorkspaceStore } from '../core/workspace-store'

export function useModelLoad(store: WorkspaceStore, modelId: number, diagramId: number | null): void {
  useEffect(() => {
    let cancelled = false
    Promise.all([models.document(modelId), vocabularyApi.get()])
      .then(([doc, vocabulary]) => !cancelled && store.dispatch({ type: 'loaded', doc, vocab: indexVocabulary(vocabulary), diagramId }))
      .catch(
        (error: unknown) =>
          !cancelled && store.dispatch({ type: 'loadFailed', message: error instanceof ApiError ? error.message : 'The model could not be loaded.' }),
      )
    return () => {
      cancelled = true
    }
  }, [store, modelId, diagramId])

  const teamId = useSyncExternalStore(store.subscribe, () => store.getState().doc?.team ?? null)
  useEffect(() => {
    if (teamId === null) return
    let cancelled = false
    Promise.all([catalogueApi.members(teamId), catalogueApi.controls()])
      .then(([members, controls]) => !cancelled && store.dispatch({ type: 'catalogueLoaded', members, controls }))
      .catch(() => undefined) // the forms still work; the selects are only emptier
    return () => {
      cancelled = true
    }
  }, [store, teamId])
}
