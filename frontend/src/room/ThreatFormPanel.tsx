/**
 * The room's own threat, written in the parts of a threat grammar: who (actor), with what
 * (precondition), can do what (action), leading to what (impact), against which element or flow
 * (picked by name), plus a STRIDE category and free text. The title and description are composed
 * from the parts as they are typed (`core/threat-statement`) and shown before saving.
 */
import { useEffect, useMemo, useState } from 'react'
import { Field, FormErrors } from '../components/Field'
import { placeErrors, type PlacedErrors, NO_ERRORS } from '../core/form-errors'
import {
  composeSentence,
  composeTitle,
  EMPTY_FORM,
  formFromThreat,
  STRIDE_NAMES,
  subjectName,
  threatBody,
  validateForm,
  type SubjectOption,
  type ThreatForm,
} from '../core/threat-statement'
import { roomApi, type RoomThreat } from './roomApi'
import { Select } from '../components/Select'

interface Props {
  modelId: number
  threatId: number | null
  subjects: readonly SubjectOption[]
  onSaved: (row: RoomThreat) => void
  onDeleted: (id: number) => void
  onCancel: () => void
}

const STRIDE_OPTIONS = Object.entries(STRIDE_NAMES).map(([letter, label]) => ({ value: letter, label: `${letter} — ${label}` }))
const FIELDS = ['stride', 'statement', 'element', 'flow', 'title', 'description'] as const

export function ThreatFormPanel({ modelId, threatId, subjects, onSaved, onDeleted, onCancel }: Props) {
  const [form, setForm] = useState<ThreatForm>(EMPTY_FORM)
  const [loading, setLoading] = useState(threatId !== null)
  const [busy, setBusy] = useState(false)
  const [tried, setTried] = useState(false)
  const [server, setServer] = useState<PlacedErrors>(NO_ERRORS)

  useEffect(() => {
    if (threatId === null) return
    let live = true
    roomApi
      .threat(threatId)
      .then((row) => live && setForm(formFromThreat(row, subjects)))
      .catch((error: unknown) => live && setServer(placeErrors(error, FIELDS)))
      .finally(() => live && setLoading(false))
    return () => {
      live = false
    }
  }, [threatId, subjects])

  const errors = tried ? validateForm(form) : {}
  const name = subjectName(subjects, form.subject)
  const title = composeTitle(form, name)
  const sentence = composeSentence(form, name)
  const set = (part: keyof ThreatForm) => (event: { target: { value: string } }) => setForm((f) => ({ ...f, [part]: event.target.value }))
  const grouped = useMemo(
    () => ({ elements: subjects.filter((s) => s.value.startsWith('element:')), flows: subjects.filter((s) => s.value.startsWith('flow:')) }),
    [subjects],
  )

  const save = async () => {
    setTried(true)
    if (Object.keys(validateForm(form)).length) return
    setBusy(true)
    setServer(NO_ERRORS)
    try {
      const body = threatBody(form, subjects)
      const row = threatId === null ? await roomApi.createThreat(modelId, body) : await roomApi.updateThreat(threatId, body)
      onSaved(row)
    } catch (error) {
      setServer(placeErrors(error, FIELDS))
    } finally {
      setBusy(false)
    }
  }

  const remove = async () => {
    if (threatId === null || !window.confirm('Delete this threat? It is gone for good (the audit trail keeps a record).')) return
    setBusy(true)
    try {
      await roomApi.deleteThreat(threatId)
      onDeleted(threatId)
    } catch (error) {
      setServer(placeErrors(error, FIELDS))
      setBusy(false)
    }
  }

  if (loading) return <p className="muted">Loading the threat…</p>
  return (
    <form
      className="room-form threat-grammar"
      aria-label={threatId === null ? 'New threat' : 'Edit threat'}
      onSubmit={(event) => {
        event.preventDefault()
        void save()
      }}
    >
      <FormErrors messages={server.general} />
      <div className="grammar-grid">
        <Field label="Who (actor)" error={errors.actor ?? server.fields['statement']} hint="An external attacker, a tenant with a pod, an operator…">
          <input value={form.actor} onChange={set('actor')} maxLength={300} autoFocus />
        </Field>
        <Field label="With (precondition)" error={errors.precondition} hint="What they must have or reach first.">
          <input value={form.precondition} onChange={set('precondition')} maxLength={1000} placeholder="with network access to the node" />
        </Field>
        <Field label="Can (action)" error={errors.action} hint="What they could do.">
          <input value={form.action} onChange={set('action')} maxLength={1000} placeholder="replay a signed order" />
        </Field>
        <Field label="Leading to (impact)" error={errors.impact}>
          <input value={form.impact} onChange={set('impact')} maxLength={1000} placeholder="duplicate charges" />
        </Field>
        <Field label="Against (element or flow)" error={server.fields['element'] ?? server.fields['flow']}>
          <select value={form.subject} onChange={set('subject')}>
            <option value="">The model as a whole</option>
            <optgroup label="Elements">
              {grouped.elements.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </optgroup>
            <optgroup label="Flows">
              {grouped.flows.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </optgroup>
          </select>
        </Field>
        <Field label="STRIDE category" error={errors.stride ?? server.fields['stride']}>
          <Select value={form.stride} empty="Choose…" options={STRIDE_OPTIONS} onChange={(stride) => setForm((f) => ({ ...f, stride }))} />
        </Field>
      </div>
      <Field label="More (free text)" error={errors.notes ?? server.fields['description']} hint="Evidence, where it was seen, what the room discussed.">
        <textarea value={form.notes} onChange={set('notes')} rows={3} />
      </Field>
      <div className="grammar-preview" aria-live="polite">
        <span className="muted">Title</span>
        <strong data-testid="composed-title">{title || '—'}</strong>
        {sentence && <span>{sentence}</span>}
      </div>
      <div className="modal-actions">
        {threatId !== null && (
          <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
            Delete threat
          </button>
        )}
        <span className="toolbar-spacer" />
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {threatId === null ? 'Add threat' : 'Save threat'}
        </button>
      </div>
    </form>
  )
}
