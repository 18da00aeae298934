/**
 * The team's risk policy: the band thresholds and the longest acceptance and exception. Owners
 * save a change as a new version (every model but approved ones is re-banded, and the answer says
 * how many threats changed band); everyone else reads the current version.
 */
import { useCallback, useEffect, useState } from 'react'
import { get, post } from '../api/client'
import type { Page } from '../api/endpoints'
import type { components } from '../api/schema'
import { Field, FormErrors } from '../components/Field'
import { NO_ERRORS, placeErrors, type PlacedErrors } from '../core/form-errors'
import { changedFields, policyProblems, type PolicyDraft } from '../core/policy-form'

type Policy = components['schemas']['RiskPolicy']
type Change = components['schemas']['RiskPolicyChange']

const NUMBERS: [keyof Omit<PolicyDraft, 'note'>, string, string][] = [
  ['unacceptable_at', 'Unacceptable from score', 'Likelihood × impact at or above this is unacceptable.'],
  ['acceptable_max', 'Broadly acceptable up to score', 'At or below this is broadly acceptable…'],
  ['impact_floor', '…unless the impact is at least', 'An impact this high is never broadly acceptable.'],
  ['acceptance_max_days', 'Longest acceptance (days)', ''],
  ['exception_max_days', 'Longest exception (days)', 'At most 90.'],
]

function draftOf(p: Policy): PolicyDraft {
  return {
    unacceptable_at: p.unacceptable_at,
    acceptable_max: p.acceptable_max,
    impact_floor: p.impact_floor,
    acceptance_max_days: p.acceptance_max_days,
    exception_max_days: p.exception_max_days,
    note: '',
  }
}

export function RiskPolicyPanel({ teamId, isOwner, onChanged }: { teamId: number; isOwner: boolean; onChanged: () => void }) {
  const [policy, setPolicy] = useState<Policy | null>(null)
  const [draft, setDraft] = useState<PolicyDraft | null>(null)
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS)
  const [tried, setTried] = useState(false)
  const [note, setNote] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const load = useCallback(async () => {
    try {
      const list = (await get<Page<Policy>>(`/risk-policies/?team=${teamId}&page_size=1`)).results
      const current = list[0] ?? null
      setPolicy(current)
      if (current) setDraft(draftOf(current))
    } catch (error) {
      setErrors(placeErrors(error, []))
    }
  }, [teamId])
  useEffect(() => void load(), [load])

  if (!policy || !draft) return errors.general.length ? <FormErrors messages={errors.general} /> : <p className="muted">Loading…</p>
  const problems = tried ? policyProblems(draft) : {}
  const changed = changedFields(draftOf(policy), draft)

  const save = async () => {
    setTried(true)
    if (Object.keys(policyProblems(draft)).length) return
    setBusy(true)
    setErrors(NO_ERRORS)
    setNote(null)
    try {
      const result = await post<Change>('/risk-policies/', { team: teamId, ...draft })
      setNote(
        `Version ${result.policy.version} is in force: ${result.models.length} model${result.models.length === 1 ? '' : 's'} re-banded, ` +
          `${result.band_changes.length} threat${result.band_changes.length === 1 ? '' : 's'} changed band.`,
      )
      setTried(false)
      onChanged()
      await load()
    } catch (error) {
      setErrors(placeErrors(error, Object.keys(draft)))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      className="room-form"
      aria-label="Risk policy"
      onSubmit={(event) => {
        event.preventDefault()
        void save()
      }}
    >
      <p className="muted">
        Version {policy.version}
        {policy.created_by ? `, set by ${policy.created_by}` : ''}
        {policy.note ? ` — ${policy.note}` : ''}. {isOwner ? 'A change becomes a new version.' : 'Only the team’s owners change it.'}
      </p>
      <FormErrors messages={errors.general} />
      {note && (
        <p className="notice-inline" role="status">
          {note}
        </p>
      )}
      <div className="grammar-grid">
        {NUMBERS.map(([name, label, hint]) => (
          <Field key={name} label={label} hint={hint || undefined} error={problems[name] ?? errors.fields[name]}>
            <input
              type="number"
              value={Number.isNaN(draft[name]) ? '' : draft[name]}
              readOnly={!isOwner}
              onChange={(e) => setDraft({ ...draft, [name]: e.target.valueAsNumber })}
            />
          </Field>
        ))}
      </div>
      {isOwner && (
        <>
          <Field label="Why the change" error={problems.note ?? errors.fields['note']}>
            <input value={draft.note} maxLength={5000} onChange={(e) => setDraft({ ...draft, note: e.target.value })} />
          </Field>
          <div className="modal-actions">
            <button type="submit" className="primary" disabled={busy || changed.length === 0}>
              Save as version {policy.version + 1}
            </button>
          </div>
        </>
      )}
    </form>
  )
}
