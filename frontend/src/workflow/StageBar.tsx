/**
 * The stage bar: design → break → fix → verify → approved, the current stage, what blocks the next
 * step (from the gates answer; each item a link to its object), the step itself for those whose
 * role may take it, and reopening with a reason. Sign-off is a reviewer's act: an editor is not
 * offered it, and the sole author sees the server's reason instead of a button that would fail.
 */
import { useEffect, useState } from 'react'
import { ApiError } from '../api/client'
import type { GateItem, GateReport, HeatMap } from '../api/workflow'
import { BAND_LABEL, bandClass, BANDS } from '../core/bands'
import { bandTotal, MEASURE_LABEL, stageMeasure, type Measure } from '../core/heat-map'
import { blockingSummary, groupItems, targetVerb, type GateTarget } from '../core/gate-targets'
import { placeErrors, type PlacedErrors, NO_ERRORS } from '../core/form-errors'
import { advanceLabel, capabilities, earlierStages, mayTakeNextStep, nextStage, STAGE_LABEL, STAGE_QUESTION, STAGES, type Stage } from '../core/workflow'
import { Field, FormErrors } from '../components/Field'
import { Modal } from './Modal'
import { Select } from '../components/Select'

interface Props {
  gates: GateReport | null
  stage: Stage
  role: string | null
  loadError: string | null
  targetOf: (item: GateItem) => GateTarget
  onTarget: (item: GateItem) => void
  onAdvance: (to: Stage, note: string) => Promise<void>
  onReopen: (to: Stage, reason: string) => Promise<void>
  /** The name of the element or flow a threat item is about (from its fingerprint). */
  where: (item: GateItem) => string | null
  heat: HeatMap | null
}

const ITEMS_SHOWN = 40

export function StageBar({ gates, stage, role, loadError, targetOf, onTarget, onAdvance, onReopen, where, heat }: Props) {
  const [open, setOpen] = useState(false)
  const [approving, setApproving] = useState(false)
  const [reopening, setReopening] = useState(false)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const next = nextStage(stage)
  const caps = capabilities(role, stage)
  const blocking = gates?.blocking ?? []
  const yours = gates?.your_blocking ?? []
  const warnings = gates?.warnings ?? []
  const mayStep = next !== null && mayTakeNextStep(caps, stage)
  // Going to an item closes the list, so the element, the drawer or the dialog it opens is in view.
  const go = (item: GateItem) => {
    setOpen(false)
    onTarget(item)
  }
  const label = advanceLabel(stage)

  useEffect(() => {
    setProblem(null)
    setOpen(false)
  }, [stage])

  const step = async (note = '') => {
    if (!next) return
    setBusy(true)
    setProblem(null)
    try {
      await onAdvance(next, note)
      setApproving(false)
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : 'The step could not be taken.')
      if (error instanceof ApiError && error.status === 409) setOpen(true)
    } finally {
      setBusy(false)
    }
  }

  return (
    <nav className="stage-bar" aria-label="Workflow stage" onKeyDown={(event) => event.key === 'Escape' && open && (event.stopPropagation(), setOpen(false))}>
      <ol className="stage-steps">
        {STAGES.map((s) => (
          <li
            key={s}
            className={s === stage ? 'is-current' : STAGES.indexOf(s) < STAGES.indexOf(stage) ? 'is-done' : ''}
            aria-current={s === stage ? 'step' : undefined}
            title={STAGE_QUESTION[s]}
          >
            {STAGES.indexOf(s) < STAGES.indexOf(stage) && <span aria-hidden="true">✓ </span>}
            {STAGE_LABEL[s]}
          </li>
        ))}
      </ol>
      <span className="stage-question muted">{STAGE_QUESTION[stage]}</span>
      <div className="stage-status">
        {loadError && (
          <span className="form-error" role="alert">
            Gates: {loadError}
          </span>
        )}
        {gates && (
          <button
            type="button"
            className={`gate-summary${blocking.length > 0 ? ' is-blocked' : ' is-clear'}`}
            aria-expanded={open}
            aria-controls="gate-panel"
            onClick={() => setOpen((o) => !o)}
          >
            {blockingSummary(blocking.length, STAGE_LABEL[stage], next ? STAGE_LABEL[next] : null)}
          </button>
        )}
        {heat && heat.rated > 0 && <BandSummary heat={heat} measure={stageMeasure(stage)} />}
        {gates?.diagram_changed_since_break && (
          <span className="drift-chip" role="status" title="Run the analysis so the threats describe the diagram as it is now">
            ⚠ Diagram changed since break
          </span>
        )}
        {warnings.some((w) => w.code === 'band_changes') && (
          <button type="button" className="warn-chip" onClick={() => onTarget(warnings.find((w) => w.code === 'band_changes')!)}>
            ⚠ Band changes to review
          </button>
        )}
      </div>
      <div className="stage-actions">
        {caps.reopen && (
          <button type="button" onClick={() => setReopening(true)}>
            Reopen…
          </button>
        )}
        {next && mayStep && label && (
          <button
            type="button"
            className="primary"
            disabled={busy || !gates?.can_advance}
            onClick={() => (next === 'approved' ? setApproving(true) : void step())}
            title={gates?.can_advance ? undefined : 'Clear what blocks the step first'}
          >
            {label}
          </button>
        )}
      </div>
      {next === 'approved' && yours.length > 0 && (
        <p className="signoff-refusal" role="status">
          <strong>Sign-off:</strong> {yours.map((item) => item.message).join(' ')}
        </p>
      )}
      {problem && (
        <p className="stage-problem form-error" role="alert">
          {problem}
        </p>
      )}
      {open && gates && (blocking.length > 0 || warnings.length > 0) && (
        <div
          id="gate-panel"
          className="gate-panel"
          role="region"
          aria-label="What blocks the next stage"
        >
          <div className="gate-panel-head">
            <strong>{blockingSummary(blocking.length, STAGE_LABEL[stage], next ? STAGE_LABEL[next] : null)}</strong>
            <button type="button" className="small" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
          {groupItems(blocking).map((group, index) => (
            <GateGroupView key={group.code} title={group.title} items={group.items} defaultOpen={index === 0} targetOf={targetOf} onTarget={go} where={where} />
          ))}
          {warnings.length > 0 && <GateGroupView title="Warnings (do not block)" items={warnings} defaultOpen targetOf={targetOf} onTarget={go} where={where} />}
        </div>
      )}
      {approving && next === 'approved' && <ApproveDialog busy={busy} problem={problem} onCancel={() => setApproving(false)} onApprove={(note) => void step(note)} />}
      {reopening && <ReopenDialog stage={stage} onCancel={() => setReopening(false)} onReopen={async (to, reason) => {
        await onReopen(to, reason)
        setReopening(false)
      }} />}
    </nav>
  )
}

