/**
 * The team's threat models: search, create, import from a file, export, rename, delete (with a
 * confirmation that names the model). Everything goes through the REST API with the user's session.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { ApiError } from '../api/client'
import { models, type MeWithTeams, type ThreatModel } from '../api/endpoints'
import { ExportMenu } from '../interop/ExportMenu'
import { ImportDialog } from '../interop/ImportDialog'
import { FromTemplateDialog } from '../interop/TemplateDialog'
import { TeamRulesDialog } from '../library/TeamRulesDialog'
import { navigate } from '../router'
import { AppHeader } from './AppHeader'
import { Select } from '../components/Select'

const STAGE_LABEL: Record<string, string> = { design: 'Design', break: 'Break', fix: 'Fix', verify: 'Verify', approved: 'Approved' }

export function ModelList({ me, onSignOut }: { me: MeWithTeams; onSignOut: () => void }) {
  const writableTeams = me.teams.filter((team) => team.role === 'owner' || team.role === 'editor')
  const [search, setSearch] = useState('')
  const [rows, setRows] = useState<ThreatModel[] | null>(null)
  const [count, setCount] = useState(0)
  const [error, setError] = useState<string | null>(null)
  const [newName, setNewName] = useState('')
  const [newTeam, setNewTeam] = useState<number | null>(writableTeams[0]?.id ?? null)
  const [renaming, setRenaming] = useState<{ id: number; name: string } | null>(null)
  const [confirmDelete, setConfirmDelete] = useState<ThreatModel | null>(null)
  const [reload, setReload] = useState(0)
  const [importing, setImporting] = useState(false)
  const [fromTemplate, setFromTemplate] = useState(false)
  const [teamRules, setTeamRules] = useState(false)
  const teamName = new Map(me.teams.map((team) => [team.id, team.name]))
  const teamRole = new Map(me.teams.map((team) => [team.id, team.role]))

  useEffect(() => {
    let cancelled = false
    const timer = setTimeout(() => {
      models
        .list({ search })
        .then((page) => {
          if (cancelled) return
          setRows(page.results)
          setCount(page.count)
        })
        .catch((caught: unknown) => !cancelled && setError(message(caught)))
    }, 200)
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [search, reload])

  async function create(event: FormEvent) {
    event.preventDefault()
    if (!newName.trim() || newTeam === null) return
    try {
      const created = await models.create(newTeam, newName.trim())
      navigate(`/models/${created.id}/`)
    } catch (caught) {
      setError(message(caught))
    }
  }

  async function rename(event: FormEvent) {
    event.preventDefault()
    if (!renaming || !renaming.name.trim()) return
    try {
      await models.rename(renaming.id, renaming.name.trim())
      setRenaming(null)
      setReload((n) => n + 1)
    } catch (caught) {
      setError(message(caught))
    }
  }

  async function remove(model: ThreatModel) {
    try {
      await models.remove(model.id)
      setConfirmDelete(null)
      setReload((n) => n + 1)
    } catch (caught) {
      setConfirmDelete(null)
      setError(message(caught))
    }
  }

  return (
    <div className="page">
      <AppHeader me={me} onSignOut={onSignOut} />
      <main className="list-page">
        <div className="list-head">
          <h1>Threat models</h1>
          <input
            type="search"
            className="search"
            placeholder="Search by name, description or scope"
            aria-label="Search threat models"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}{' '}
            <button type="button" className="link" onClick={() => setError(null)}>
              Dismiss
            </button>
          </p>
        )}
        {me.teams.length > 0 && (
          <p className="library-links">
            <button type="button" className="link" onClick={() => setTeamRules(true)}>
              Team rules…
            </button>
          </p>
        )}
        {writableTeams.length > 0 && (
          <form className="card create-form" onSubmit={create} aria-label="Create a threat model">
            <label htmlFor="new-model-name">New model</label>
            <input id="new-model-name" placeholder="e.g. Payments platform" value={newName} onChange={(e) => setNewName(e.target.value)} maxLength={200} />
            {writableTeams.length > 1 && (
              <>
                <label htmlFor="new-model-team">Team</label>
                <Select id="new-model-team" value={newTeam ?? ''} options={writableTeams.map((team) => ({ value: team.id, label: team.name }))} onChange={(value) => setNewTeam(Number(value))} />
              </>
            )}
            <button type="submit" className="primary" disabled={!newName.trim()}>
              Create
            </button>
            <span className="create-or">or</span>
            <button type="button" onClick={() => setImporting(true)}>
              Import from a file…
            </button>
            <button type="button" onClick={() => setFromTemplate(true)}>
              New model from template…
            </button>
          </form>
        )}
        {rows === null ? (
          <p className="muted">Loading…</p>
        ) : rows.length === 0 ? (
          <p className="muted">{search ? 'No model matches this search.' : 'No threat models yet. Create the first one above.'}</p>
        ) : (
          <table className="models-table">
            <caption className="sr-only">{count} threat models</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Team</th>
                <th scope="col">Stage</th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((model) => {
                const role = teamRole.get(model.team)
                const canWrite = role === 'owner' || role === 'editor'
                return (
                  <tr key={model.id}>
                    <td>
                      {renaming?.id === model.id ? (
                        <form onSubmit={rename} className="inline-form">
                          <input
                            aria-label={`New name for ${model.name}`}
                            value={renaming.name}
                            onChange={(e) => setRenaming({ id: model.id, name: e.target.value })}
                            autoFocus
                            maxLength={200}
                            onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)}
                          />
                          <button type="submit" className="primary small">
                            Save
                          </button>
                          <button type="button" className="small" onClick={() => setRenaming(null)}>
                            Cancel
                          </button>
                        </form>
                      ) : (
                        <a
                          href={`/models/${model.id}/`}
                          className="model-link"
                          onClick={(event) => {
                            event.preventDefault()
                            navigate(`/models/${model.id}/`)
                          }}
                        >
                          {model.name}
                        </a>
                      )}
                      {model.description && <div className="muted small-text">{model.description}</div>}
                    </td>
                    <td>{teamName.get(model.team) ?? model.team}</td>
                    <td>
                      <span className={`stage stage-${model.stage ?? 'design'}`}>{STAGE_LABEL[model.stage ?? 'design'] ?? model.stage}</span>
                    </td>
                    <td>{new Date(model.updated_at).toLocaleString()}</td>
                    <td className="row-actions">
                      <ExportMenu modelId={model.id} diagramId={null} label="Export" />
                      {canWrite && (
                        <button type="button" className="small" onClick={() => setRenaming({ id: model.id, name: model.name })} aria-label={`Rename ${model.name}`}>
                          Rename
                        </button>
                      )}
                      {role === 'owner' && (
                        <button type="button" className="small danger" onClick={() => setConfirmDelete(model)} aria-label={`Delete ${model.name}`}>
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        )}
      </main>
      {importing && (
        <ImportDialog
          teams={writableTeams}
          onClose={() => {
            setImporting(false)
            setReload((n) => n + 1)
          }}
          onOpen={(id) => navigate(`/models/${id}/`)}
        />
      )}
      {fromTemplate && <FromTemplateDialog teams={writableTeams} onClose={() => setFromTemplate(false)} onOpen={(id) => navigate(`/models/${id}/`)} />}
      {teamRules && <TeamRulesDialog teams={me.teams} onClose={() => setTeamRules(false)} />}
      {confirmDelete && <ConfirmDelete model={confirmDelete} onCancel={() => setConfirmDelete(null)} onConfirm={() => remove(confirmDelete)} />}
    </div>
  )
}

function ConfirmDelete({ model, onCancel, onConfirm }: { model: ThreatModel; onCancel: () => void; onConfirm: () => void }) {
  const cancelRef = useRef<HTMLButtonElement>(null)
  useEffect(() => cancelRef.current?.focus(), [])
  return (
    <div className="modal-backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div className="modal" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-text">
        <h2 id="confirm-title">Delete “{model.name}”?</h2>
        <p id="confirm-text">Its diagrams, threats and decisions are deleted for the whole team. This cannot be undone.</p>
        <div className="modal-actions">
          <button type="button" ref={cancelRef} onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="danger-solid" onClick={onConfirm}>
            Delete model
          </button>
        </div>
      </div>
    </div>
  )
}

function message(caught: unknown): string {
  return caught instanceof ApiError ? caught.message : 'Something went wrong.'
}
