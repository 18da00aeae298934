/**
 * The model's assumptions: each linked to the elements and flows it is about, the threats that
 * rest on it and the mitigations that only work while it holds. "This turned out false" reopens
 * what depends on it (the server revokes live decisions and records it in the audit trail).
 */
import { useCallback, useEffect, useMemo, useState } from 'react'
import { Field, FormErrors } from '../components/Field'
import { EMPTY_DRAFT, linkSummary, toggled, validateDraft, wouldReopen, type AssumptionDraft } from '../core/assumptions'
import { NO_ERRORS, placeErrors, type PlacedErrors } from '../core/form-errors'
import type { SubjectOption } from '../core/threat-statement'
import type { EditorThreat } from '../core/threats'
import type { Mitigation } from '../api/workflow'
import { mitigationApi } from '../api/workflow'
import { roomApi, type Assumption } from './roomApi'

interface Props {
  modelId: number
  canEdit: boolean
  subjects: readonly SubjectOption[]
  threats: readonly EditorThreat[]
  nameOf: (key: string) => string
  /** After "turned out false": the threats it reopened. */
  onReopened: (ids: number[]) => void
}

const FIELDS = ['text', 'elements', 'flows', 'threats', 'mitigations'] as const

function matches(t: EditorThreat, find: string, nameOf: (key: string) => string): boolean {
  const words = find.trim().toLowerCase()
  if (!words) return true
  return `${t.title} ${nameOf(t.element ?? t.flow ?? '')}`.toLowerCase().includes(words)
}

function draftOf(a: Assumption): AssumptionDraft {
  return { text: a.text, elements: [...a.elements], flows: [...a.flows], threats: [...a.threats], mitigations: [...a.mitigations] }
}

