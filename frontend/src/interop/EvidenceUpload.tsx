/**
 * Machine evidence from the browser: a scanner's report (Kyverno PolicyReport, Kubescape JSON, SARIF)
 * uploaded to `POST …/evidence/`, the same call a pipeline makes (docs/guardrails.md). The server
 * matches results to the model's mitigations through their controls, verifies the ones whose results
 * all pass (when someone other than the implementer uploads) and reopens verified ones that fail;
 * this shows what it did, reopened first, and what matched nothing.
 */
import { useState } from 'react'
import { interopApi, type EvidenceAnswer } from '../api/interop'
import { Field } from '../components/Field'
import { Select } from '../components/Select'
import { refusalOf } from '../core/interop'
import { evidenceHeadline, evidenceMitigationLines, evidenceOutcome } from '../core/pipeline'
import { Refusal } from './Refusal'

const FORMATS = [
  { value: 'policyreport', label: 'Kyverno PolicyReport (YAML or JSON)' },
  { value: 'kubescape', label: 'Kubescape JSON result' },
  { value: 'sarif', label: 'SARIF 2.1.0 log' },
]

export function EvidenceUpload({ modelId, onChanged }: { modelId: number; onChanged: (notice: string) => void }) {
  const [file, setFile] = useState<File | null>(null)
  const [format, setFormat] = useState('')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<{ message: string; problems: string[] } | null>(null)
  const [answer, setAnswer] = useState<EvidenceAnswer | null>(null)

  const upload = async () => {
    if (!file) return
    setBusy(true)
    setRefusal(null)
    setAnswer(null)
    try {
      const got = await interopApi.uploadEvidence(modelId, file, format || undefined)
      setAnswer(got)
      if (got.summary.verified || got.summary.reopened) onChanged(`Evidence from “${got.file}”: ${evidenceOutcome(got)}.`)
    } catch (error) {
      setRefusal(refusalOf(error, 'The report could not be sent.'))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-label="Evidence">
      <h3 className="panel-title">Evidence from scanners</h3>
      <p className="muted">
        A scanner&apos;s report verifies the implemented mitigations whose results all pass, and reopens verified ones that now fail. Someone other
        than the mitigation&apos;s implementer must upload it.
      </p>
      <Field label="Report file">
        <input type="file" accept=".json,.yaml,.yml,.sarif" onChange={(event) => setFile(event.target.files?.[0] ?? null)} />
      </Field>
      <Field label="Report format">
        <Select value={format} empty="Recognise from the content" options={FORMATS} onChange={setFormat} />
      </Field>
      <Refusal refusal={refusal} />
      <div className="modal-actions">
        <button type="button" className="primary" disabled={!file || busy} onClick={() => void upload()}>
          {busy ? 'Uploading…' : 'Upload evidence'}
        </button>
      </div>
      {answer && (
        <div className="evidence-answer" role="status">
          <p>{evidenceHeadline(answer)}</p>
          <p>
            <strong>{evidenceOutcome(answer)}</strong>
          </p>
          {answer.mitigations.length > 0 && (
            <ul className="report-list evidence-mitigations">
              {evidenceMitigationLines(answer).map((line) => (
                <li key={line.key} className={`evidence-${line.did}`}>
                  {line.text}
                </li>
              ))}
            </ul>
          )}
          {answer.unmatched.length > 0 && (
            <details className="evidence-unmatched">
              <summary>
                {answer.unmatched.length === 1 ? '1 result matches' : `${answer.unmatched.length} results match`} no mitigation of this model
              </summary>
              <ul>
                {answer.unmatched.slice(0, 50).map((row, index) => (
                  <li key={index}>
                    {String(row['key'] ?? '')} — {String(row['outcome'] ?? '')}
                    {row['message'] ? `: ${String(row['message'])}` : ''}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </section>
  )
}
