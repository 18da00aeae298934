/**
 * One editing session per diagram, made when the diagram is first shown and kept while the
 * workspace is open, so switching tabs keeps unsaved edits. A session saves through the operations
 * endpoint; after a conflict it reloads the document (the store takes its diagrams and threats).
 * Which diagrams have unsaved edits goes to the store (the tabs mark them), and the page warns
 * before it is closed with edits still unsaved. With a live room, each session is attached to it
 * when made: its batches go through the room's socket and everyone's edits reach it.
 */
import { useCallback, useEffect, useMemo, useRef } from 'react'
import { ApiError } from '../api/client'
import { diagrams as diagramApi, models } from '../api/endpoints'
import { DiagramSession, type OpsResult, type Transport } from '../core/diagram-session'
import type { LiveRoom } from '../core/live'
import { diagramState, findDiagram } from '../core/mapping'
import type { WorkspaceStore } from '../core/workspace-store'

export interface DiagramSessions {
  /** The session of a diagram of the document (made on first use), null before the document is in. */
  sessionFor: (id: number) => DiagramSession | null
  /** An element's or flow's name as currently drawn (unsaved edits included), else its key. */
  nameOf: (key: string) => string
  /** The diagram that holds an element or flow key. */
  diagramOf: (key: string) => number | null
}

export function useDiagramSessions(
  store: WorkspaceStore,
  modelId: number,
  onSaved: (result: OpsResult) => void,
  room?: LiveRoom,
): DiagramSessions {
  const sessions = useRef(new Map<number, DiagramSession>())

  const transport: Transport = useMemo(
    () => ({
      postOps: (id, base, ops) => diagramApi.ops(id, base, ops),
      loadDiagram: async (id) => {
        const fresh = await models.document(modelId)
        store.dispatch({ type: 'documentReloaded', doc: fresh })
        const diagram = findDiagram(fresh, id)
        if (!diagram) throw new ApiError(404, 'This diagram was deleted by someone else.', 'not_found')
        return { version: diagram.version, state: diagramState(fresh, id) }
      },
    }),
    [store, modelId],
  )

  const sessionFor = useCallback(
    (id: number): DiagramSession | null => {
      const existing = sessions.current.get(id)
      if (existing) return existing
      const { doc, vocab } = store.getState()
      const diagram = doc ? findDiagram(doc, id) : undefined
      if (!doc || !diagram || !vocab) return null
      const session = new DiagramSession({ diagramId: id, version: diagram.version, state: diagramState(doc, id), transport, vocab, onSaved })
      session.subscribe(() => store.dispatch({ type: 'unsavedChanged', id, unsaved: session.unsaved }))
      sessions.current.set(id, session)
      room?.attach(session)
      return session
    },
    [store, transport, onSaved, room],
  )

  useEffect(() => {
    const all = sessions.current
    const warn = (event: BeforeUnloadEvent) => {
      if ([...all.values()].some((session) => session.unsaved)) event.preventDefault()
    }
    window.addEventListener('beforeunload', warn)
    // Sessions are not stopped when the workspace closes: edits still pending keep being sent
    // (and retried) in the background until the server has them.
    return () => window.removeEventListener('beforeunload', warn)
  }, [])

  const nameOf = useCallback(
    (key: string): string => {
      for (const s of sessions.current.values()) {
        const element = s.state.elements.get(key)
        if (element) return element.name
        const flow = s.state.flows.get(key)
        if (flow) return flow.label || key
      }
      for (const d of store.getState().doc?.diagrams ?? []) {
        const element = d.elements.find((e) => e.key === key)
        if (element) return element.name
        const flow = d.flows.find((x) => x.key === key)
        if (flow) return flow.label || key
      }
      return key
    },
    [store],
  )

  const diagramOf = useCallback(
    (key: string): number | null => {
      for (const [id, s] of sessions.current) if (s.state.elements.has(key) || s.state.flows.has(key)) return id
      const holder = store.getState().doc?.diagrams.find((d) => d.elements.some((e) => e.key === key) || d.flows.some((f) => f.key === key))
      return holder?.id ?? null
    },
    [store],
  )

  return { sessionFor, nameOf, diagramOf }
}