export function AssumptionsPanel({ modelId, canEdit, subjects, threats, nameOf, onReopened }: Props) {
  const [items, setItems] = useState<Assumption[] | null>(null)
  const [mitigations, setMitigations] = useState<Mitigation[]>([])
  const [editing, setEditing] = useState<number | 'new' | null>(null)
  const [draft, setDraft] = useState<AssumptionDraft>(EMPTY_DRAFT)
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS)
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<string | null>(null)
  const [find, setFind] = useState('')

  const load = useCallback(async () => {
    try {
      const [list, mits] = await Promise.all([roomApi.assumptions(modelId), mitigationApi.ofModel(modelId)])
      setItems(list)
      setMitigations(mits)
    } catch (error) {
      setErrors(placeErrors(error, FIELDS))
    }
  }, [modelId])
  useEffect(() => void load(), [load])

  const threatTitle = useMemo(() => new Map(threats.map((t) => [t.id, t.title])), [threats])
  const live = useMemo(() => threats.filter((t) => t.status !== 'obsolete'), [threats])
  const threatsOf = useCallback((m: number) => (mitigations.find((x) => x.id === m)?.threats ?? []) as number[], [mitigations])

  const start = (target: Assumption | null) => {
    setEditing(target ? target.id : 'new')
    setDraft(target ? draftOf(target) : EMPTY_DRAFT)
    setErrors(NO_ERRORS)
    setMessage(null)
  }

  const save = async () => {
    const problem = validateDraft(draft)
    if (problem) {
      setErrors({ fields: { text: problem }, general: [] })
      return
    }
    setBusy(true)
    try {
      if (editing === 'new') await roomApi.createAssumption(modelId, draft)
      else if (editing !== null) await roomApi.updateAssumption(editing, draft)
      setEditing(null)
      await load()
    } catch (error) {
      setErrors(placeErrors(error, FIELDS))
    } finally {
      setBusy(false)
    }
  }

  const falsify = async (a: Assumption) => {
    const reason = window.prompt('What showed the assumption to be false?', '')
    if (reason === null) return
    setBusy(true)
    setMessage(null)
    try {
      const { reopened } = await roomApi.falsify(a.id, reason)
      setMessage(reopened.length ? `Reopened ${reopened.length} threat${reopened.length === 1 ? '' : 's'}: ${reopened.map((id) => threatTitle.get(id) ?? `#${id}`).join('; ')}` : 'Recorded; no threat needed reopening.')
      onReopened(reopened)
      await load()
    } catch (error) {
      setErrors(placeErrors(error, FIELDS))
    } finally {
      setBusy(false)
    }
  }

  const remove = async (a: Assumption) => {
    if (!window.confirm('Delete this assumption?')) return
    try {
      await roomApi.deleteAssumption(a.id)
      await load()
    } catch (error) {
      setErrors(placeErrors(error, FIELDS))
    }
  }

  if (items === null) return errors.general.length ? <FormErrors messages={errors.general} /> : <p className="muted">Loading…</p>
  if (editing !== null) {
    const reopen = wouldReopen(draft, threats, threatsOf)
    return (
      <form
        className="room-form"
        aria-label={editing === 'new' ? 'New assumption' : 'Edit assumption'}
        onSubmit={(event) => {
          event.preventDefault()
          void save()
        }}
      >
        <FormErrors messages={errors.general} />
        <Field label="Assumption" error={errors.fields['text']} hint="What the team takes for granted, e.g. “the mesh enforces mTLS between pods”.">
          <textarea rows={2} value={draft.text} maxLength={5000} onChange={(e) => setDraft({ ...draft, text: e.target.value })} autoFocus />
        </Field>
        <div className="link-columns">
          <fieldset>
            <legend>About (elements and flows)</legend>
            {subjects.map((s) => {
              const [kind, key] = [s.value.startsWith('flow:') ? 'flows' : 'elements', s.value.replace(/^(element|flow):/, '')] as const
              const list = draft[kind]
              return (
                <label key={s.value} className="check">
                  <input type="checkbox" checked={list.includes(key)} onChange={() => setDraft({ ...draft, [kind]: toggled(list, key) })} />
                  <span>{s.label}</span>
                </label>
              )
            })}
          </fieldset>
          <fieldset>
            <legend>Threats resting on it</legend>
            <input type="search" aria-label="Find a threat" placeholder="Find by title or element…" value={find} onChange={(e) => setFind(e.target.value)} />
            {live.filter((t) => draft.threats.includes(t.id) || matches(t, find, nameOf)).map((t) => (
              <label key={t.id} className="check">
                <input type="checkbox" checked={draft.threats.includes(t.id)} onChange={() => setDraft({ ...draft, threats: toggled(draft.threats, t.id) })} />
                <span>
                  {t.title} <span className="muted">({nameOf(t.element ?? t.flow ?? '') || 'model'} · {t.status.replace('_', ' ')})</span>
                </span>
              </label>
            ))}
            {errors.fields['threats'] && <span className="field-error">{errors.fields['threats']}</span>}
          </fieldset>
          <fieldset>
            <legend>Mitigations resting on it</legend>
            {mitigations.length === 0 && <span className="muted">No mitigations yet.</span>}
            {mitigations.map((m) => (
              <label key={m.id} className="check">
                <input type="checkbox" checked={draft.mitigations.includes(m.id)} onChange={() => setDraft({ ...draft, mitigations: toggled(draft.mitigations, m.id) })} />
                <span>
                  {m.ref} {m.title} <span className="muted">({m.status})</span>
                </span>
              </label>
            ))}
          </fieldset>
        </div>
        <p className="muted">If it turns out false, {reopen.length ? `${reopen.length} threat${reopen.length === 1 ? '' : 's'} would reopen` : 'no threat would reopen now'}.</p>
        <div className="modal-actions">
          <button type="button" onClick={() => setEditing(null)} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Save assumption
          </button>
        </div>
      </form>
    )
  }
  return (
    <div className="assumptions">
      <FormErrors messages={errors.general} />
      {message && (
        <p className="notice-inline" role="status">
          {message}
        </p>
      )}
      {items.length === 0 && <p className="muted">No assumptions recorded yet.</p>}
      <ul className="assumption-list">
        {items.map((a) => (
          <li key={a.id} className={a.status === 'false' ? 'is-false' : ''}>
            <div>
              {a.status === 'false' && <span className="chip danger-chip">Turned out false</span>} {a.text}
            </div>
            <div className="muted">{linkSummary(draftOf(a), nameOf)}</div>
            {a.status === 'false' && a.falsified_reason && <div className="muted">Why: {a.falsified_reason}</div>}
            {canEdit && (
              <div className="row-actions">
                {a.status !== 'false' && (
                  <>
                    <button type="button" className="small" onClick={() => start(a)}>
                      Edit
                    </button>
                    <button type="button" className="small danger" disabled={busy} onClick={() => void falsify(a)}>
                      This turned out false
                    </button>
                  </>
                )}
                <button type="button" className="small" onClick={() => void remove(a)}>
                  Delete
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {canEdit && (
        <button type="button" className="primary" onClick={() => start(null)}>
          Add an assumption
        </button>
      )}
    </div>
  )
}
