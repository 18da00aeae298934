/**
 * Where a gate item leads, and going there: a canvas item switches the diagram and centres its
 * element or flow, a threat (or its mitigation or decision) opens the drawer, a coverage cell opens
 * the coverage view, and model-wide items offer their step (run the analysis, draw a boundary).
 */
import { useCallback } from 'react'
import { bandChangeApi, decisionApi, mitigationApi, workflow, type GateItem } from '../api/workflow'
import { gateTarget, type GateTarget } from '../core/gate-targets'
import { mayWrite, roleOf, type WorkspaceStore } from '../core/workspace-store'

export interface GateTargets {
  targetOf: (item: GateItem) => GateTarget
  onTarget: (item: GateItem) => void
}

interface Options {
  store: WorkspaceStore
  modelId: number
  teams: readonly { id: number; role: string }[]
  diagramOf: (key: string) => number | null
  /** After a new analysis: the threats and the workflow again. */
  onAnalysed: () => void
  refreshWorkflow: () => void
}

export function useGateTargets({ store, modelId, teams, diagramOf, onAnalysed, refreshWorkflow }: Options): GateTargets {
  const targetOf = useCallback(
    (item: GateItem): GateTarget =>
      gateTarget(item, {
        diagramOf,
        threatByFingerprint: (fingerprint) => store.getState().threats?.find((t) => t.fingerprint === fingerprint)?.id ?? null,
      }),
    [store, diagramOf],
  )

  const onTarget = useCallback(
    (item: GateItem) => {
      const target = targetOf(item)
      const notice = (text: string) => store.dispatch({ type: 'noticeShown', text })
      const failed = (caught: unknown) => notice(caught instanceof Error ? caught.message : 'That could not be opened.')
      const open = (threatId: number, mitigation: number | null = null) => store.dispatch({ type: 'threatOpened', threatId, mitigation })
      switch (target.kind) {
        case 'canvas': {
          const active = store.getState().active
          const diagramId = target.diagramId ?? active
          if (diagramId !== null && diagramId !== active) window.history.replaceState(null, '', `/models/${modelId}/diagrams/${diagramId}/`)
          store.dispatch({ type: 'focusRequested', key: target.key, diagramId })
          return
        }
        case 'threat':
          open(target.threatId)
          return
        case 'mitigation':
          mitigationApi.get(target.mitigationId).then((m) => {
            const first = m.threats[0]
            if (first === undefined) notice(`Mitigation ${m.ref} answers no threat.`)
            else open(first, m.id)
          }, failed)
          return
        case 'decision':
          decisionApi.get(target.decisionId).then((d) => open(d.threat), failed)
          return
        case 'coverage':
          store.dispatch({ type: 'coverageOpened', focus: { target: target.target, stride: target.stride } })
          return
        case 'analyse':
          if (!mayWrite(roleOf(store.getState(), teams))) {
            notice('An editor runs the analysis.')
            return
          }
          workflow.analyse(modelId).then((result) => {
            notice(`Analysis done: ${result.new} new, ${result.obsolete} no longer apply, ${result.kept} kept.`)
            onAnalysed()
          }, failed)
          return
        case 'draw-boundary':
          document.querySelector<HTMLElement>('[data-stencil="trust_boundary"]')?.focus()
          notice('Add a trust boundary from the palette (press Enter on it, or drag it onto the canvas), then put elements inside it.')
          return
        case 'band-changes':
          bandChangeApi.open(modelId).then((changes) => {
            const first = changes[0]
            if (first) open(first.threat)
            else refreshWorkflow()
          }, failed)
          return
        case 'none':
          return
      }
    },
    [store, targetOf, modelId, teams, onAnalysed, refreshWorkflow],
  )

  return { targetOf, onTarget }
}
