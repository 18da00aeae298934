/** The bar at the top of every page: where you are, who you are, and signing out. */
import type { ReactNode } from 'react'
import type { MeWithTeams } from '../api/endpoints'
import { navigate } from '../router'

export function AppHeader({ me, onSignOut, children }: { me: MeWithTeams; onSignOut: () => void; children?: ReactNode }) {
  return (
    <header className="app-header">
      <a
        href="/"
        className="brand"
        onClick={(event) => {
          event.preventDefault()
          navigate('/')
        }}
      >
        Threat modeling workbench
      </a>
      <div className="app-header-middle">{children}</div>
      <span className="who">{me.username}</span>
      <button type="button" className="ghost-light" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  )
}
