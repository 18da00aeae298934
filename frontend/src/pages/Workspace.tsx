/**
 * The model workspace: stage bar, toolbar, palette, diagram tabs with the canvas, and a right-hand
 * panel with Properties and Threats. It loads the document and the vocabulary once, keeps one
 * editing session per diagram (so switching tabs keeps unsaved edits), and reloads the threats
 * after every save the server accepted.
 */
import { ReactFlowProvider } from '@xyflow/react'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { ApiError } from '../api/client'
import { diagrams as diagramApi, models, vocabulary as vocabularyApi, type MeWithTeams } from '../api/endpoints'
import { analysisQueued, loadThreats, threatsFromDocument, waitForAnalysis } from '../api/threats'
import { DiagramSession, type OpsResult, type Transport } from '../core/diagram-session'
import { diagramState, findDiagram } from '../core/mapping'
import type { EditorThreat } from '../core/threats'
import type { DocumentModel } from '../core/types'
import { indexVocabulary, type VocabularyIndex } from '../core/validation'
import { DiagramTabs } from '../editor/DiagramTabs'
import { WorkspaceBody } from '../editor/WorkspaceBody'
import { navigate } from '../router'
import { AppHeader } from './AppHeader'

const STAGES: [string, string][] = [
  ['design', 'Design'],
  ['break', 'Break'],
  ['fix', 'Fix'],
  ['verify', 'Verify'],
  ['approved', 'Approved'],
]

interface Props {
  me: MeWithTeams
  modelId: number
  diagramId: number | null
  onSignOut: () => void
}

