/** Sign in through POST /api/v1/auth/login/ (the CSRF token travels with it). */
import { useState, type FormEvent } from 'react'
import { ApiError } from '../api/client'
import { auth, type MeWithTeams } from '../api/endpoints'

export function SignIn({ onSignedIn }: { onSignedIn: (me: MeWithTeams) => void }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      onSignedIn(await auth.login(username, password))
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'Could not sign in.')
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Threat modeling workbench</h1>
        <p className="muted">Sign in to draw and review your team’s threat models.</p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <label htmlFor="signin-username">Username</label>
        <input id="signin-username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        <label htmlFor="signin-password">Password</label>
        <input id="signin-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
