/** Pending, saving, saved or failed — always visible, with a way to retry at once. */
import { useEffect, useState } from 'react'
import type { SessionSnapshot } from '../core/diagram-session'

export function SaveStatus({ snapshot, readOnly, onRetry }: { snapshot: SessionSnapshot; readOnly: boolean; onRetry: () => void }) {
  const [, tick] = useState(0)
  useEffect(() => {
    if (snapshot.status !== 'failed') return
    const timer = setInterval(() => tick((n) => n + 1), 1000)
    return () => clearInterval(timer)
  }, [snapshot.status])
  const { status, pendingCount } = snapshot
  let text: string
  if (readOnly) text = 'Read only'
  else if (status === 'saved') text = 'All changes saved'
  else if (status === 'saving') text = `Saving ${pendingCount} change${pendingCount === 1 ? '' : 's'}…`
  else if (status === 'pending') text = `${pendingCount} change${pendingCount === 1 ? '' : 's'} waiting`
  else if (status === 'reloading') text = 'Someone else saved first — reloading…'
  else {
    const seconds = snapshot.retryInMs === null ? null : Math.ceil(snapshot.retryInMs / 1000)
    text = `Not saved — ${pendingCount} change${pendingCount === 1 ? '' : 's'} kept${seconds ? `, retrying in ${seconds} s` : ''}`
  }
  return (
    <div
      className={`save-status save-${readOnly ? 'readonly' : status}`}
      role="status"
      aria-live="polite"
      data-status={status}
      title={status === 'failed' ? (snapshot.lastError ?? undefined) : undefined}
    >
      <span className="save-dot" aria-hidden="true" />
      <span>{text}</span>
      {status === 'failed' && (
        <button type="button" className="small" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  )
}
