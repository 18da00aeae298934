/** The toolbar's model-wide views: STRIDE coverage, history (versions and the audit trail), the PDF report, pipelines; and the manifests' re-import. */
import { useState, type ReactNode } from 'react'
import { createPortal } from 'react-dom'
import type { WorkspaceStore } from '../core/workspace-store'
import { PipelineDialog } from '../interop/PipelineDialog'

export function ModelTools({ store, modelId, reimport }: { store: WorkspaceStore; modelId: number; reimport?: ReactNode }) {
  const [pipelineOpen, setPipelineOpen] = useState(false)
  return (
    <>
      <button type="button" onClick={() => store.dispatch({ type: 'coverageOpened', focus: null })} title="STRIDE coverage of every element and flow">
        Coverage
      </button>
      <button type="button" onClick={() => store.dispatch({ type: 'historyOpened', tab: 'versions' })} title="Versions, comparisons and the audit trail">
        History
      </button>
      <button type="button" onClick={() => store.dispatch({ type: 'reportOpened' })} title="The PDF report for the review board">
        Report
      </button>
      <button type="button" onClick={() => setPipelineOpen(true)} title="Pipeline check runs and the guardrails generated from the model">
        Pipeline
      </button>
      {/* Outside the toolbar, whose no-wrap and flex rules a dialog must not inherit. */}
      {pipelineOpen && createPortal(<PipelineDialog modelId={modelId} onClose={() => setPipelineOpen(false)} />, document.body)}
      {reimport}
    </>
  )
}
