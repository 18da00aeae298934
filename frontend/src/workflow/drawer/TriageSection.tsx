/**
 * Triage and status: keep the threat or mark it a duplicate of another; set it open, mitigated or
 * eliminated (accepted, transferred and not applicable follow a decision, below).
 */
import { useMemo, useState } from 'react'
import { assessedThreat, threatApi } from '../../api/workflow'
import type { EditorThreat } from '../../core/threats'
import { Field, FormErrors } from '../../components/Field'
import { useAction } from '../useAction'
import { useDrawer } from './context'
import { Select } from '../../components/Select'

const STATUS_WORDS: Record<string, string> = {
  open: 'Open',
  mitigated: 'Mitigated',
  accepted: 'Accepted',
  transferred: 'Transferred',
  eliminated: 'Eliminated',
  not_applicable: 'Not applicable',
  obsolete: 'Obsolete (the analysis no longer raises it)',
}

export function statusWords(status: string): string {
  return STATUS_WORDS[status] ?? status.replace(/_/g, ' ')
}

export function TriageSection({ threats }: { threats: readonly EditorThreat[] }) {
  const { assessment, caps, threatId, changed } = useDrawer()
  const threat = assessedThreat(assessment)
  const triage = useAction(['triaged', 'duplicate_of'])
  const [duplicateOf, setDuplicateOf] = useState('')
  const others = useMemo(() => {
    const same = (t: EditorThreat) => (t.element ?? t.flow) === (threat.flow_key || threat.element_key) && t.stride === threat.stride
    return threats.filter((t) => t.id !== threatId && !t.duplicate).sort((a, b) => Number(same(b)) - Number(same(a)) || a.title.localeCompare(b.title))
  }, [threats, threatId, threat.element_key, threat.flow_key, threat.stride])
  const original = threat.duplicate_of != null ? threats.find((t) => t.id === threat.duplicate_of) : undefined

  const change = async (body: Parameters<typeof threatApi.triage>[1]) => {
    if (await triage.run(() => threatApi.triage(threatId, body))) changed()
  }

  let state: string
  if (threat.duplicate_of != null) state = `A duplicate of “${original?.title ?? `threat ${threat.duplicate_of}`}”: the workflow leaves it out.`
  else if (threat.status === 'not_applicable') state = 'Not applicable (see the decision below).'
  else if (threat.triaged) state = 'Kept: the team agrees it applies.'
  else state = 'Not triaged yet: keep it, mark it a duplicate, or record why it does not apply.'

  return (
    <section className="drawer-section" aria-labelledby="drawer-triage">
      <h3 id="drawer-triage">Triage</h3>
      <p className={threat.triaged || threat.duplicate_of != null ? '' : 'needs-work'}>{state}</p>
      <FormErrors messages={triage.errors.general} />
      {caps.edit && threat.duplicate_of == null && (
        <div className="drawer-actions wrap">
          {!threat.triaged && threat.status !== 'not_applicable' && (
            <button type="button" className="primary" disabled={triage.busy} onClick={() => void change({ triaged: true })}>
              Keep
            </button>
          )}
          <Field label="Duplicate of" error={triage.errors.fields.duplicate_of} className="grow">
            <Select
              value={duplicateOf}
              empty="— choose the threat it repeats —"
              options={others.map((t) => ({ value: t.id, label: `${t.stride} · ${t.title}` }))}
              onChange={setDuplicateOf}
            />
          </Field>
          <button type="button" disabled={!duplicateOf || triage.busy} onClick={() => void change({ duplicate_of: Number(duplicateOf) })}>
            Mark duplicate
          </button>
        </div>
      )}
      {caps.edit && threat.duplicate_of != null && (
        <button type="button" disabled={triage.busy} onClick={() => void change({ duplicate_of: null })}>
          Not a duplicate
        </button>
      )}
    </section>
  )
}

export function StatusSection() {
  const { assessment, caps, threatId, changed } = useDrawer()
  const threat = assessedThreat(assessment)
  const action = useAction(['status', 'reason'])
  const [status, setStatus] = useState(threat.status === 'mitigated' || threat.status === 'eliminated' ? threat.status : 'open')
  const [reason, setReason] = useState('')
  const decided = assessment.active_decision
  const save = async () => {
    if (status === 'eliminated' && !reason.trim()) {
      action.fail({ fields: { reason: 'Say which design change removed it.' }, general: [] })
      return
    }
    if (await action.run(() => threatApi.setStatus(threatId, status, reason.trim()))) {
      setReason('')
      changed()
    }
  }
  return (
    <section className="drawer-section" aria-labelledby="drawer-status">
      <h3 id="drawer-status">Status</h3>
      <p>
        <span className={`status status-${threat.status}`}>{statusWords(threat.status)}</span>
        {decided && <span className="muted small-text"> — follows its {decided.kind.replace(/_/g, ' ')}; revoke the decision to change it.</span>}
      </p>
      {caps.edit && !decided && threat.status !== 'obsolete' && (
        <>
          <FormErrors messages={action.errors.general} />
          <div className="field-row">
            <Field label="Set the status" error={action.errors.fields.status}>
              <select value={status} onChange={(event) => setStatus(event.target.value as typeof status)}>
                <option value="open">Open</option>
                <option value="mitigated">Mitigated (a planned mitigation answers it)</option>
                <option value="eliminated">Eliminated (the design no longer has it)</option>
              </select>
            </Field>
          </div>
          {status === 'eliminated' && (
            <Field label="Reason" error={action.errors.fields.reason}>
              <textarea rows={2} value={reason} maxLength={5000} onChange={(event) => setReason(event.target.value)} />
            </Field>
          )}
          <div className="drawer-actions">
            <button type="button" disabled={action.busy || status === threat.status} onClick={() => void save()}>
              Save status
            </button>
          </div>
        </>
      )}
    </section>
  )
}
