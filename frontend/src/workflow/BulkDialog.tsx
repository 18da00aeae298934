/**
 * One change for many threats at once: keep them (triage), rate them, accept them, or answer them
 * with one mitigation. It is the same request a person makes in the drawer, made for each selected
 * threat a few at a time; every threat is tried, and those the server refused are listed with its
 * reason. Every rating still carries a rationale, every acceptance an owner, a justification and
 * an expiry.
 */
import { useEffect, useState } from 'react'
import { decisionApi, mitigationApi, threatApi, type Control, type Membership, type Mitigation } from '../api/workflow'
import type { BandOrUnrated } from '../core/bands'
import { runBulk, type BulkFailure, type BulkKind } from '../core/bulk'
import { decisionBody, decisionProblems, defaultExpiry, emptyDraft, kindRefusal, localToday, type DecisionPolicy } from '../core/decision-form'
import type { EditorThreat } from '../core/threats'
import { Field, FormErrors } from '../components/Field'
import { MitigationFields } from './MitigationFields'
import { Modal } from './Modal'
import { useAction } from './useAction'
import { Select } from '../components/Select'
import { LEVEL_OPTIONS, memberOptions } from '../core/options'

export const BULK_TITLE: Record<BulkKind, string> = {
  keep: 'Keep the selected threats',
  rate: 'Rate the selected threats',
  accept: 'Accept the selected risks',
  mitigate: 'Mitigate the selected threats',
}

interface Props {
  kind: BulkKind
  threats: readonly EditorThreat[]
  modelId: number
  members: readonly Membership[]
  controls: readonly Control[]
  policy: DecisionPolicy
  /** Projected residual band of each threat (from the heat map), to skip what cannot be accepted. */
  projectedBand: (id: number) => BandOrUnrated
  onClose: () => void
  onDone: () => void
}

interface Outcome {
  done: number
  skipped: { threat: EditorThreat; reason: string }[]
  failed: BulkFailure<EditorThreat>[]
}

export function BulkDialog(props: Props) {
  const { kind, threats, onClose, onDone } = props
  const [progress, setProgress] = useState<[number, number] | null>(null)
  const [outcome, setOutcome] = useState<Outcome | null>(null)

  const execute = async (
    targets: readonly EditorThreat[],
    skipped: Outcome['skipped'],
    task: (threat: EditorThreat) => Promise<unknown>,
    before?: () => Promise<void>,
  ) => {
    setProgress([0, targets.length])
    if (before) await before()
    const result = await runBulk(targets, task, { concurrency: 4, onProgress: (n, total) => setProgress([n, total]) })
    setOutcome({ done: result.done.length, skipped, failed: result.failed })
    onDone()
  }

  const running = progress !== null && outcome === null
  return (
    <Modal title={BULK_TITLE[kind]} onClose={() => !running && onClose()} wide>
      <p>
        {threats.length} threat{threats.length === 1 ? '' : 's'} selected.
      </p>
      {outcome ? (
        <BulkOutcome outcome={outcome} onClose={onClose} />
      ) : progress ? (
        <div role="status" className="bulk-progress">
          <progress value={progress[0]} max={progress[1]} /> {progress[0]} of {progress[1]}…
        </div>
      ) : kind === 'keep' ? (
        <KeepForm {...props} execute={execute} />
      ) : kind === 'rate' ? (
        <RateForm {...props} execute={execute} />
      ) : kind === 'accept' ? (
        <AcceptForm {...props} execute={execute} />
      ) : (
        <MitigateForm {...props} execute={execute} />
      )}
    </Modal>
  )
}

type Execute = (
  targets: readonly EditorThreat[],
  skipped: Outcome['skipped'],
  task: (threat: EditorThreat) => Promise<unknown>,
  before?: () => Promise<void>,
) => Promise<void>

function BulkOutcome({ outcome, onClose }: { outcome: Outcome; onClose: () => void }) {
  return (
    <div className="bulk-outcome" role="status">
      <p>
        <strong>
          Done for {outcome.done} threat{outcome.done === 1 ? '' : 's'}.
        </strong>
        {outcome.skipped.length > 0 && ` ${outcome.skipped.length} skipped.`}
        {outcome.failed.length > 0 && ` ${outcome.failed.length} refused by the server.`}
      </p>
      {(outcome.skipped.length > 0 || outcome.failed.length > 0) && (
        <ul className="bulk-problems">
          {outcome.skipped.map(({ threat, reason }) => (
            <li key={`s${threat.id}`}>
              {threat.title}: {reason}
            </li>
          ))}
          {outcome.failed.map(({ item, error }) => (
            <li key={`f${item.id}`}>
              {item.title}: {errorText(error)}
            </li>
          ))}
        </ul>
      )}
      <div className="modal-actions">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  )
}

function errorText(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error) {
    const details = (error as { details?: { path: string; message: string }[] }).details ?? []
    return [String((error as { message: unknown }).message), ...details.map((d) => `${d.path}: ${d.message}`)].join(' ')
  }
  return 'refused'
}

