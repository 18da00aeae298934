/** The workspace's banner: a failed load or diagram change, and the notice of the last step (gone after 12 s or when dismissed). */
import { useEffect } from 'react'
import type { MeWithTeams } from '../api/endpoints'
import { AppHeader } from '../pages/AppHeader'
import { navigate } from '../router'

interface Props {
  loadError: string | null
  notice: { text: string; id: number } | null
  onDismiss: () => void
}

export function WorkspaceNotices({ loadError, notice, onDismiss }: Props) {
  useEffect(() => {
    if (!notice) return
    const timer = setTimeout(onDismiss, 12000)
    return () => clearTimeout(timer)
  }, [notice, onDismiss])

  if (!loadError && !notice) return null
  return (
    <div className="ws-notices">
      {loadError && (
        <p className="form-error banner" role="alert">
          {loadError}
        </p>
      )}
      {notice && (
        <p className="notice-banner" role="status">
          {notice.text}{' '}
          <button type="button" className="small" onClick={onDismiss}>
            Dismiss
          </button>
        </p>
      )}
    </div>
  )
}

/** The whole page when the model could not be loaded at all. */
export function ModelLoadFailed({ me, message, onSignOut }: { me: MeWithTeams; message: string; onSignOut: () => void }) {
  return (
    <div className="page">
      <AppHeader me={me} onSignOut={onSignOut} />
      <p className="page-message" role="alert">
        {message}{' '}
        <a href="/" onClick={(event) => (event.preventDefault(), navigate('/'))}>
          Back to the models
        </a>
      </p>
    </div>
  )
}
