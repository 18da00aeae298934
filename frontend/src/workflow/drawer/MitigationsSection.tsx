/**
 * The threat's mitigations: each with its status, control, ATT&CK mitigations, expected effect,
 * owner and evidence; status changes and unlinking for editors; verifying with evidence for a
 * reviewer who did not implement it. New ones start from a catalogue control and the ATT&CK
 * mitigations suggested by the threat's techniques; existing ones (one mitigation may answer many
 * threats) are linked.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import { assessedThreat, mitigationApi, type Control, type Mitigation } from '../../api/workflow'
import { orderedControls } from '../../core/control-order'
import { verifyRefusal } from '../../core/workflow'
import { Field, FormErrors } from '../../components/Field'
import { MitigationFields } from '../MitigationFields'
import { useAction } from '../useAction'
import { useDrawer } from './context'
import { Select } from '../../components/Select'

const STATUS_LABEL: Record<string, string> = { proposed: 'Proposed', planned: 'Planned', implemented: 'Implemented', verified: 'Verified' }

export function MitigationsSection({ focus }: { focus: number | null }) {
  const { assessment, caps, modelMitigations } = useDrawer()
  const linked = assessment.mitigations
  const [adding, setAdding] = useState(false)
  return (
    <section className="drawer-section" aria-labelledby="drawer-mitigations">
      <h3 id="drawer-mitigations">
        Mitigations <span className="count">{linked.length}</span>
      </h3>
      {linked.length === 0 && <p className="muted">No mitigation answers this threat yet.</p>}
      <ul className="mitigation-list">
        {linked.map((m) => (
          <MitigationCard key={m.id} mitigation={m} focused={m.id === focus} />
        ))}
      </ul>
      {caps.edit && (
        <>
          <div className="drawer-actions">
            <button type="button" aria-expanded={adding} onClick={() => setAdding((open) => !open)}>
              {adding ? 'Cancel the new mitigation' : 'New mitigation…'}
            </button>
          </div>
          {adding && <NewMitigation onDone={() => setAdding(false)} />}
          <LinkExisting candidates={modelMitigations.filter((m) => !linked.some((l) => l.id === m.id))} />
        </>
      )}
    </section>
  )
}

function safeUrl(url: string): string | null {
  return /^https?:\/\//i.test(url) ? url : null
}

function MitigationCard({ mitigation: m, focused }: { mitigation: Mitigation; focused: boolean }) {
  const { caps, username, threatId, controls, changed } = useDrawer()
  const action = useAction(['status', 'evidence_url', 'evidence', 'verified_by', 'threats'])
  const [verifying, setVerifying] = useState(false)
  const [evidenceUrl, setEvidenceUrl] = useState('')
  const [evidence, setEvidence] = useState('')
  const card = useRef<HTMLLIElement>(null)
  const control = controls.find((c) => c.id === m.control)
  const refusal = verifyRefusal(caps, m, username)
  const link = safeUrl(m.evidence_url)

  useEffect(() => {
    if (focused) card.current?.scrollIntoView({ block: 'nearest' })
  }, [focused])

  const act = async (request: () => Promise<unknown>) => {
    if (await action.run(request)) changed()
  }
  const verify = async () => {
    if (!evidenceUrl.trim() && !evidence.trim()) {
      action.fail({ fields: { evidence: 'Give a link or a text: what shows it is in place?' }, general: [] })
      return
    }
    await act(() => mitigationApi.verify(m.id, { evidence_url: evidenceUrl.trim(), evidence: evidence.trim() }))
  }

  return (
    <li ref={card} className={`mitigation${focused ? ' is-focused' : ''}`} data-ref={m.ref}>
      <div className="mitigation-head">
        <strong>
          {m.ref} · {m.title}
        </strong>
        <span className={`mstatus mstatus-${m.status}`}>{STATUS_LABEL[m.status] ?? m.status}</span>
      </div>
      {m.description && <p className="small-text">{m.description}</p>}
      <dl className="facts">
        {m.control && (
          <>
            <dt>Control</dt>
            <dd>
              {m.control}
              {control ? ` · ${control.name}` : ''}
            </dd>
          </>
        )}
        {m.attack_mitigations.length > 0 && (
          <>
            <dt>ATT&amp;CK</dt>
            <dd>{m.attack_mitigations.join(', ')}</dd>
          </>
        )}
        <dt>Effect</dt>
        <dd>
          likelihood −{m.likelihood_reduction}, impact −{m.impact_reduction}
        </dd>
        {m.owner && (
          <>
            <dt>Owner</dt>
            <dd>{m.owner}</dd>
          </>
        )}
        {m.implemented_by && (
          <>
            <dt>Implemented</dt>
            <dd>by {m.implemented_by}</dd>
          </>
        )}
        {m.verified_by && (
          <>
            <dt>Verified</dt>
            <dd>
              by {m.verified_by}
              {m.verified_at ? ` on ${new Date(m.verified_at).toLocaleDateString()}` : ''}
            </dd>
          </>
        )}
        {(m.evidence_url || m.evidence) && (
          <>
            <dt>Evidence</dt>
            <dd>
              {link ? (
                <a href={link} target="_blank" rel="noopener noreferrer">
                  {m.evidence_url}
                </a>
              ) : (
                m.evidence_url
              )}
              {m.evidence && <span className="evidence-text">{m.evidence}</span>}
            </dd>
          </>
        )}
        {m.threats.length > 1 && (
          <>
            <dt>Answers</dt>
            <dd>{m.threats.length} threats</dd>
          </>
        )}
      </dl>
      <FormErrors messages={action.errors.general} />
      {action.errors.fields.status && <p className="field-error" role="alert">{action.errors.fields.status}</p>}
      <div className="drawer-actions wrap">
        {caps.edit && m.status !== 'verified' && (
          <Field label="Status" className="inline">
            <select value={m.status} disabled={action.busy} onChange={(event) => void act(() => mitigationApi.setStatus(m.id, event.target.value))}>
              <option value="proposed">Proposed</option>
              <option value="planned">Planned</option>
              <option value="implemented">Implemented</option>
            </select>
          </Field>
        )}
        {refusal === null && !verifying && (
          <button type="button" className="primary" onClick={() => setVerifying(true)}>
            Verify…
          </button>
        )}
        {refusal !== null && caps.verify && m.status === 'implemented' && <span className="muted small-text">{refusal}</span>}
        {caps.edit && (
          <button type="button" className="small" disabled={action.busy} onClick={() => void act(() => mitigationApi.unlink(m.id, [threatId]))}>
            Unlink
          </button>
        )}
      </div>
      {verifying && (
        <div className="verify-form" role="group" aria-label={`Verify ${m.ref}`}>
          <Field label="Evidence link" error={action.errors.fields.evidence_url} hint="A pull request, a CI result, a policy rule…">
            <input type="url" value={evidenceUrl} maxLength={1000} onChange={(event) => setEvidenceUrl(event.target.value)} placeholder="https://" />
          </Field>
          <Field label="Evidence (text)" error={action.errors.fields.evidence ?? action.errors.fields.verified_by}>
            <textarea rows={2} value={evidence} maxLength={20000} onChange={(event) => setEvidence(event.target.value)} />
          </Field>
          <div className="drawer-actions">
            <button type="button" onClick={() => setVerifying(false)}>
              Cancel
            </button>
            <button type="button" className="primary" disabled={action.busy} onClick={() => void verify()}>
              Verify with this evidence
            </button>
          </div>
        </div>
      )}
    </li>
  )
}

function NewMitigation({ onDone }: { onDone: () => void }) {
  const { assessment, controls, members, rule, modelId, threatId, changed } = useDrawer()
  const threat = assessedThreat(assessment)
  const groups = useMemo(() => orderedControls(controls, rule?.controls ?? [], threat.stride), [controls, rule, threat.stride])
  const firstControl = groups.suggested[0]
  const [control, setControl] = useState(firstControl?.id ?? '')
  const [title, setTitle] = useState(firstControl?.name ?? '')
  const [description, setDescription] = useState(rule?.mitigation ?? '')
  const [attack, setAttack] = useState<ReadonlySet<string>>(new Set())
  const [lReduction, setLReduction] = useState(1)
  const [iReduction, setIReduction] = useState(0)
  const [status, setStatus] = useState('planned')
  const [owner, setOwner] = useState('')
  const action = useAction(['title', 'description', 'control', 'attack_mitigations', 'likelihood_reduction', 'impact_reduction', 'status', 'owner', 'threats'])

  const save = async () => {
    if (!title.trim()) {
      action.fail({ fields: { title: 'Give it a title.' }, general: [] })
      return
    }
    const ok = await action.run(() =>
      mitigationApi.create({
        threat_model: modelId,
        title: title.trim(),
        description: description.trim(),
        control: control || null,
        attack_mitigations: [...attack],
        likelihood_reduction: lReduction,
        impact_reduction: iReduction,
        status: status as 'planned',
        owner: owner || null,
        threats: [threatId],
      }),
    )
    if (ok) {
      onDone()
      changed()
    }
  }

  const option = (c: Control) => (
    <option key={c.id} value={c.id}>
      {c.id} · {c.name}
    </option>
  )
  return (
    <div className="new-mitigation" role="group" aria-label="New mitigation">
      <FormErrors messages={action.errors.general} />
      <Field label="Catalogue control" error={action.errors.fields.control} hint="The cloud-native controls catalogue (CNCF TAG Security).">
        <select
          value={control}
          onChange={(event) => {
            const picked = controls.find((c) => c.id === event.target.value)
            if (picked && (!title.trim() || controls.some((c) => c.name === title))) setTitle(picked.name)
            setControl(event.target.value)
          }}
        >
          <option value="">— none —</option>
          {groups.suggested.length > 0 && <optgroup label="Suggested by the rule">{groups.suggested.map(option)}</optgroup>}
          {groups.letter.length > 0 && <optgroup label={`Counter ${threat.stride}`}>{groups.letter.map(option)}</optgroup>}
          <optgroup label="Other controls">{groups.rest.map(option)}</optgroup>
        </select>
      </Field>
      <Field label="Title" error={action.errors.fields.title}>
        <input type="text" value={title} maxLength={300} onChange={(event) => setTitle(event.target.value)} />
      </Field>
      <Field label="Description" error={action.errors.fields.description}>
        <textarea rows={3} value={description} maxLength={20000} onChange={(event) => setDescription(event.target.value)} />
      </Field>
      {assessment.suggested_attack_mitigations.length > 0 && (
        <fieldset className="prop-group">
          <legend>ATT&amp;CK mitigations suggested by the techniques</legend>
          {action.errors.fields.attack_mitigations && (
            <p className="field-error" role="alert">
              {action.errors.fields.attack_mitigations}
            </p>
          )}
          {assessment.suggested_attack_mitigations.map((s) => (
            <label key={s.attack_id} className="check-line">
              <input
                type="checkbox"
                checked={attack.has(s.attack_id)}
                onChange={(event) =>
                  setAttack((prev) => {
                    const next = new Set(prev)
                    if (event.target.checked) next.add(s.attack_id)
                    else next.delete(s.attack_id)
                    return next
                  })
                }
              />{' '}
              {s.attack_id} · {s.name} <span className="muted small-text">({s.techniques.join(', ')})</span>
            </label>
          ))}
        </fieldset>
      )}
      <MitigationFields
        errors={action.errors.fields}
        likelihoodReduction={lReduction}
        onLikelihoodReduction={setLReduction}
        impactReduction={iReduction}
        onImpactReduction={setIReduction}
        status={status}
        onStatus={setStatus}
        owner={owner}
        onOwner={setOwner}
        members={members}
      />
      <div className="drawer-actions">
        <button type="button" className="primary" disabled={action.busy} onClick={() => void save()}>
          Add the mitigation
        </button>
      </div>
    </div>
  )
}

function LinkExisting({ candidates }: { candidates: readonly Mitigation[] }) {
  const { threatId, changed } = useDrawer()
  const [picked, setPicked] = useState('')
  const action = useAction(['threats'])
  if (candidates.length === 0) return null
  const link = async () => {
    if (await action.run(() => mitigationApi.link(Number(picked), [threatId]))) {
      setPicked('')
      changed()
    }
  }
  return (
    <div className="drawer-actions wrap">
      <FormErrors messages={action.errors.general} />
      <Field label="Link an existing mitigation" error={action.errors.fields.threats} className="grow">
        <Select value={picked} empty="— choose —" options={candidates.map((m) => ({ value: m.id, label: `${m.ref} · ${m.title} (${STATUS_LABEL[m.status] ?? m.status})` }))} onChange={setPicked} />
      </Field>
      <button type="button" disabled={!picked || action.busy} onClick={() => void link()}>
        Link
      </button>
    </div>
  )
}
