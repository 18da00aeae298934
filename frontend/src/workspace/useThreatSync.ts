/**
 * How the workspace keeps its threat list (`core/threat-sync.ts`, writing into the store) after
 * each kind of change: a saved diagram batch patches it from the ops answer (or asks for what
 * changed since), a threat changed in the drawer puts in the drawer's fresh row, and a model-wide
 * action (a bulk change, a new analysis) asks for what changed since the version before the list's. The workflow's answers follow each of them.
 */
import { useCallback, useMemo } from 'react'
import { threatSource } from '../api/threats'
import type { ApiThreat } from '../api/workflow'
import type { OpsResult } from '../core/diagram-session'
import { analysisQueued, ThreatSync } from '../core/threat-sync'
import { threatListOf, type WorkspaceStore } from '../core/workspace-store'

export interface ThreatFollowUps {
  /** Resolves once the list follows the batch. */
  afterSave: (result: OpsResult) => Promise<void>
  threatChanged: (row: ApiThreat) => void
  modelWide: () => void
}

export function useThreatSync(store: WorkspaceStore, modelId: number, refreshWorkflow: () => void): ThreatFollowUps {
  const sync = useMemo(() => new ThreatSync(threatSource(modelId), threatListOf(store)), [store, modelId])

  const afterSave = useCallback(
    (result: OpsResult) => {
      // Every saved diagram change can move the gates (a property set, a boundary drawn, drift);
      // a worker's analysis moves them again when it is done.
      refreshWorkflow()
      const done = sync.afterSave(result)
      void done.then(() => analysisQueued(result) && refreshWorkflow())
      return done
    },
    [sync, refreshWorkflow],
  )
  const threatChanged = useCallback((row: ApiThreat) => void sync.rows([row]), [sync])
  const modelWide = useCallback(() => {
    void sync.catchUp()
    refreshWorkflow()
  }, [sync, refreshWorkflow])

  return { afterSave, threatChanged, modelWide }
}
