/** The model's About: description, scope and out of scope; editors and owners change it, others read it. */
import { useEffect, useState } from 'react'
import { Field, FormErrors } from '../components/Field'
import { NO_ERRORS, placeErrors, type PlacedErrors } from '../core/form-errors'
import { roomApi } from './roomApi'

interface About {
  description: string
  scope: string
  out_of_scope: string
}

const FIELDS = ['description', 'scope', 'out_of_scope'] as const
const LABELS: Record<(typeof FIELDS)[number], string> = { description: 'What the system is', scope: 'In scope', out_of_scope: 'Out of scope' }

export function AboutPanel({ modelId, canEdit }: { modelId: number; canEdit: boolean }) {
  const [about, setAbout] = useState<About | null>(null)
  const [saved, setSaved] = useState<About | null>(null)
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS)
  const [busy, setBusy] = useState(false)
  const [done, setDone] = useState(false)

  useEffect(() => {
    let live = true
    roomApi
      .about(modelId)
      .then((m) => {
        if (!live) return
        const value = { description: m.description ?? '', scope: m.scope ?? '', out_of_scope: m.out_of_scope ?? '' }
        setAbout(value)
        setSaved(value)
      })
      .catch((error: unknown) => live && setErrors(placeErrors(error, FIELDS)))
    return () => {
      live = false
    }
  }, [modelId])

  if (!about) return errors.general.length ? <FormErrors messages={errors.general} /> : <p className="muted">Loading…</p>
  if (!canEdit) {
    return (
      <dl className="about-read" aria-label="About the model">
        {FIELDS.map((name) => (
          <div key={name}>
            <dt>{LABELS[name]}</dt>
            <dd>{about[name] || <span className="muted">Not recorded yet.</span>}</dd>
          </div>
        ))}
      </dl>
    )
  }
  const changed = saved !== null && FIELDS.some((name) => about[name] !== saved[name])
  const save = async () => {
    setBusy(true)
    setErrors(NO_ERRORS)
    setDone(false)
    try {
      const m = await roomApi.saveAbout(modelId, about)
      const value = { description: m.description ?? '', scope: m.scope ?? '', out_of_scope: m.out_of_scope ?? '' }
      setAbout(value)
      setSaved(value)
      setDone(true)
    } catch (error) {
      setErrors(placeErrors(error, FIELDS))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form
      className="room-form"
      aria-label="About the model"
      onSubmit={(event) => {
        event.preventDefault()
        void save()
      }}
    >
      <FormErrors messages={errors.general} />
      {FIELDS.map((name) => (
        <Field key={name} label={LABELS[name]} error={errors.fields[name]} hint={name === 'out_of_scope' ? 'Printed in the report, so the board knows what was not looked at.' : undefined}>
          <textarea rows={name === 'description' ? 3 : 4} value={about[name]} maxLength={20000} onChange={(e) => setAbout({ ...about, [name]: e.target.value })} />
        </Field>
      ))}
      <div className="modal-actions">
        {done && !changed && <span className="muted" role="status">Saved.</span>}
        <button type="submit" className="primary" disabled={busy || !changed}>
          Save About
        </button>
      </div>
    </form>
  )
}
