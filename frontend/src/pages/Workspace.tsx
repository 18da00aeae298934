/**
 * The model workspace: stage bar, toolbar, palette, diagram tabs with the canvas, and a right-hand
 * panel with Properties and Threats. It loads the document and the vocabulary once, keeps one
 * editing session per diagram (so switching tabs keeps unsaved edits), and reloads the threats
 * after every save the server accepted.
 */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react'
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { ApiError } from '../api/client'
import { diagrams as diagramApi, models, vocabulary as vocabularyApi, type MeWithTeams } from '../api/endpoints'
import { analysisQueued, loadThreats, threatsFromDocument, waitForAnalysis } from '../api/threats'
import { addFromStencil, copySelection, deleteOps, describeKeys, pasteOps } from '../core/actions'
import type { Decorations, ElementNode, FlowEdge } from '../core/canvas-mapping'
import { DiagramSession, type OpsResult, type Transport } from '../core/diagram-session'
import { absolutePosition, sizeOf } from '../core/geometry'
import { diagramState, findDiagram } from '../core/mapping'
import type { Op } from '../core/ops'
import { STENCILS, type Stencil } from '../core/stencils'
import { openCounts, threatKeys, type EditorThreat } from '../core/threats'
import type { DocumentModel } from '../core/types'
import { indexVocabulary, type VocabularyIndex } from '../core/validation'
import { clipboard } from '../editor/clipboard'
import { DiagramTabs } from '../editor/DiagramTabs'
import { EditorCanvas } from '../editor/EditorCanvas'
import { exportPng, exportSvg } from '../editor/export-image'
import { HelpPanel } from '../editor/HelpPanel'
import { Notices } from '../editor/Notices'
import { Palette } from '../editor/Palette'
import { PropertyPanel } from '../editor/PropertyPanel'
import { SaveStatus } from '../editor/SaveStatus'
import { ThreatPanel } from '../editor/ThreatPanel'
import { useSession } from '../editor/useSession'
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

interface BodyProps {
  session: DiagramSession
  doc: DocumentModel
  vocab: VocabularyIndex
  threats: EditorThreat[] | null
  threatError: string | null
  analysing: boolean
  canWrite: boolean
  tabs: ReactNode
}

const EMPTY: ReadonlySet<string> = new Set()

