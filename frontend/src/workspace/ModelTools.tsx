/** The toolbar's model-wide views: STRIDE coverage, history (versions and the audit trail), the PDF report, pipelines; saving the model as a team template; and the manifests' re-import. */
import { useState, type ReactNode } from 'react'
import { createPortal } from 'react-dom'
import type { WorkspaceStore } from '../core/workspace-store'
import { PipelineDialog } from '../interop/PipelineDialog'
import { SaveTemplateDialog } from '../interop/TemplateDialog'

interface Props {
  store: WorkspaceStore
  modelId: number
  reimport?: ReactNode
  /** Set for editors and owners: the model's name, offered as the template's. */
  templateName?: string | undefined
  /** Set for editors and owners: when the pipeline dialog closes after evidence changed mitigations (reload the model with this notice). */
  onEvidence?: ((notice: string) => void) | undefined
}

export function ModelTools({ store, modelId, reimport, templateName, onEvidence }: Props) {
  const [pipelineOpen, setPipelineOpen] = useState(false)
  const [saving, setSaving] = useState(false)
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
      {pipelineOpen && createPortal(<PipelineDialog modelId={modelId} onEvidence={onEvidence} onClose={() => setPipelineOpen(false)} />, document.body)}
      {templateName !== undefined && (
        <button type="button" onClick={() => setSaving(true)} title="Save this model in your team's templates, to start new models from">
          Save as template
        </button>
      )}
      {saving && templateName !== undefined && createPortal(<SaveTemplateDialog modelId={modelId} modelName={templateName} onClose={() => setSaving(false)} />, document.body)}
      {reimport}
    </>
  )
}
