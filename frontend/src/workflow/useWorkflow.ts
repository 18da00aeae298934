/**
 * The model's workflow state for the workspace: the gates answer (stage, what blocks, your role)
 * and the heat map, loaded together and refreshed on demand — after every saved diagram change,
 * every change in the threat drawer, every bulk action and every stage move — and when the window
 * gets the focus back (someone else may have moved the model meanwhile). Several refreshes asked
 * for while one runs are folded into one more.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { workflow, type GateReport, type HeatMap } from '../api/workflow'

export interface WorkflowState {
  gates: GateReport | null
  heat: HeatMap | null
  error: string | null
  refresh: () => void
  /** Put a gates answer the server just gave (an advance or a reopen) in place without a request. */
  setGates: (gates: GateReport) => void
}

export function useWorkflow(modelId: number): WorkflowState {
  const [gates, setGates] = useState<GateReport | null>(null)
  const [heat, setHeat] = useState<HeatMap | null>(null)
  const [error, setError] = useState<string | null>(null)
  const state = useRef({ running: false, again: false, alive: true })

  const refresh = useCallback(() => {
    const s = state.current
    if (s.running) {
      s.again = true
      return
    }
    s.running = true
    Promise.all([workflow.gates(modelId), workflow.heatMap(modelId)])
      .then(([g, h]) => {
        if (!s.alive) return
        setGates(g)
        setHeat(h)
        setError(null)
      })
      .catch((caught: unknown) => s.alive && setError(caught instanceof Error ? caught.message : 'The workflow could not be loaded.'))
      .finally(() => {
        s.running = false
        if (s.again && s.alive) {
          s.again = false
          refresh()
        }
      })
  }, [modelId])

  useEffect(() => {
    const s = state.current
    s.alive = true
    refresh()
    const onFocus = () => refresh()
    window.addEventListener('focus', onFocus)
    return () => {
      s.alive = false
      window.removeEventListener('focus', onFocus)
    }
  }, [refresh])

  return { gates, heat, error, refresh, setGates }
}