function WorkspaceBody({ session, doc, vocab, threats, threatError, analysing, canWrite, tabs }: BodyProps) {
  const snapshot = useSession(session)
  const { state } = snapshot
  const readOnly = !canWrite || snapshot.readOnly
  const flow = useReactFlow<ElementNode, FlowEdge>()
  const [selection, setSelection] = useState<ReadonlySet<string>>(EMPTY)
  const [highlight, setHighlight] = useState<ReadonlySet<string>>(EMPTY)
  const [activeThreat, setActiveThreat] = useState<number | null>(null)
  const [rightTab, setRightTab] = useState<'properties' | 'threats'>('properties')
  const [scope, setScope] = useState<'selection' | 'model'>('selection')
  const [snap, setSnap] = useState(true)
  const [help, setHelp] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const addCount = useRef(0)
  const diagramName = doc.diagrams.find((d) => d.id === session.diagramId)?.name ?? 'Diagram'

  // The selection can hold keys that an undo or a reload removed; show only what exists.
  const liveSelection = useMemo(() => {
    const kept = [...selection].filter((key) => state.elements.has(key) || state.flows.has(key))
    return kept.length === selection.size ? selection : new Set(kept)
  }, [selection, state])

  const counts = useMemo(() => openCounts(threats ?? []), [threats])
  const errorKeys = useMemo(() => new Set(snapshot.fieldErrors.map((error) => error.key)), [snapshot.fieldErrors])
  const decorations: Decorations = useMemo(
    () => ({ selection: liveSelection, openThreats: counts, highlighted: highlight, errors: errorKeys }),
    [liveSelection, counts, highlight, errorKeys],
  )

  useEffect(() => {
    if (!problem) return
    const timer = setTimeout(() => setProblem(null), 6000)
    return () => clearTimeout(timer)
  }, [problem])

  const onEdit = useCallback((label: string, ops: Op[]) => session.edit(label, ops), [session])

  const live = useRef({ state, selection: liveSelection, readOnly })
  live.current = { state, selection: liveSelection, readOnly }

  const addStencil = useCallback(
    (stencil: Stencil) => {
      const { state: current, selection: selected, readOnly: ro } = live.current
      if (ro) return
      const only = selected.size === 1 ? current.elements.get([...selected][0] ?? '') : undefined
      let at: { x: number; y: number }
      let size: { width: number; height: number } | undefined
      if (only?.kind === 'trust_boundary') {
        // Inside the selected boundary: that is how boundaries nest and elements go in.
        const origin = absolutePosition(current, only.key)
        const box = sizeOf(only)
        const n = [...current.elements.values()].filter((e) => e.parent === only.key).length
        at = { x: origin.x + 24 + (n % 6) * 28, y: origin.y + 44 + (n % 6) * 20 }
        if (stencil.kind === 'trust_boundary') size = { width: Math.max(160, box.width - 60), height: Math.max(110, box.height - 80) }
      } else {
        const pane = document.querySelector('.canvas-wrap')?.getBoundingClientRect()
        const centre = pane ? flow.screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 }) : { x: 0, y: 0 }
        const n = addCount.current++ % 8
        at = { x: Math.round(centre.x - 70 + n * 24), y: Math.round(centre.y - 40 + n * 24) }
      }
      const { key, ops } = addFromStencil(current, stencil, at, size)
      const failure = session.edit(`Add “${stencil.name}”`, ops)
      if (failure) setProblem(failure)
      else setSelection(new Set([key]))
    },
    [flow, session],
  )

  const deleteSelection = useCallback(() => {
    const { state: current, selection: selected, readOnly: ro } = live.current
    if (ro || selected.size === 0) return
    const failure = session.edit(`Delete ${describeKeys(current, selected)}`, deleteOps(current, selected))
    if (failure) setProblem(failure)
    else setSelection(EMPTY)
  }, [session])

  const copy = useCallback(() => {
    const { state: current, selection: selected } = live.current
    if (selected.size > 0) clipboard.set(copySelection(current, selected))
  }, [])

  const paste = useCallback(() => {
    const { state: current, readOnly: ro } = live.current
    const copied = clipboard.get()
    if (ro || !copied || copied.elements.length === 0) return
    const { ops, keys } = pasteOps(current, copied)
    const failure = session.edit(`Paste ${copied.elements.length} element(s)`, ops)
    if (failure) setProblem(failure)
    else setSelection(new Set(keys))
  }, [session])

  const duplicate = useCallback(() => {
    copy()
    paste()
  }, [copy, paste])

  const activateThreat = useCallback(
    (threat: EditorThreat | null) => {
      setActiveThreat(threat?.id ?? null)
      if (!threat) {
        setHighlight(EMPTY)
        return
      }
      const keys = new Set(threatKeys(threat))
      setHighlight(keys)
      const current = live.current.state
      const nodeIds = new Set<string>()
      for (const key of keys) {
        if (current.elements.has(key)) nodeIds.add(key)
        const f = current.flows.get(key)
        if (f) {
          nodeIds.add(f.source)
          nodeIds.add(f.target)
        }
      }
      if (nodeIds.size > 0) void flow.fitView({ nodes: [...nodeIds].map((id) => ({ id })), padding: 0.5, maxZoom: 1.2, duration: 300 })
    },
    [flow],
  )

  const onSelectionChange = useCallback((next: ReadonlySet<string>) => {
    setSelection(next)
  }, [])

  // Keyboard shortcuts, listed in the help panel. Typing in a field never triggers them.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null
      if (target && (target.closest('input, textarea, select, [contenteditable="true"]') || target.closest('.modal'))) return
      const mod = event.ctrlKey || event.metaKey
      const key = event.key
      if (mod && key.toLowerCase() === 'z') {
        event.preventDefault()
        if (event.shiftKey) session.redo()
        else session.undo()
      } else if (mod && key.toLowerCase() === 'y') {
        event.preventDefault()
        session.redo()
      } else if (mod && key.toLowerCase() === 'c') {
        copy()
      } else if (mod && key.toLowerCase() === 'v') {
        event.preventDefault()
        paste()
      } else if (mod && key.toLowerCase() === 'd') {
        event.preventDefault()
        duplicate()
      } else if (mod && key.toLowerCase() === 'a') {
        event.preventDefault()
        const current = live.current.state
        setSelection(new Set([...current.elements.keys(), ...current.flows.keys()]))
      } else if (mod) {
        return
      } else if (key === 'Delete' || key === 'Backspace') {
        event.preventDefault()
        deleteSelection()
      } else if (key === 'Escape') {
        setSelection(EMPTY)
        setHighlight(EMPTY)
        setActiveThreat(null)
      } else if (key === '?') {
        setHelp((open) => !open)
      } else if (key === 'f' || key === 'F') {
        void flow.fitView({ padding: 0.12, duration: 200 })
      } else if (key === '+' || key === '=') {
        void flow.zoomIn({ duration: 150 })
      } else if (key === '-') {
        void flow.zoomOut({ duration: 150 })
      } else if (key === 'g' || key === 'G') {
        setSnap((on) => !on)
      } else if (['1', '2', '3', '4'].includes(key)) {
        const stencil = STENCILS[Number(key) - 1]
        if (stencil) addStencil(stencil)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [session, copy, paste, duplicate, deleteSelection, addStencil, flow])

  const threatCount = threats?.length ?? 0
  return (
    <>
      <div className="toolbar" role="toolbar" aria-label="Diagram tools">
        <button type="button" onClick={() => session.undo()} disabled={!snapshot.canUndo || readOnly} title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button type="button" onClick={() => session.redo()} disabled={!snapshot.canRedo || readOnly} title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
        <span className="toolbar-sep" aria-hidden="true" />
        <button type="button" onClick={deleteSelection} disabled={liveSelection.size === 0 || readOnly} title="Delete (Del)">
          Delete
        </button>
        <button type="button" onClick={duplicate} disabled={liveSelection.size === 0 || readOnly} title="Duplicate (Ctrl+D)">
          Duplicate
        </button>
        <span className="toolbar-sep" aria-hidden="true" />
        <button type="button" onClick={() => void flow.fitView({ padding: 0.12, duration: 200 })} title="Fit to window (F)">
          Fit
        </button>
        <label className="toggle" title="Snap to grid (G)">
          <input type="checkbox" checked={snap} onChange={(event) => setSnap(event.target.checked)} /> Snap to grid
        </label>
        <details className="menu">
          <summary>Export</summary>
          <div className="menu-items" role="menu" onClick={(event) => event.currentTarget.closest('details')?.removeAttribute('open')}>
            <button type="button" role="menuitem" onClick={() => exportSvg(state, `${doc.name} - ${diagramName}`)}>
              Diagram as SVG
            </button>
            <button
              type="button"
              role="menuitem"
              onClick={() => exportPng(state, `${doc.name} - ${diagramName}`).catch((error: unknown) => setProblem(error instanceof Error ? error.message : 'Export failed'))}
            >
              Diagram as PNG
            </button>
          </div>
        </details>
        <button type="button" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
          Help
        </button>
        <span className="toolbar-spacer" />
        <SaveStatus snapshot={snapshot} readOnly={readOnly} onRetry={() => session.retryNow()} />
      </div>
      <div className="ws-body">
        <Palette onAdd={addStencil} disabled={readOnly} />
        <section className="ws-center" aria-label="Diagram">
          {tabs}
          <Notices notices={snapshot.notices} onDismiss={(id) => session.dismissNotice(id)} />
          {problem && (
            <div className="problem" role="status">
              {problem}
            </div>
          )}
          <EditorCanvas
            state={state}
            decorations={decorations}
            snap={snap}
            readOnly={readOnly}
            onSelectionChange={onSelectionChange}
            onEdit={onEdit}
            onProblem={setProblem}
          />
        </section>
        <aside className="ws-right" aria-label="Details">
          <div role="tablist" aria-label="Details" className="right-tabs">
            <button type="button" role="tab" id="tab-properties" aria-controls="panel-properties" aria-selected={rightTab === 'properties'} onClick={() => setRightTab('properties')}>
              Properties
            </button>
            <button type="button" role="tab" id="tab-threats" aria-controls="panel-threats" aria-selected={rightTab === 'threats'} onClick={() => setRightTab('threats')}>
              Threats <span className="count">{threatCount}</span>
            </button>
          </div>
          <div role="tabpanel" id="panel-properties" aria-labelledby="tab-properties" hidden={rightTab !== 'properties'}>
            {rightTab === 'properties' && (
            <PropertyPanel
              state={state}
              selection={liveSelection}
              vocab={vocab}
              fieldErrors={snapshot.fieldErrors}
              readOnly={readOnly}
              onEdit={onEdit}
              onDelete={deleteSelection}
            />
            )}
          </div>
          <div role="tabpanel" id="panel-threats" aria-labelledby="tab-threats" hidden={rightTab !== 'threats'}>
            {rightTab === 'threats' && (
            <ThreatPanel
              threats={threats}
              loadError={threatError}
              analysing={analysing}
              state={state}
              selection={liveSelection}
              scope={scope}
              onScope={setScope}
              activeThreat={activeThreat}
              onActivate={activateThreat}
            />
            )}
          </div>
        </aside>
      </div>
      {help && <HelpPanel onClose={() => setHelp(false)} />}
    </>
  )
}
