/**
 * The model's versions and audit trail. Versions are the snapshots (the one frozen at approval and
 * any saved by hand); each can be compared with the model as it is now, section by section. The
 * audit trail lists who changed what, newest first.
 */
import { useCallback, useEffect, useState } from 'react'
import { ApiError } from '../api/client'
import { historyApi, type AuditEvent, type Diff, type SnapshotSummary } from '../api/workflow'
import { DIFF_SECTIONS, diffLines, fieldChanges, recordName } from '../core/history-format'
import { EventList } from './drawer/HistorySection'
import { Modal } from './Modal'

interface Props {
  modelId: number
  canSave: boolean
  initialTab: 'versions' | 'audit'
  onClose: () => void
}

export function VersionsDialog({ modelId, canSave, initialTab, onClose }: Props) {
  const [tab, setTab] = useState(initialTab)
  return (
    <Modal title="History of the model" onClose={onClose} wide>
      <div role="tablist" aria-label="History" className="right-tabs dialog-tabs">
        <button type="button" role="tab" aria-selected={tab === 'versions'} onClick={() => setTab('versions')}>
          Versions
        </button>
        <button type="button" role="tab" aria-selected={tab === 'audit'} onClick={() => setTab('audit')}>
          Audit trail
        </button>
      </div>
      <div role="tabpanel" className="dialog-panel">
        {tab === 'versions' ? <Versions modelId={modelId} canSave={canSave} /> : <Audit modelId={modelId} />}
      </div>
    </Modal>
  )
}

function Versions({ modelId, canSave }: { modelId: number; canSave: boolean }) {
  const [snapshots, setSnapshots] = useState<SnapshotSummary[] | null>(null)
  const [picked, setPicked] = useState<number | null>(null)
  const [diff, setDiff] = useState<Diff | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [label, setLabel] = useState('')

  const load = useCallback(() => {
    historyApi
      .snapshots(modelId)
      .then((list) => {
        setSnapshots(list)
        // The approval snapshot is the one people compare against.
        setPicked((current) => current ?? (list.find((s) => s.reason === 'approval') ?? list[0])?.id ?? null)
      })
      .catch((caught: unknown) => setError(caught instanceof Error ? caught.message : 'Versions could not be loaded.'))
  }, [modelId])
  useEffect(load, [load])

  useEffect(() => {
    if (picked === null) return
    setDiff(null)
    historyApi
      .diff(picked)
      .then(setDiff)
      .catch((caught: unknown) => setError(caught instanceof Error ? caught.message : 'The comparison failed.'))
  }, [picked])

  const save = async () => {
    try {
      await historyApi.save(modelId, label.trim())
      setLabel('')
      load()
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'The version could not be saved.')
    }
  }

  return (
    <div className="versions">
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {snapshots?.length === 0 && <p className="muted">No versions yet. Approval freezes one; editors can also save one by hand.</p>}
      {snapshots && snapshots.length > 0 && (
        <ul className="snapshot-list" aria-label="Versions">
          {snapshots.map((s) => (
            <li key={s.id}>
              <button type="button" className={`snapshot${picked === s.id ? ' is-active' : ''}`} aria-pressed={picked === s.id} onClick={() => setPicked(s.id)}>
                <strong>Version {s.number}</strong> · {s.reason === 'approval' ? 'approval' : 'saved by hand'}
                {s.label ? ` — ${s.label}` : ''}
                <span className="muted small-text">
                  {' '}
                  {s.stage}, model v{s.model_version}, by {s.created_by ?? 'the system'} on {new Date(s.created_at).toLocaleString()}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {canSave && (
        <div className="drawer-actions">
          <input type="text" aria-label="Label of the new version" placeholder="Label (optional)" value={label} maxLength={200} onChange={(event) => setLabel(event.target.value)} />
          <button type="button" onClick={() => void save()}>
            Save a version now
          </button>
        </div>
      )}
      {picked !== null && <DiffView diff={diff} />}
    </div>
  )
}

function DiffView({ diff }: { diff: Diff | null }) {
  if (!diff) return <p className="muted">Comparing with the model as it is now…</p>
  const lines = diffLines(diff.changes)
  return (
    <section className="diff" aria-label="Changes since this version">
      <h3>
        Version {diff.from.snapshot} (model v{diff.from.model_version}, {diff.from.stage}) → now (model v{diff.to.model_version}, {diff.to.stage})
      </h3>
      {diff.changes.identical ? (
        <p className="diff-identical" role="status">
          Identical: nothing changed since this version.
        </p>
      ) : (
        <>
          <ul>
            {Object.keys(diff.changes.threat_model).length > 0 && <li>The model itself: {Object.keys(diff.changes.threat_model).join(', ')} changed</li>}
            {lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          {DIFF_SECTIONS.map((name) => {
            const section = diff.changes[name]
            if (!section || section.added.length + section.removed.length + section.changed.length === 0) return null
            return (
              <details key={name} className="diff-section">
                <summary>{name.replace(/_/g, ' ')}</summary>
                <ul>
                  {section.added.map((item, i) => (
                    <li key={`a${i}`}>+ {recordName(item)}</li>
                  ))}
                  {section.removed.map((item, i) => (
                    <li key={`r${i}`}>− {recordName(item)}</li>
                  ))}
                  {section.changed.map((item, i) => {
                    const fields = (item as { fields?: Record<string, { before: unknown; after: unknown }> }).fields ?? {}
                    const changes = Object.entries(fields).flatMap(([field, { before, after }]) =>
                      fieldChanges({ [field]: before }, { [field]: after }),
                    )
                    return (
                      <li key={`c${i}`}>
                        ~ {recordName(item)}: {changes.map((c) => `${c.field} ${c.before} → ${c.after}`).join('; ')}
                      </li>
                    )
                  })}
                </ul>
              </details>
            )
          })}
        </>
      )}
    </section>
  )
}

function Audit({ modelId }: { modelId: number }) {
  const [events, setEvents] = useState<AuditEvent[]>([])
  const [page, setPage] = useState(1)
  const [more, setMore] = useState(false)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    historyApi
      .audit(modelId, page)
      .then((body) => {
        setEvents((prev) => (page === 1 ? body.results : [...prev, ...body.results]))
        setMore(Boolean(body.next))
      })
      .catch((caught: unknown) => setError(caught instanceof Error ? caught.message : 'The audit trail could not be loaded.'))
  }, [modelId, page])
  return (
    <div className="audit">
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {events.length === 0 && !error && <p className="muted">Nothing recorded yet.</p>}
      <EventList events={events} />
      {more && (
        <button type="button" className="small" onClick={() => setPage((p) => p + 1)}>
          Older changes
        </button>
      )}
    </div>
  )
}