function Actions({ label, disabled, onCancel, onRun }: { label: string; disabled?: boolean; onCancel: () => void; onRun: () => void }) {
  return (
    <div className="modal-actions">
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <button type="button" className="primary" disabled={disabled} onClick={onRun}>
        {label}
      </button>
    </div>
  )
}

function KeepForm({ threats, onClose, execute }: Props & { execute: Execute }) {
  const targets = threats.filter((t) => !t.triaged && !t.duplicate && t.status !== 'not_applicable')
  const already = threats.length - targets.length
  return (
    <>
      <p>
        Keeping a threat says the team agrees it applies to this design.
        {already > 0 && ` ${already} of them are already triaged and stay as they are.`}
      </p>
      <Actions label={`Keep ${targets.length}`} disabled={targets.length === 0} onCancel={onClose} onRun={() => void execute(targets, [], (t) => threatApi.triage(t.id, { triaged: true }))} />
    </>
  )
}

function RateForm({ threats, onClose, execute }: Props & { execute: Execute }) {
  const [mode, setMode] = useState<'rule' | 'fixed'>('rule')
  const [likelihood, setLikelihood] = useState(3)
  const [impact, setImpact] = useState(3)
  const [rationale, setRationale] = useState('')
  const [onlyUnrated, setOnlyUnrated] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const pool = onlyUnrated ? threats.filter((t) => !t.rated) : [...threats]
  const targets = mode === 'rule' ? pool.filter((t) => t.suggestedLikelihood !== null && t.suggestedImpact !== null) : pool
  const skipped = mode === 'rule' ? pool.filter((t) => !targets.includes(t)).map((threat) => ({ threat, reason: 'its rule suggests no levels: rate it in the drawer' })) : []
  const run = () => {
    if (!rationale.trim()) {
      setError('Every rating needs a rationale: say why these levels hold for this design.')
      return
    }
    void execute(targets, skipped, (t) =>
      threatApi.rate(t.id, {
        likelihood: mode === 'rule' ? t.suggestedLikelihood : likelihood,
        impact: mode === 'rule' ? t.suggestedImpact : impact,
        rationale: rationale.trim(),
      }),
    )
  }
  return (
    <>
      <fieldset className="kind-choice">
        <legend>Levels</legend>
        <label>
          <input type="radio" name="bulk-rate" checked={mode === 'rule'} onChange={() => setMode('rule')} /> Each threat’s rule levels (the suggestion shown in its row)
        </label>
        <label>
          <input type="radio" name="bulk-rate" checked={mode === 'fixed'} onChange={() => setMode('fixed')} /> The same levels for all
        </label>
      </fieldset>
      {mode === 'fixed' && (
        <div className="field-row">
          <Field label="Likelihood">
            <Select value={likelihood} options={LEVEL_OPTIONS} onChange={(value) => setLikelihood(Number(value))} />
          </Field>
          <Field label="Impact">
            <Select value={impact} options={LEVEL_OPTIONS} onChange={(value) => setImpact(Number(value))} />
          </Field>
        </div>
      )}
      <label className="check-line">
        <input type="checkbox" checked={onlyUnrated} onChange={(event) => setOnlyUnrated(event.target.checked)} /> Only threats not rated yet (keep
        ratings people made)
      </label>
      <Field label="Rationale (recorded on every rating)" error={error ?? undefined} hint="For example: the workshop agreed the rule’s levels hold for this shop.">
        <textarea rows={3} value={rationale} maxLength={20000} onChange={(event) => setRationale(event.target.value)} />
      </Field>
      <Actions label={`Rate ${targets.length}`} disabled={targets.length === 0} onCancel={onClose} onRun={run} />
    </>
  )
}

function AcceptForm({ threats, members, policy, projectedBand, onClose, execute }: Props & { execute: Execute }) {
  const today = localToday()
  const [draft, setDraft] = useState(() => ({ ...emptyDraft('acceptance'), expiresOn: defaultExpiry('acceptance', policy, today) }))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const pool = threats.filter((t) => !t.duplicate)
  const targets = pool.filter((t) => kindRefusal('acceptance', projectedBand(t.id)) === null)
  const skipped = pool.filter((t) => !targets.includes(t)).map((threat) => ({ threat, reason: kindRefusal('acceptance', projectedBand(threat.id)) ?? '' }))
  const run = () => {
    // The form is checked as for a tolerable risk; the band of each threat was checked above.
    const problems = decisionProblems(draft, 'tolerable', policy, today)
    setErrors(problems)
    if (Object.keys(problems).length > 0) return
    void execute(targets, skipped, (t) => decisionApi.create(decisionBody(t.id, draft)))
  }
  return (
    <>
      <p>
        An acceptance records that the team takes the risk as it is, with a named risk owner, a justification and an expiry. Unacceptable
        risks cannot be accepted{skipped.length > 0 ? `: ${skipped.length} of the selected are left out` : ''}.
      </p>
      <Field label="Risk owner" error={errors.owner}>
        <Select value={draft.owner} empty="— choose —" options={memberOptions(members, true)} onChange={(owner) => setDraft({ ...draft, owner })} />
      </Field>
      <Field label="Justification" error={errors.justification} hint="Why further reduction is not reasonably practicable now (ALARP).">
        <textarea rows={3} value={draft.justification} maxLength={20000} onChange={(event) => setDraft({ ...draft, justification: event.target.value })} />
      </Field>
      <Field label="Expires on" error={errors.expires_on} hint={`Within ${policy.acceptance_max_days} days.`}>
        <input type="date" value={draft.expiresOn} min={today} onChange={(event) => setDraft({ ...draft, expiresOn: event.target.value })} />
      </Field>
      <Actions label={`Accept ${targets.length}`} disabled={targets.length === 0} onCancel={onClose} onRun={run} />
    </>
  )
}

