/**
 * Listens for the workspace's keyboard shortcuts (core/shortcuts.ts) and runs their handlers.
 * Typing in a field, a dialog, the threat drawer or the stage bar never triggers them.
 */
import { useEffect, useRef } from 'react'
import { commandFor, type Command } from '../core/shortcuts'

export type Handlers = Partial<Record<Command, () => void>>

/** Commands whose key the browser would otherwise act on (select all text, bookmark, paste). */
const PREVENT = new Set<Command>(['undo', 'redo', 'paste', 'duplicate', 'selectAll', 'delete'])

export function useShortcuts(handlers: Handlers): void {
  const latest = useRef(handlers)
  latest.current = handlers
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null
      if (target?.closest('input, textarea, select, [contenteditable="true"], .modal, .drawer, .stage-bar')) return
      const command = commandFor(event)
      const handler = command ? latest.current[command] : undefined
      if (!command || !handler) return
      if (PREVENT.has(command)) event.preventDefault()
      handler()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
