/** Messages the user must read: conflicts re-applied, changes refused, edits that could not be re-applied. */
import { memo } from 'react'
import type { Notice } from '../core/diagram-session'

export const Notices = memo(function Notices({ notices, onDismiss }: { notices: readonly Notice[]; onDismiss: (id: number) => void }) {
  if (notices.length === 0) return null
  return (
    <div className="notices">
      {notices.map((notice) => (
        <div key={notice.id} className={`notice notice-${notice.tone}`} role={notice.tone === 'info' ? 'status' : 'alert'}>
          <div className="notice-text">
            <strong>{notice.title}</strong>
            {notice.lines.map((line, index) => (
              <div key={index}>{line}</div>
            ))}
          </div>
          <button type="button" className="small" onClick={() => onDismiss(notice.id)} aria-label={`Dismiss: ${notice.title}`}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  )
})