function BandSummary({ heat, measure }: { heat: HeatMap; measure: Measure }) {
  const label = `${MEASURE_LABEL[measure]} risk`
  return (
    <span className="stage-bands" role="group" aria-label={`${label} by band`} title={`${label} by band (the measure this stage's gate reads)`}>
      <span className="muted small-text">{measure === 'inherent' ? 'Inherent' : measure === 'projected' ? 'Projected' : 'Verified'}:</span>
      {BANDS.filter((band) => bandTotal(heat, measure, band) > 0).map((band) => (
        <span key={band} className={`band-chip ${bandClass(band)}`} data-band={band}>
          {bandTotal(heat, measure, band)} {BAND_LABEL[band].toLowerCase()}
        </span>
      ))}
    </span>
  )
}

function GateGroupView({ title, items, defaultOpen, targetOf, onTarget, where }: {
  title: string
  items: GateItem[]
  defaultOpen: boolean
  targetOf: (item: GateItem) => GateTarget
  onTarget: (item: GateItem) => void
  where: (item: GateItem) => string | null
}) {
  const [all, setAll] = useState(false)
  const shown = all ? items : items.slice(0, ITEMS_SHOWN)
  return (
    <details className="gate-group" open={defaultOpen}>
      <summary>
        {title} <span className="count">{items.length}</span>
      </summary>
      <ul>
        {shown.map((item, i) => {
          const target = targetOf(item)
          const verb = targetVerb(target)
          const place = where(item)
          return (
            <li key={`${item.code}-${item.object.type}-${item.object.id ?? ''}-${item.object.key ?? ''}-${i}`}>
              {verb ? (
                <button type="button" className="gate-item" data-code={item.code} onClick={() => onTarget(item)}>
                  <span>
                    {item.message}
                    {place && <span className="gate-where"> — on {place}</span>}
                  </span>
                  <span className="gate-verb">{verb} ›</span>
                </button>
              ) : (
                <span className="gate-item is-plain">{item.message}</span>
              )}
            </li>
          )
        })}
      </ul>
      {items.length > shown.length && (
        <button type="button" className="small" onClick={() => setAll(true)}>
          Show all {items.length}
        </button>
      )}
    </details>
  )
}

function ApproveDialog({ busy, problem, onCancel, onApprove }: { busy: boolean; problem: string | null; onCancel: () => void; onApprove: (note: string) => void }) {
  const [note, setNote] = useState('')
  return (
    <Modal title="Approve the threat model" onClose={onCancel}>
      <p>
        Your sign-off freezes a snapshot of the model — diagrams, threats, mitigations, decisions and the risk policy — that no one can
        change afterwards.
      </p>
      <Field label="Sign-off note (optional)">
        <textarea rows={3} value={note} maxLength={5000} onChange={(event) => setNote(event.target.value)} />
      </Field>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      <div className="modal-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={busy} onClick={() => onApprove(note)}>
          Approve and freeze
        </button>
      </div>
    </Modal>
  )
}

function ReopenDialog({ stage, onCancel, onReopen }: { stage: Stage; onCancel: () => void; onReopen: (to: Stage, reason: string) => Promise<void> }) {
  const options = earlierStages(stage)
  const [to, setTo] = useState<Stage>(options[options.length - 1] ?? 'design')
  const [reason, setReason] = useState('')
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS)
  const [busy, setBusy] = useState(false)
  const submit = async () => {
    if (!reason.trim()) {
      setErrors({ fields: { reason: 'Say why the model goes back.' }, general: [] })
      return
    }
    setBusy(true)
    try {
      await onReopen(to, reason.trim())
    } catch (error) {
      setErrors(placeErrors(error, ['to', 'reason']))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal title="Reopen the model" onClose={onCancel}>
      <FormErrors messages={errors.general} />
      <Field label="Back to" error={errors.fields.to}>
        <Select value={to} options={options.map((s) => ({ value: s, label: STAGE_LABEL[s] }))} onChange={(value) => setTo(value as Stage)} />
      </Field>
      <Field label="Reason" error={errors.fields.reason} hint="Recorded in the audit trail with your name.">
        <textarea rows={3} value={reason} maxLength={5000} onChange={(event) => setReason(event.target.value)} />
      </Field>
      <div className="modal-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={busy} onClick={() => void submit()}>
          Reopen
        </button>
      </div>
    </Modal>
  )
}
