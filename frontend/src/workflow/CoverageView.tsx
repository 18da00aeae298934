/**
 * STRIDE coverage: every element and flow × the letters that apply to its kind, and what covers
 * each cell — threats (a click opens one), or the team's note "considered, none because…". A gap
 * is closed here by recording that note (editors) or by writing a threat in the drawer.
 */
import { useCallback, useEffect, useMemo, useState } from 'react'
import { coverageApi, workflow, type Coverage, type CoverageCell, type CoverageNote } from '../api/workflow'
import { STRIDE_NAMES } from '../core/threats'
import { Field, FormErrors } from '../components/Field'
import { Modal } from './Modal'
import { useAction } from './useAction'

interface Props {
  modelId: number
  canEdit: boolean
  focus: { target: string; stride: string } | null
  onOpenThreat: (id: number) => void
  onClose: () => void
  onChanged: () => void
}

const LETTERS = ['S', 'T', 'R', 'I', 'D', 'E']

export function CoverageView({ modelId, canEdit, focus, onOpenThreat, onClose, onChanged }: Props) {
  const [coverage, setCoverage] = useState<Coverage | null>(null)
  const [notes, setNotes] = useState<CoverageNote[]>([])
  const [error, setError] = useState<string | null>(null)
  const [onlyGaps, setOnlyGaps] = useState(false)
  const [editing, setEditing] = useState<CoverageCell | null>(null)

  const load = useCallback(() => {
    Promise.all([workflow.coverage(modelId), coverageApi.notes(modelId)])
      .then(([c, n]) => {
        setCoverage(c)
        setNotes(n)
        setError(null)
      })
      .catch((caught: unknown) => setError(caught instanceof Error ? caught.message : 'Coverage could not be loaded.'))
  }, [modelId])
  useEffect(load, [load])

  const rows = useMemo(() => {
    const byTarget = new Map<string, { name: string; kind: string; cells: Map<string, CoverageCell> }>()
    for (const cell of coverage?.cells ?? []) {
      const row = byTarget.get(cell.target) ?? { name: cell.name, kind: cell.kind, cells: new Map() }
      row.cells.set(cell.stride, cell)
      byTarget.set(cell.target, row)
    }
    const all = [...byTarget.entries()]
    const wanted = onlyGaps ? all.filter(([, row]) => [...row.cells.values()].some((c) => !c.covered)) : all
    // The focused target first, so a click from a gate item lands on it.
    return focus ? [...wanted.filter(([key]) => key === focus.target), ...wanted.filter(([key]) => key !== focus.target)] : wanted
  }, [coverage, onlyGaps, focus])

  useEffect(() => {
    if (!focus || !coverage) return
    const cell = coverage.cells.find((c) => c.target === focus.target && c.stride === focus.stride)
    if (cell && !cell.covered && canEdit) setEditing(cell)
  }, [focus, coverage, canEdit])

  const noteOf = (cell: CoverageCell) => notes.find((n) => n.target === cell.target && n.stride === cell.stride)

  return (
    <Modal title="STRIDE coverage" onClose={onClose} wide>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!coverage && !error && <p className="muted">Loading…</p>}
      {coverage && (
        <>
          <p>
            {coverage.covered} of {coverage.total} cells covered
            {coverage.analysed_version !== coverage.version && ' — the analysis is not current; run it so the threats describe the diagram'}.
          </p>
          <label className="check-line">
            <input type="checkbox" checked={onlyGaps} onChange={(event) => setOnlyGaps(event.target.checked)} /> Only elements and flows with a gap
          </label>
          <div className="coverage-scroll">
            <table className="coverage-table">
              <thead>
                <tr>
                  <th scope="col">Element or flow</th>
                  {LETTERS.map((letter) => (
                    <th scope="col" key={letter} title={STRIDE_NAMES[letter]}>
                      {letter}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map(([key, row]) => (
                  <tr key={key} className={focus?.target === key ? 'is-focused' : ''}>
                    <th scope="row">
                      {row.name} <span className="muted small-text">{row.kind.replace(/_/g, ' ')}</span>
                    </th>
                    {LETTERS.map((letter) => {
                      const cell = row.cells.get(letter)
                      if (!cell) return <td key={letter} className="cov-na" aria-label="does not apply" />
                      const label = `${row.name} × ${STRIDE_NAMES[letter]}`
                      if (cell.threats.length > 0) {
                        return (
                          <td key={letter} className="cov-threats">
                            <button type="button" className="small" aria-label={`${label}: ${cell.threats.length} threat(s), open the first`} onClick={() => onOpenThreat(cell.threats[0]!)}>
                              {cell.threats.length}
                            </button>
                          </td>
                        )
                      }
                      if (cell.note !== null) {
                        return (
                          <td key={letter} className="cov-note" title={cell.note}>
                            <button type="button" className="small" aria-label={`${label}: none, because ${cell.note}`} onClick={() => canEdit && setEditing(cell)} disabled={!canEdit}>
                              note
                            </button>
                          </td>
                        )
                      }
                      return (
                        <td key={letter} className="cov-gap">
                          <button type="button" className="small" aria-label={`${label}: not covered`} disabled={!canEdit} onClick={() => setEditing(cell)}>
                            gap
                          </button>
                        </td>
                      )
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {editing && (
            <NoteForm
              key={`${editing.target}×${editing.stride}`}
              modelId={modelId}
              cell={editing}
              existing={noteOf(editing)}
              onDone={() => {
                setEditing(null)
                load()
                onChanged()
              }}
              onCancel={() => setEditing(null)}
            />
          )}
        </>
      )}
    </Modal>
  )
}

function NoteForm({ modelId, cell, existing, onDone, onCancel }: { modelId: number; cell: CoverageCell; existing: CoverageNote | undefined; onDone: () => void; onCancel: () => void }) {
  const [reason, setReason] = useState(existing?.reason ?? '')
  const action = useAction(['reason', 'target', 'stride'])
  const save = async () => {
    if (!reason.trim()) {
      action.fail({ fields: { reason: 'Say why no threat applies here.' }, general: [] })
      return
    }
    if (await action.run(() => coverageApi.addNote(modelId, cell.target, cell.stride, reason.trim()))) onDone()
  }
  const remove = async () => {
    if (existing && (await action.run(() => coverageApi.removeNote(existing.id)))) onDone()
  }
  return (
    <div className="coverage-note-form" role="group" aria-label={`Coverage note for ${cell.name} × ${cell.stride}`}>
      <h3>
        {cell.name} × {STRIDE_NAMES[cell.stride] ?? cell.stride}
      </h3>
      <FormErrors messages={action.errors.general} />
      <Field label="Considered, none because…" error={action.errors.fields.reason ?? action.errors.fields.target}>
        <textarea rows={2} value={reason} maxLength={5000} onChange={(event) => setReason(event.target.value)} />
      </Field>
      <div className="drawer-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {existing && (
          <button type="button" className="danger" disabled={action.busy} onClick={() => void remove()}>
            Remove the note
          </button>
        )}
        <button type="button" className="primary" disabled={action.busy} onClick={() => void save()}>
          Record the note
        </button>
      </div>
    </div>
  )
}
