/**
 * Two routes need no router library: `/` (the team's models) and `/models/<id>/` (the workspace).
 * Django serves the same shell for both, so a reload or a shared link lands on the right page.
 */
import { useSyncExternalStore } from 'react'

export type Route = { name: 'models' } | { name: 'workspace'; modelId: number; diagramId: number | null }

export function parseRoute(path: string): Route {
  const match = /^\/models\/(\d+)\/(?:diagrams\/(\d+)\/)?$/.exec(path)
  if (match) return { name: 'workspace', modelId: Number(match[1]), diagramId: match[2] ? Number(match[2]) : null }
  return { name: 'models' }
}

const listeners = new Set<() => void>()
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()))

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', path)
  else window.history.pushState(null, '', path)
  listeners.forEach((listener) => listener())
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname)
}
