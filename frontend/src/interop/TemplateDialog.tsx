/**
 * Start a model from a template — the shipped ones (the reference Kubernetes cluster, Online
 * Boutique, Sock Shop) and the ones the user's teams saved — and save the open model as a team
 * template. The server imports the template through the native import and analyses the new model.
 */
import { useEffect, useState } from 'react'
import type { Team } from '../api/endpoints'
import { libraryApi, type ModelTemplate } from '../api/library'
import { refusalOf } from '../core/interop'
import { Field } from '../components/Field'
import { Modal } from '../workflow/Modal'
import { Refusal } from './Refusal'
import { TeamField } from '../components/Select'

type RefusalText = { message: string; problems: string[] }

export function FromTemplateDialog({ teams, onClose, onOpen }: { teams: readonly Team[]; onClose: () => void; onOpen: (modelId: number) => void }) {
  const [rows, setRows] = useState<ModelTemplate[] | null>(null)
  const [chosen, setChosen] = useState('')
  const [team, setTeam] = useState<number | null>(teams[0]?.id ?? null)
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<RefusalText | null>(null)
  const teamName = new Map(teams.map((t) => [t.id, t.name]))

  useEffect(() => {
    libraryApi.templates().then(
      (list) => {
        setRows(list.results)
        setChosen(list.results[0]?.id ?? '')
      },
      (error: unknown) => setRefusal(refusalOf(error, 'The templates could not be loaded.')),
    )
  }, [])

  const submit = async () => {
    if (!chosen || team === null) return
    setBusy(true)
    setRefusal(null)
    try {
      const made = await libraryApi.start(chosen, team, name.trim())
      onOpen(made.threat_model.id)
    } catch (error) {
      setRefusal(refusalOf(error, 'The model could not be created.'))
      setBusy(false)
    }
  }

  return (
    <Modal title="New model from a template" onClose={onClose} wide>
      {rows === null ? (
        <p className="muted">Loading templates…</p>
      ) : (
        <fieldset className="template-list">
          <legend>Template</legend>
          {rows.map((row) => (
            <label key={row.id} className={`template-option${chosen === row.id ? ' chosen' : ''}`}>
              <input type="radio" name="template" value={row.id} checked={chosen === row.id} onChange={() => setChosen(row.id)} />
              <span className="template-text">
                <strong>{row.name}</strong>{' '}
                <span className="muted small-text">
                  {row.element_count} elements, {row.flow_count} flows ·{' '}
                  {row.provenance === 'shipped' ? 'shipped' : `team ${teamName.get(row.team ?? -1) ?? row.team}`}
                </span>
                {row.description && <span className="muted small-text template-description">{row.description}</span>}
              </span>
            </label>
          ))}
        </fieldset>
      )}
      <TeamField teams={teams} team={team} onChange={setTeam} />
      <Field label="Model name" hint="Leave empty to keep the template’s name.">
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
      </Field>
      <Refusal refusal={refusal} />
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={busy || !chosen || team === null} onClick={submit}>
          {busy ? 'Creating and analysing…' : 'Create model'}
        </button>
      </div>
    </Modal>
  )
}

export function SaveTemplateDialog({ modelId, modelName, onClose }: { modelId: number; modelName: string; onClose: () => void }) {
  const [name, setName] = useState(modelName)
  const [description, setDescription] = useState('')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<RefusalText | null>(null)
  const [saved, setSaved] = useState<ModelTemplate | null>(null)

  const submit = async () => {
    if (!name.trim()) return
    setBusy(true)
    setRefusal(null)
    try {
      setSaved(await libraryApi.save(modelId, name.trim(), description.trim()))
    } catch (error) {
      setRefusal(refusalOf(error, 'The template could not be saved.'))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal title="Save as team template" onClose={onClose} closeOnBackdrop={false}>
      {saved ? (
        <div role="status">
          <p>
            <strong>“{saved.name}”</strong> is in your team’s templates ({saved.element_count} elements, {saved.flow_count} flows).
          </p>
          <div className="modal-actions">
            <button type="button" className="primary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      ) : (
        <>
          <p className="muted small-text">The team can start new models from it; later changes to this model do not change the template.</p>
          <Field label="Template name">
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} autoFocus />
          </Field>
          <Field label="Description">
            <textarea value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} rows={3} />
          </Field>
          <Refusal refusal={refusal} />
          <div className="modal-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="primary" disabled={busy || !name.trim()} onClick={submit}>
              Save template
            </button>
          </div>
        </>
      )}
    </Modal>
  )
}
