/**
 * The app: who is signed in, and which page to show. Sign-in happens here through the API's
 * session endpoints (CSRF included), so the app never needs a page reload to start.
 */
import { useCallback, useEffect, useState } from 'react'
import { ApiError } from './api/client'
import { auth, type MeWithTeams } from './api/endpoints'
import { ModelList } from './pages/ModelList'
import { SignIn } from './pages/SignIn'
import { Workspace } from './pages/Workspace'
import { navigate, parseRoute, usePath } from './router'

export function App() {
  const [me, setMe] = useState<MeWithTeams | null | undefined>(undefined)
  const [problem, setProblem] = useState<string | null>(null)
  // A reload of the workspace asked for by the workspace itself (a re-import applied on the server): a new key, a notice.
  const [reload, setReload] = useState<{ count: number; notice: string | null }>({ count: 0, notice: null })
  const reloadWorkspace = useCallback((notice: string) => setReload((r) => ({ count: r.count + 1, notice })), [])
  const path = usePath()
  const route = parseRoute(path)

  useEffect(() => {
    auth
      .me()
      .then(setMe)
      .catch((error: unknown) => {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) setMe(null)
        else setProblem(error instanceof Error ? error.message : 'The server could not be reached.')
      })
  }, [])

  const signOut = useCallback(async () => {
    await auth.logout()
    setMe(null)
    navigate('/')
  }, [])

  if (problem) return <p className="page-message" role="alert">{problem}</p>
  if (me === undefined) return <p className="page-message">Loading…</p>
  if (me === null) return <SignIn onSignedIn={setMe} />
  if (route.name === 'workspace') {
    return (
      <Workspace
        key={`${route.modelId}:${reload.count}`}
        me={me}
        modelId={route.modelId}
        diagramId={route.diagramId}
        onSignOut={signOut}
        notice={reload.notice}
        onReload={reloadWorkspace}
      />
    )
  }
  return <ModelList me={me} onSignOut={signOut} />
}