export function Workspace({ me, modelId, diagramId, onSignOut }: Props) {
  const [doc, setDoc] = useState<DocumentModel | null>(null)
  const [vocab, setVocab] = useState<VocabularyIndex | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [threats, setThreats] = useState<EditorThreat[] | null>(null)
  const [threatError, setThreatError] = useState<string | null>(null)
  const [analysing, setAnalysing] = useState(false)
  const [active, setActive] = useState<number | null>(null)
  const [unsaved, setUnsaved] = useState<ReadonlySet<number>>(new Set())
  const sessions = useRef(new Map<number, DiagramSession>())
  const docRef = useRef<DocumentModel | null>(null)
  docRef.current = doc

  useEffect(() => {
    let cancelled = false
    Promise.all([models.document(modelId), vocabularyApi.get()])
      .then(([document, vocabulary]) => {
        if (cancelled) return
        setDoc(document)
        setVocab(indexVocabulary(vocabulary))
        setThreats(threatsFromDocument(document.threats))
        const wanted = document.diagrams.find((d) => d.id === diagramId) ?? document.diagrams[0]
        setActive(wanted?.id ?? null)
      })
      .catch((error: unknown) => !cancelled && setLoadError(error instanceof ApiError ? error.message : 'The model could not be loaded.'))
    return () => {
      cancelled = true
    }
  }, [modelId, diagramId])

  // Several saves in a row ask once; a reload in flight is followed by one more.
  const threatLoad = useRef<{ running: boolean; again: boolean }>({ running: false, again: false })
  const refreshThreats = useCallback(() => {
    const state = threatLoad.current
    if (state.running) {
      state.again = true
      return
    }
    state.running = true
    loadThreats(modelId)
      .then((list) => {
        setThreats(list)
        setThreatError(null)
      })
      .catch((error: unknown) => setThreatError(error instanceof Error ? error.message : 'error'))
      .finally(() => {
        state.running = false
        if (state.again) {
          state.again = false
          refreshThreats()
        }
      })
  }, [modelId])

  const afterSave = useCallback(
    (result: OpsResult) => {
      if (!analysisQueued(result)) {
        refreshThreats()
        return
      }
      setAnalysing(true)
      waitForAnalysis(modelId)
        .then((list) => {
          setThreats(list)
          setThreatError(null)
        })
        .catch((error: unknown) => setThreatError(error instanceof Error ? error.message : 'error'))
        .finally(() => setAnalysing(false))
    },
    [modelId, refreshThreats],
  )

  const transport: Transport = useMemo(
    () => ({
      postOps: (id, base, ops) => diagramApi.ops(id, base, ops),
      loadDiagram: async (id) => {
        const fresh = await models.document(modelId)
        setDoc(fresh)
        setThreats(threatsFromDocument(fresh.threats))
        const diagram = findDiagram(fresh, id)
        if (!diagram) throw new ApiError(404, 'This diagram was deleted by someone else.', 'not_found')
        return { version: diagram.version, state: diagramState(fresh, id) }
      },
    }),
    [modelId],
  )

  const sessionFor = useCallback(
    (id: number): DiagramSession | null => {
      const existing = sessions.current.get(id)
      if (existing) return existing
      const current = docRef.current
      const diagram = current ? findDiagram(current, id) : undefined
      if (!current || !diagram || !vocab) return null
      const session = new DiagramSession({
        diagramId: id,
        version: diagram.version,
        state: diagramState(current, id),
        transport,
        vocab,
        onSaved: afterSave,
      })
      session.subscribe(() =>
        setUnsaved((prev) => {
          const has = prev.has(id)
          if (has === session.unsaved) return prev
          const next = new Set(prev)
          if (session.unsaved) next.add(id)
          else next.delete(id)
          return next
        }),
      )
      sessions.current.set(id, session)
      return session
    },
    [transport, vocab, afterSave],
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

  const role = me.teams.find((team) => team.id === doc?.team)?.role
  const canWrite = role === 'owner' || role === 'editor'

  const selectDiagram = useCallback(
    (id: number) => {
      setActive(id)
      window.history.replaceState(null, '', `/models/${modelId}/diagrams/${id}/`)
    },
    [modelId],
  )

  const addDiagram = useCallback(async () => {
    try {
      const count = docRef.current?.diagrams.length ?? 0
      const created = await diagramApi.create(modelId, `Diagram ${count + 1}`)
      const fresh = await models.document(modelId)
      setDoc(fresh)
      selectDiagram(created.id)
    } catch (error) {
      setLoadError(error instanceof ApiError ? error.message : 'The diagram could not be created.')
    }
  }, [modelId, selectDiagram])

  const renameDiagram = useCallback(async (id: number, name: string) => {
    try {
      await diagramApi.rename(id, name)
      setDoc((prev) => (prev ? { ...prev, diagrams: prev.diagrams.map((d) => (d.id === id ? { ...d, name } : d)) } : prev))
    } catch (error) {
      setLoadError(error instanceof ApiError ? error.message : 'The diagram could not be renamed.')
    }
  }, [])

  if (loadError && !doc) {
    return (
      <div className="page">
        <AppHeader me={me} onSignOut={onSignOut} />
        <p className="page-message" role="alert">
          {loadError}{' '}
          <a href="/" onClick={(event) => (event.preventDefault(), navigate('/'))}>
            Back to the models
          </a>
        </p>
      </div>
    )
  }
  if (!doc || !vocab) return <p className="page-message">Loading the model…</p>

  const session = active !== null ? sessionFor(active) : null
  return (
    <div className="workspace">
      <AppHeader me={me} onSignOut={onSignOut}>
        <span className="model-name">{doc.name}</span>
      </AppHeader>
      <nav className="stage-bar" aria-label="Workflow stage">
        <ol>
          {STAGES.map(([stage, label]) => (
            <li key={stage} className={stage === doc.stage ? 'is-current' : ''} aria-current={stage === doc.stage ? 'step' : undefined}>
              {label}
            </li>
          ))}
        </ol>
      </nav>
      {loadError && (
        <p className="form-error banner" role="alert">
          {loadError}
        </p>
      )}
      <ReactFlowProvider key={active ?? 0}>
        {session ? (
          <WorkspaceBody
            key={session.diagramId}
            session={session}
            doc={doc}
            vocab={vocab}
            threats={threats}
            threatError={threatError}
            analysing={analysing}
            canWrite={canWrite}
            tabs={
              <DiagramTabs
                tabs={doc.diagrams.map((d) => ({ id: d.id, name: d.name }))}
                active={session.diagramId}
                unsaved={unsaved}
                canWrite={canWrite}
                onSelect={selectDiagram}
                onAdd={addDiagram}
                onRename={renameDiagram}
              />
            }
          />
        ) : (
          <div className="page-message">
            <p>This model has no diagram yet.</p>
            {canWrite && (
              <button type="button" className="primary" onClick={addDiagram}>
                Add a diagram
              </button>
            )}
          </div>
        )}
      </ReactFlowProvider>
    </div>
  )
}
