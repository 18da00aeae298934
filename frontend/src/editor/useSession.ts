/** Subscribes a component to a diagram session's snapshot (React's external-store hook). */
import { useSyncExternalStore } from 'react'
import type { DiagramSession, SessionSnapshot } from '../core/diagram-session'

export function useSession(session: DiagramSession): SessionSnapshot {
  return useSyncExternalStore(session.subscribe, session.getSnapshot)
}