function MitigateForm({ threats, modelId, members, controls, onClose, execute }: Props & { execute: Execute }) {
  const [existing, setExisting] = useState<Mitigation[] | null>(null)
  const [mode, setMode] = useState<'new' | 'existing'>('new')
  const [picked, setPicked] = useState('')
  const [title, setTitle] = useState('')
  const [control, setControl] = useState('')
  const [lReduction, setLReduction] = useState(1)
  const [iReduction, setIReduction] = useState(0)
  const [status, setStatus] = useState('planned')
  const [owner, setOwner] = useState('')
  const [markMitigated, setMarkMitigated] = useState(true)
  const create = useAction(['title', 'control', 'likelihood_reduction', 'impact_reduction', 'status', 'owner', 'threats'])
  const targets = threats.filter((t) => !t.duplicate)

  useEffect(() => {
    let cancelled = false
    mitigationApi.ofModel(modelId).then(
      (list) => !cancelled && setExisting(list),
      () => !cancelled && setExisting([]),
    )
    return () => {
      cancelled = true
    }
  }, [modelId])

  const run = async () => {
    const ids = targets.map((t) => t.id)
    let mitigation: Mitigation | null = null
    const ok = await create.run(async () => {
      if (mode === 'new') {
        if (!title.trim()) throw { message: 'Give the mitigation a title.', details: [{ path: 'title', message: 'is required' }] }
        mitigation = await mitigationApi.create({
          threat_model: modelId,
          title: title.trim(),
          control: control || null,
          likelihood_reduction: lReduction,
          impact_reduction: iReduction,
          status: status as 'planned',
          owner: owner || null,
          threats: ids,
        })
      } else {
        mitigation = await mitigationApi.link(Number(picked), ids)
      }
    })
    if (!ok || mitigation === null) return
    const answered = mitigation as Mitigation
    const canMitigate = answered.status !== 'proposed'
    const open = targets.filter((t) => t.status === 'open')
    if (markMitigated && canMitigate) {
      await execute(open, [], (t) => threatApi.setStatus(t.id, 'mitigated'))
    } else {
      await execute([], [], async () => undefined)
    }
  }

  return (
    <>
      <p>One mitigation answers all {targets.length} threats. Marking them mitigated needs it planned (or further).</p>
      <FormErrors messages={create.errors.general} />
      <fieldset className="kind-choice">
        <legend>Mitigation</legend>
        <label>
          <input type="radio" name="bulk-mitigate" checked={mode === 'new'} onChange={() => setMode('new')} /> A new one
        </label>
        <label>
          <input type="radio" name="bulk-mitigate" checked={mode === 'existing'} disabled={!existing?.length} onChange={() => setMode('existing')} /> An
          existing one
        </label>
      </fieldset>
      {mode === 'new' ? (
        <>
          <Field label="Catalogue control" error={create.errors.fields.control}>
            <select
              value={control}
              onChange={(event) => {
                const c = controls.find((x) => x.id === event.target.value)
                if (c && !title.trim()) setTitle(c.name)
                setControl(event.target.value)
              }}
            >
              <option value="">— none —</option>
              {controls.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.id} · {c.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Title" error={create.errors.fields.title}>
            <input type="text" value={title} maxLength={300} onChange={(event) => setTitle(event.target.value)} />
          </Field>
          <MitigationFields
            errors={create.errors.fields}
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
        </>
      ) : (
        <Field label="Existing mitigation" error={create.errors.fields.threats}>
          <Select value={picked} empty="— choose —" options={(existing ?? []).map((m) => ({ value: m.id, label: `${m.ref} · ${m.title} (${m.status})` }))} onChange={setPicked} />
        </Field>
      )}
      <label className="check-line">
        <input type="checkbox" checked={markMitigated} onChange={(event) => setMarkMitigated(event.target.checked)} /> Mark the open ones mitigated
      </label>
      <Actions label={`Mitigate ${targets.length}`} disabled={create.busy || targets.length === 0 || (mode === 'existing' && !picked)} onCancel={onClose} onRun={() => void run()} />
    </>
  )
}
