/**
 * The review board's PDF: ask for one (A4 or Letter), follow it — queued, running, done or failed
 * with the reason — and download it when it is done. Earlier reports of the model stay listed, so
 * a board can fetch what it signed.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError } from '../api/client'
import { interopApi, type Paper, type Report } from '../api/interop'
import { isFinished, pollReport, REPORT_STEPS, reportLine } from '../core/interop'
import { Modal } from '../workflow/Modal'

export function ReportDialog({ modelId, onClose }: { modelId: number; onClose: () => void }) {
  const [paper, setPaper] = useState<Paper>('a4')
  const [reports, setReports] = useState<Report[] | null>(null)
  const [current, setCurrent] = useState<Report | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const closed = useRef(false)
  useEffect(
    () => () => {
      closed.current = true
    },
    [],
  )

  const loadList = useCallback(() => {
    interopApi.reports(modelId).then(setReports, (error: unknown) => setProblem(error instanceof Error ? error.message : 'Reports could not be loaded.'))
  }, [modelId])
  useEffect(loadList, [loadList])

  const follow = useCallback(
    async (report: Report) => {
      setCurrent(report)
      const final = await pollReport(() => interopApi.report(modelId, report.id), {
        intervalMs: 2000,
        onUpdate: (r) => !closed.current && setCurrent(r),
        cancelled: () => closed.current,
      })
      if (!closed.current && !isFinished(final.status)) setProblem('The report is taking longer than expected; look again later.')
      if (!closed.current) loadList()
    },
    [modelId, loadList],
  )

  const request = async () => {
    setProblem(null)
    try {
      await follow(await interopApi.requestReport(modelId, paper))
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : 'The report could not be requested.')
    }
  }

  const running = current !== null && !isFinished(current.status)
  return (
    <Modal title="Report for the review board" onClose={onClose}>
      <p>A PDF of the model as it is now: diagrams, the threat register by residual risk, heat maps, decisions, coverage and a sign-off page.</p>
      <fieldset className="kind-choice">
        <legend>Paper</legend>
        {(['a4', 'letter'] as const).map((size) => (
          <label key={size}>
            <input type="radio" name="report-paper" value={size} checked={paper === size} onChange={() => setPaper(size)} /> {size === 'a4' ? 'A4' : 'Letter'}
          </label>
        ))}
      </fieldset>
      <div className="modal-actions">
        <button type="button" className="primary" disabled={running} onClick={() => void request()}>
          Request the report
        </button>
      </div>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {current && <ReportProgress report={current} />}
      {reports && reports.length > 0 && (
        <section aria-label="Earlier reports">
          <h3 className="panel-title">Reports of this model</h3>
          <ul className="report-list">
            {reports.map((r) => (
              <li key={r.id}>
                <span>{reportLine(r)}</span>
                {r.download_url && (
                  <a href={r.download_url} download>
                    Download
                  </a>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </Modal>
  )
}

function ReportProgress({ report }: { report: Report }) {
  const failed = report.status === 'failed'
  const reached = failed ? -1 : REPORT_STEPS.indexOf(report.status)
  return (
    <div className={`report-progress${failed ? ' is-failed' : ''}`} role="status" aria-live="polite">
      <ol className="report-steps">
        {REPORT_STEPS.map((step, i) => (
          <li key={step} className={i < reached ? 'is-done' : i === reached ? 'is-current' : ''}>
            {i < reached || (step === 'done' && reached === i) ? '✓ ' : ''}
            {step === 'queued' ? 'Queued' : step === 'running' ? 'Rendering' : 'Done'}
          </li>
        ))}
        {failed && <li className="is-failed">Failed</li>}
      </ol>
      <p>{reportLine(report)}</p>
      {report.download_url && (
        <a className="button-link primary" href={report.download_url} download>
          Download the PDF
        </a>
      )}
    </div>
  )
}
