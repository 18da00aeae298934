/**
 * The model in pipelines: the runs of `POST …/check/` (who, which commit, the verdict and counts)
 * and the guardrails generated from the model, to download and review (docs/ci.md,
 * docs/guardrails.md). Any member sees both; the runs come from pipelines, not from this dialog.
 * Editors and owners can also upload a scanner's report as evidence for the mitigations.
 */
import { useEffect, useState } from 'react'
import { interopApi, type CheckRun } from '../api/interop'
import { checkLine, GUARDRAIL_KINDS, guardrailsUrl } from '../core/pipeline'
import { Modal } from '../workflow/Modal'
import { EvidenceUpload } from './EvidenceUpload'

interface Props {
  modelId: number
  /** Set for editors and owners, who may upload evidence; called on closing when an upload changed mitigations. */
  onEvidence?: ((notice: string) => void) | undefined
  onClose: () => void
}

export function PipelineDialog({ modelId, onEvidence, onClose }: Props) {
  // What the uploads changed, said once the dialog closes (reloading at once would close it on the answer).
  const [changed, setChanged] = useState<string | null>(null)
  const close = () => {
    onClose()
    if (changed && onEvidence) onEvidence(changed)
  }
  const [runs, setRuns] = useState<CheckRun[] | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => {
    let cancelled = false
    interopApi.checks(modelId).then(
      (r) => !cancelled && setRuns(r),
      (error: unknown) => !cancelled && setProblem(error instanceof Error ? error.message : 'The check runs could not be loaded.'),
    )
    return () => {
      cancelled = true
    }
  }, [modelId])
  return (
    <Modal title="Pipeline checks and guardrails" onClose={close}>
      <section aria-label="Check runs">
        <h3 className="panel-title">Check runs</h3>
        <p className="muted">
          A pipeline with an API token posts its manifests to <code>/api/v1/threat-models/{modelId}/check/</code> and gets SARIF and a
          verdict under this model&apos;s risk bands and decisions.
        </p>
        {problem && (
          <p className="form-error" role="alert">
            {problem}
          </p>
        )}
        {!runs && !problem && <p className="muted">Loading…</p>}
        {runs && runs.length === 0 && <p>No pipeline has checked this model yet.</p>}
        {runs && runs.length > 0 && (
          <ul className="report-list check-runs">
            {runs.map((run) => (
              <li key={run.id} className={run.result === 'failed' ? 'is-failed' : 'is-passed'}>
                <span>{checkLine(run)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-label="Guardrails">
        <h3 className="panel-title">Guardrails from the model</h3>
        <p className="muted">Kubernetes policies generated from the diagram and the mitigations, as YAML to review before applying.</p>
        <ul className="report-list">
          <li>
            <a href={guardrailsUrl(modelId)} download>
              Every guardrail
            </a>
          </li>
          {GUARDRAIL_KINDS.map(([kind, label]) => (
            <li key={kind}>
              <a href={guardrailsUrl(modelId, kind)} download>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </section>
      {onEvidence && <EvidenceUpload modelId={modelId} onChanged={setChanged} />}
    </Modal>
  )
}
