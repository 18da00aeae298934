/** The threat's history: every rating, status, decision and mitigation change, newest first. */
import { useState } from 'react'
import { threatApi, type AuditEvent } from '../../api/workflow'
import { describeEvent } from '../../core/history-format'
import { useDrawer } from './context'

export function HistorySection({ onOpenAudit }: { onOpenAudit: () => void }) {
  const { assessment, threatId } = useDrawer()
  const [older, setOlder] = useState<AuditEvent[]>([])
  const [page, setPage] = useState(1)
  const [more, setMore] = useState(assessment.history.length >= 50)
  const [error, setError] = useState<string | null>(null)
  const events = [...assessment.history, ...older]

  const loadMore = async () => {
    try {
      const next = page + 1
      const body = await threatApi.history(threatId, next)
      setOlder((prev) => [...prev, ...body.results])
      setPage(next)
      setMore(Boolean(body.next))
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : 'The history could not be loaded.')
    }
  }

  return (
    <section className="drawer-section" aria-labelledby="drawer-history">
      <h3 id="drawer-history">History</h3>
      {events.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      <EventList events={events} />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="drawer-actions">
        {more && (
          <button type="button" className="small" onClick={() => void loadMore()}>
            Older changes
          </button>
        )}
        <button type="button" className="small" onClick={onOpenAudit}>
          The model’s audit trail
        </button>
      </div>
    </section>
  )
}

export function EventList({ events }: { events: readonly AuditEvent[] }) {
  return (
    <ol className="events">
      {events.map((event) => {
        const { who, what, changes } = describeEvent(event)
        return (
          <li key={event.id}>
            <span className="event-line">
              <strong>{who}</strong> {what} <time dateTime={event.created_at}>{new Date(event.created_at).toLocaleString()}</time>
            </span>
            {changes.length > 0 && (
              <ul className="event-changes">
                {changes.slice(0, 8).map((change) => (
                  <li key={change.field}>
                    {change.field}: {change.before} → {change.after}
                  </li>
                ))}
              </ul>
            )}
          </li>
        )
      })}
    </ol>
  )
}
