/**
 * The threat's decision: the live one (acceptance, exception, transfer, not applicable) with its
 * owner and expiry, approval of a pending exception by the team owner, revoking, and recording a
 * new one. The kinds offered follow the projected residual band; the form checks the required
 * fields before sending, and the server's refusal sits next to the field it names.
 */
import { useState } from 'react'
import { decisionApi, type Decision } from '../../api/workflow'
import { asBand } from '../../core/bands'
import {
  DECISION_KINDS,
  DECISION_LABEL,
  decisionBody,
  decisionProblems,
  defaultExpiry,
  emptyDraft,
  expiryLimit,
  FIELD_PATH,
  FIELDS_OF,
  kindRefusal,
  kindsFor,
  localToday,
  type DecisionDraft,
  type DecisionKind,
} from '../../core/decision-form'
import { Field, FormErrors } from '../../components/Field'
import { useAction } from '../useAction'
import { useDrawer } from './context'
import { Select } from '../../components/Select'
import { memberOptions } from '../../core/options'

const KIND_WORDS: Record<string, string> = { acceptance: 'Acceptance', exception: 'Exception', transfer: 'Transfer', not_applicable: 'Not applicable' }

export function DecisionSection() {
  const { assessment, caps } = useDrawer()
  const [recording, setRecording] = useState(false)
  const live = assessment.pending_decision ?? assessment.active_decision
  const past = assessment.decisions.filter((d) => d.status !== 'active' && d.status !== 'pending')
  return (
    <section className="drawer-section" aria-labelledby="drawer-decision">
      <h3 id="drawer-decision">Decision</h3>
      {assessment.active_decision && <DecisionCard decision={assessment.active_decision} />}
      {assessment.pending_decision && <DecisionCard decision={assessment.pending_decision} />}
      {!live && <p className="muted">No decision recorded.</p>}
      {caps.edit && !recording && (
        <div className="drawer-actions">
          <button type="button" onClick={() => setRecording(true)}>
            {live ? 'Record a new decision…' : 'Record a decision…'}
          </button>
        </div>
      )}
      {recording && <DecisionForm onDone={() => setRecording(false)} />}
      {past.length > 0 && (
        <details className="past-decisions">
          <summary>Earlier decisions ({past.length})</summary>
          <ul>
            {past.map((d) => (
              <li key={d.id}>
                {KIND_WORDS[d.kind] ?? d.kind}, {d.status}
                {d.ended_by ? ` by ${d.ended_by}` : ''}
                {d.end_reason ? `: ${d.end_reason}` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  )
}

function DecisionCard({ decision: d }: { decision: Decision }) {
  const { caps, changed } = useDrawer()
  const action = useAction(['reason', 'status', 'expires_on', 'kind'])
  const [revoking, setRevoking] = useState(false)
  const [reason, setReason] = useState('')
  const act = async (request: () => Promise<unknown>) => {
    if (await action.run(request)) changed()
  }
  return (
    <div className={`decision decision-${d.status}`} data-kind={d.kind}>
      <p className="decision-head">
        <strong>{KIND_WORDS[d.kind] ?? d.kind}</strong>{' '}
        <span className="muted">
          {d.status === 'pending' ? 'waits for the team owner’s approval' : d.status}
          {d.score != null ? ` · recorded at residual ${d.score}` : ''}
        </span>
      </p>
      <dl className="facts">
        {d.owner && (
          <>
            <dt>Risk owner</dt>
            <dd>{d.owner}</dd>
          </>
        )}
        {d.expires_on && (
          <>
            <dt>Expires</dt>
            <dd>{d.expires_on}</dd>
          </>
        )}
        {d.justification && (
          <>
            <dt>{d.kind === 'not_applicable' ? 'Reason' : 'Justification'}</dt>
            <dd>{d.justification}</dd>
          </>
        )}
        {d.compensating_controls && (
          <>
            <dt>Compensating</dt>
            <dd>{d.compensating_controls}</dd>
          </>
        )}
        {d.recipient && (
          <>
            <dt>Recipient</dt>
            <dd>{d.recipient}</dd>
          </>
        )}
        {d.evidence && (
          <>
            <dt>Evidence</dt>
            <dd>{d.evidence}</dd>
          </>
        )}
        {d.approved_by && (
          <>
            <dt>Approved</dt>
            <dd>by {d.approved_by}</dd>
          </>
        )}
        {d.created_by && (
          <>
            <dt>Recorded</dt>
            <dd>by {d.created_by}</dd>
          </>
        )}
      </dl>
      <FormErrors messages={action.errors.general} />
      <div className="drawer-actions wrap">
        {d.status === 'pending' && caps.approveExceptions && (
          <button type="button" className="primary" disabled={action.busy} onClick={() => void act(() => decisionApi.approve(d.id))}>
            Approve the exception
          </button>
        )}
        {d.status === 'pending' && !caps.approveExceptions && <span className="muted small-text">Only the team owner approves exceptions.</span>}
        {caps.edit && !revoking && (
          <button type="button" className="small" onClick={() => setRevoking(true)}>
            Revoke…
          </button>
        )}
      </div>
      {revoking && (
        <div className="verify-form">
          <Field label="Why revoke it" error={action.errors.fields.reason}>
            <textarea rows={2} value={reason} maxLength={5000} onChange={(event) => setReason(event.target.value)} />
          </Field>
          <div className="drawer-actions">
            <button type="button" onClick={() => setRevoking(false)}>
              Cancel
            </button>
            <button type="button" className="danger" disabled={action.busy} onClick={() => void act(() => decisionApi.revoke(d.id, reason.trim()))}>
              Revoke (the threat reopens)
            </button>
          </div>
        </div>
      )}
    </div>
  )
}

const LABELS: Record<keyof DecisionDraft, (kind: DecisionKind) => string> = {
  kind: () => 'Kind',
  owner: () => 'Risk owner',
  justification: (kind) => (kind === 'not_applicable' ? 'Why it does not apply' : kind === 'exception' ? 'Justification and remediation plan' : 'Justification'),
  expiresOn: () => 'Expires on',
  compensatingControls: () => 'Compensating controls',
  recipient: () => 'Recipient (who takes the risk over)',
  evidence: () => 'Evidence (SLA, attestation, control id)',
}

function DecisionForm({ onDone }: { onDone: () => void }) {
  const { assessment, members, threatId, changed } = useDrawer()
  const policy = assessment.risk_policy
  const today = localToday()
  const projected = asBand(assessment.risk.projected?.band)
  const fitting = kindsFor(projected)
  const [draft, setDraft] = useState<DecisionDraft>(() => {
    const kind = fitting[0] ?? 'not_applicable'
    return { ...emptyDraft(kind), expiresOn: defaultExpiry(kind, policy, today) }
  })
  const action = useAction(Object.values(FIELD_PATH).concat(['threat']))
  const set = (field: keyof DecisionDraft, value: string) => setDraft((prev) => ({ ...prev, [field]: value }))

  const save = async () => {
    const problems = decisionProblems(draft, projected, policy, today)
    if (Object.keys(problems).length > 0) {
      action.fail({ fields: problems, general: ['Some fields need an answer; nothing was sent.'] })
      return
    }
    if (await action.run(() => decisionApi.create(decisionBody(threatId, draft)))) {
      onDone()
      changed()
    }
  }

  const limit = expiryLimit(draft.kind, policy)
  return (
    <div className="decision-form" role="group" aria-label="Record a decision">
      <FormErrors messages={action.errors.general} />
      <fieldset className="kind-choice">
        <legend>Kind</legend>
        {DECISION_KINDS.map((kind) => {
          const refusal = kindRefusal(kind, projected)
          return (
            <label key={kind} className={refusal ? 'is-disabled' : ''} title={refusal ?? undefined}>
              <input
                type="radio"
                name={`decision-kind-${threatId}`}
                value={kind}
                checked={draft.kind === kind}
                disabled={refusal !== null}
                onChange={() => setDraft((prev) => ({ ...prev, kind, expiresOn: prev.expiresOn || defaultExpiry(kind, policy, today) }))}
              />{' '}
              {DECISION_LABEL[kind]}
            </label>
          )
        })}
        {action.errors.fields.kind && (
          <span className="field-error" role="alert">
            {action.errors.fields.kind}
          </span>
        )}
      </fieldset>
      {draft.kind === 'exception' && <p className="muted small-text">An exception waits for the team owner’s approval and lasts at most {limit} days.</p>}
      {FIELDS_OF[draft.kind].map((field) => {
        const path = FIELD_PATH[field]
        const error = action.errors.fields[path]
        if (field === 'owner') {
          return (
            <Field key={field} label={LABELS.owner(draft.kind)} error={error}>
              <Select value={draft.owner} empty="— choose —" options={memberOptions(members, true)} onChange={(value) => set('owner', value)} />
            </Field>
          )
        }
        if (field === 'expiresOn') {
          return (
            <Field key={field} label={LABELS.expiresOn(draft.kind)} error={error} hint={limit !== null ? `Within ${limit} days.` : 'Optional.'}>
              <input type="date" value={draft.expiresOn} min={today} onChange={(event) => set('expiresOn', event.target.value)} />
            </Field>
          )
        }
        const long = field === 'justification' || field === 'compensatingControls' || field === 'evidence'
        return (
          <Field key={field} label={LABELS[field](draft.kind)} error={error}>
            {long ? (
              <textarea rows={3} value={draft[field]} maxLength={20000} onChange={(event) => set(field, event.target.value)} />
            ) : (
              <input type="text" value={draft[field]} maxLength={200} onChange={(event) => set(field, event.target.value)} />
            )}
          </Field>
        )
      })}
      {action.errors.fields.threat && (
        <p className="field-error" role="alert">
          {action.errors.fields.threat}
        </p>
      )}
      <div className="drawer-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={action.busy} onClick={() => void save()}>
          Record the decision
        </button>
      </div>
    </div>
  )
}
