/**
 * One diagram's editing surface: toolbar, palette, canvas with notices, the threat drawer when one
 * is open, and the right-hand panel (Properties | Threats | Risk). It renders one session's
 * snapshot and turns gestures and shortcuts into edits of that session; the workflow (heat map,
 * filters, the drawer, bulk actions, where a gate item points) comes from the workspace in `wf`.
 */
import { useReactFlow } from '@xyflow/react'
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { addFromStencil, copySelection, deleteOps, describeKeys, pasteOps } from '../core/actions'
import type { Decorations } from '../core/canvas-mapping'
import type { ElementNode, FlowEdge } from './flow-types'
import type { DiagramSession } from '../core/diagram-session'
import type { LiveRoom } from '../core/live'
import { absolutePosition, DEFAULT_SIZE, sizeOf } from '../core/geometry'
import type { Op } from '../core/ops'
import { STENCILS, type Stencil } from '../core/stencils'
import { modelQuestions, questionCounts, threatQuestions, type SubjectLookup } from '../core/questions'
import { openCounts, threatKeys, type EditorThreat } from '../core/threats'
import type { DocumentModel } from '../core/types'
import type { VocabularyIndex } from '../core/validation'
import type { Thresholds } from '../core/bands'
import type { Measure, Placement, ThreatFilter } from '../core/heat-map'
import type { Capabilities } from '../core/workflow'
import type { HeatMap as HeatMapData } from '../api/workflow'
import type { BulkKind } from '../core/bulk'
import { HeatMap } from '../workflow/HeatMap'
import type { AnswerQuestion } from '../workflow/QuestionAnswer'
import { ExportMenu } from '../interop/ExportMenu'
import { ComponentShelf } from '../workspace/ComponentShelf'
import { clipboard } from './clipboard'
import { EditorCanvas } from './EditorCanvas'
import { exportPng, exportSvg } from './export-image'
import { HelpPanel } from './HelpPanel'
import { Notices } from './Notices'
import { Palette } from './Palette'
import { PeerOverlay, useLockedByOther } from './Presence'
import { PropertyPanel } from './PropertyPanel'
import { QuestionsPanel } from './QuestionsPanel'
import { SaveStatus } from './SaveStatus'
import { ThreatPanel } from './ThreatPanel'
import { useSession } from './useSession'
import { useShortcuts } from './useShortcuts'

interface BodyProps {
  session: DiagramSession
  doc: DocumentModel
  vocab: VocabularyIndex
  threats: readonly EditorThreat[] | null
  threatError: string | null
  analysing: boolean
  canWrite: boolean
  tabs: ReactNode
  wf: WorkspaceWorkflow
  /** The model's live room: this diagram's selection goes to it, the others' show on the canvas. */
  room?: LiveRoom
}

/** The workflow as one diagram's surface needs it (state and actions live in the workspace). */
export interface WorkspaceWorkflow {
  policy: Thresholds
  heat: HeatMapData | null
  placements: ReadonlyMap<number, Partial<Record<Measure, Placement>>>
  measure: Measure
  setMeasure: (measure: Measure) => void
  filter: ThreatFilter | null
  setFilter: (filter: ThreatFilter | null) => void
  caps: Capabilities
  /** The threat open in the drawer (null: none); opening one also highlights it on the canvas. */
  drawerThreat: number | null
  openThreat: (id: number | null) => void
  onBulk: (kind: BulkKind, threats: EditorThreat[]) => void
  /** Select and centre this element or flow (a new nonce asks again for the same key). */
  focus: { key: string; nonce: number } | null
  /** Diagram or threat grid: the switch for the toolbar, and the grid when it is shown (in place of the canvas). */
  view?: { switcher: ReactNode; grid: ReactNode }
  /** An attack path outlined on the canvas (its elements and flows), over the drawer's highlight. */
  pathHighlight?: ReadonlySet<string> | null
  /** Model-wide views for the toolbar (coverage, history). */
  modelTools: ReactNode
  /** The open questions' needs: elements and flows as drawn on any diagram, the answer (an edit), where to show one. */
  questions: {
    lookup: SubjectLookup
    answer: AnswerQuestion
    show: (key: string) => void
    /** Diagrams with unsaved edits: an answer on another diagram shows as answered while it saves. */
    unsaved: ReadonlySet<number>
  }
  drawer: ReactNode
  /** The comments on the one selected element or flow (the workspace renders them; none for a multiple selection). */
  subjectComments?: (key: string) => ReactNode
}

const EMPTY: ReadonlySet<string> = new Set()

export function WorkspaceBody({ session, doc, vocab, threats, threatError, analysing, canWrite, tabs, wf, room }: BodyProps) {
  const snapshot = useSession(session)
  const { state } = snapshot
  // A facilitator's pause ('everyone look here') holds the others' editing until it ends.
  const lockedByOther = useLockedByOther(room)
  const readOnly = !canWrite || snapshot.readOnly || lockedByOther
  const flow = useReactFlow<ElementNode, FlowEdge>()
  const [selection, setSelection] = useState<ReadonlySet<string>>(EMPTY)
  const [highlight, setHighlight] = useState<ReadonlySet<string>>(EMPTY)
  const [activeThreat, setActiveThreat] = useState<number | null>(null)
  const [rightTab, setRightTab] = useState<'properties' | 'threats' | 'questions' | 'risk'>('properties')
  const [scope, setScope] = useState<'selection' | 'model'>('selection')
  const [snap, setSnap] = useState(true)
  const [present, setPresent] = useState(false)
  const [help, setHelp] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const diagramName = doc.diagrams.find((d) => d.id === session.diagramId)?.name ?? 'Diagram'

  // The selection can hold keys that an undo or a reload removed; show only what exists.
  const liveSelection = useMemo(() => {
    const kept = [...selection].filter((key) => state.elements.has(key) || state.flows.has(key))
    return kept.length === selection.size ? selection : new Set(kept)
  }, [selection, state])

  const counts = useMemo(() => openCounts(threats ?? []), [threats])
  // The model's open questions follow the threat list and every edit (the active diagram's state,
  // and the other diagrams' saves, which an answer given from the list goes through).
  // Deferred: on a model with thousands of unconfirmed findings this takes tens of milliseconds,
  // which must not hold up the edit itself.
  const { lookup, unsaved } = wf.questions
  const drawn = useDeferredValue(state)
  const questions = useMemo(() => modelQuestions(threats ?? [], lookup, vocab), [threats, lookup, vocab, drawn, unsaved])
  const questionsOf = useCallback((threat: EditorThreat) => threatQuestions(threat, lookup, vocab), [lookup, vocab])
  const questionBadges = useMemo(() => questionCounts(questions), [questions])
  const errorKeys = useMemo(() => new Set(snapshot.fieldErrors.map((error) => error.key)), [snapshot.fieldErrors])
  const decorations: Decorations = useMemo(
    () => ({ selection: liveSelection, openThreats: counts, openQuestions: questionBadges, highlighted: wf.pathHighlight ?? highlight, errors: errorKeys }),
    [liveSelection, counts, questionBadges, highlight, errorKeys, wf.pathHighlight],
  )


  // Made here, not inline, so the palette (memo) still renders only when its own inputs change.
  const shelf = useMemo(
    () => <ComponentShelf session={session} team={doc.team} selection={liveSelection} disabled={readOnly} />,
    [session, doc.team, liveSelection, readOnly],
  )

  useEffect(() => {
    room?.setPresence({ diagram: session.diagramId, selection: [...liveSelection] })
  }, [room, session.diagramId, liveSelection])

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
      let anchor: { x: number; y: number } | { into: string | null }
      if (only?.kind === 'trust_boundary') {
        // Inside the selected boundary: that is how boundaries nest and elements go in. Its first
        // free spot from the top-left corner.
        const origin = absolutePosition(current, only.key)
        const box = sizeOf(only)
        at = { x: origin.x + 24, y: origin.y + 44 }
        anchor = { into: only.key }
        if (stencil.kind === 'trust_boundary') size = { width: Math.max(160, box.width - 60), height: Math.max(110, box.height - 80) }
      } else {
        // In free room nearest the middle of what is on screen, in the boundary there if any.
        const pane = document.querySelector('.canvas-wrap')?.getBoundingClientRect()
        const centre = pane ? flow.screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 }) : { x: 0, y: 0 }
        const wanted = DEFAULT_SIZE[stencil.kind]
        at = { x: Math.round(centre.x - wanted.width / 2), y: Math.round(centre.y - wanted.height / 2) }
        anchor = centre
      }
      const { key, ops } = addFromStencil(current, stencil, at, { boundarySize: size, anchor })
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

  const addBase = (index: number) => {
    const stencil = STENCILS[index]
    if (stencil) addStencil(stencil)
  }

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

  // A gate item pointed at an element or flow: select it, show its properties, centre it. Right
  // after a diagram switch React Flow has not measured the nodes yet, so wait for them briefly.
  useEffect(() => {
    if (!wf.focus) return
    const { key } = wf.focus
    const current = live.current.state
    const flowItem = current.flows.get(key)
    if (!current.elements.has(key) && !flowItem) {
      setProblem('That element or flow is no longer on this diagram.')
      return
    }
    setSelection(new Set([key]))
    setRightTab('properties')
    const ids = flowItem ? [flowItem.source, flowItem.target] : [key]
    let tries = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const centre = () => {
      const measured = ids.every((id) => flow.getNode(id)?.measured?.width)
      if (!measured && tries++ < 40) {
        timer = setTimeout(centre, 50)
        return
      }
      void flow.fitView({ nodes: ids.map((id) => ({ id })), padding: 0.6, maxZoom: 1.2, duration: 300 })
    }
    centre()
    return () => clearTimeout(timer)
  }, [wf.focus, flow])

  // The drawer's threat is the highlighted one: opening it (from a row, a gate item, the coverage
  // view) highlights it on the canvas; closing it clears the highlight.
  const threatList = useRef(threats)
  threatList.current = threats
  useEffect(() => {
    if (wf.drawerThreat === null) {
      setActiveThreat(null)
      setHighlight(EMPTY)
      return
    }
    const threat = threatList.current?.find((t) => t.id === wf.drawerThreat)
    if (!threat) {
      setActiveThreat(wf.drawerThreat)
      return
    }
    setActiveThreat(threat.id)
    setHighlight(new Set(threatKeys(threat)))
    // The drawer narrows the canvas as it opens: centre the threat once the canvas has its new size.
    const timer = setTimeout(() => activateThreat(threat), 60)
    return () => clearTimeout(timer)
  }, [wf.drawerThreat, activateThreat])

  const onThreatRow = useCallback((threat: EditorThreat | null) => wf.openThreat(threat?.id ?? null), [wf.openThreat])

  useShortcuts({
    undo: () => session.undo(),
    redo: () => session.redo(),
    copy,
    paste,
    duplicate,
    selectAll: () => setSelection(new Set([...live.current.state.elements.keys(), ...live.current.state.flows.keys()])),
    delete: deleteSelection,
    clear: () => {
      setSelection(EMPTY)
      setHighlight(EMPTY)
      setActiveThreat(null)
      wf.openThreat(null)
    },
    help: () => setHelp((open) => !open),
    fit: () => void flow.fitView({ padding: 0.12, duration: 200 }),
    zoomIn: () => void flow.zoomIn({ duration: 150 }),
    zoomOut: () => void flow.zoomOut({ duration: 150 }),
    toggleSnap: () => setSnap((on) => !on),
    togglePresent: () => setPresent((on) => !on),
    addEntity: () => addBase(0),
    addProcess: () => addBase(1),
    addStore: () => addBase(2),
    addBoundary: () => addBase(3),
  })

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
        <label className="toggle" title="Presentation scale: canvas text at least 16 px on screen (P)">
          <input type="checkbox" checked={present} onChange={(event) => setPresent(event.target.checked)} /> Presentation scale
        </label>
        <ExportMenu
          modelId={doc.id}
          diagramId={session.diagramId}
          onBrowserSvg={() => exportSvg(state, `${doc.name} - ${diagramName}`)}
          onBrowserPng={() => exportPng(state, `${doc.name} - ${diagramName}`).catch((error: unknown) => setProblem(error instanceof Error ? error.message : 'Export failed'))}
        />
        {wf.view?.switcher}
        {wf.modelTools}
        <button type="button" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
          Help
        </button>
        <span className="toolbar-spacer" />
        <SaveStatus snapshot={snapshot} readOnly={readOnly} onRetry={() => session.retryNow()} />
      </div>
      {wf.view?.grid ? (
        <div className={`ws-body is-grid${wf.drawer ? ' has-drawer' : ''}`}>
          {wf.view.grid}
          {wf.drawer}
        </div>
      ) : (
      <div className={`ws-body${wf.drawer ? ' has-drawer' : ''}`}>
        <Palette onAdd={addStencil} disabled={readOnly}>
          {shelf}
        </Palette>
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
            present={present}
            readOnly={readOnly}
            onSelectionChange={onSelectionChange}
            onEdit={onEdit}
            onProblem={setProblem}
            overlay={room && <PeerOverlay room={room} diagramId={session.diagramId} state={state} />}
          />
        </section>
        {wf.drawer}
        <aside className="ws-right" aria-label="Details">
          <div role="tablist" aria-label="Details" className="right-tabs">
            <button type="button" role="tab" id="tab-properties" aria-controls="panel-properties" aria-selected={rightTab === 'properties'} onClick={() => setRightTab('properties')}>
              Properties
            </button>
            <button type="button" role="tab" id="tab-threats" aria-controls="panel-threats" aria-selected={rightTab === 'threats'} onClick={() => setRightTab('threats')}>
              Threats <span className="count">{threatCount}</span>
            </button>
            <button type="button" role="tab" id="tab-questions" aria-controls="panel-questions" aria-selected={rightTab === 'questions'} onClick={() => setRightTab('questions')} title="What unconfirmed findings wait on">
              Questions <span className={`count${questions.open > 0 ? ' count-questions' : ''}`}>{questions.open}</span>
            </button>
            <button type="button" role="tab" id="tab-risk" aria-controls="panel-risk" aria-selected={rightTab === 'risk'} onClick={() => setRightTab('risk')}>
              Risk
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
              questions={questions}
              onAnswer={wf.questions.answer}
            />
            )}
            {rightTab === 'properties' && liveSelection.size === 1 && wf.subjectComments?.([...liveSelection][0] ?? '')}
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
              onActivate={onThreatRow}
              policy={wf.policy}
              placements={wf.placements}
              filter={wf.filter}
              onClearFilter={() => wf.setFilter(null)}
              canBulk={wf.caps.edit}
              onBulk={wf.onBulk}
              questionsOf={questionsOf}
              canAnswer={!readOnly}
              onAnswer={wf.questions.answer}
            />
            )}
          </div>
          <div role="tabpanel" id="panel-questions" aria-labelledby="tab-questions" hidden={rightTab !== 'questions'}>
            {rightTab === 'questions' && (
              <QuestionsPanel
                questions={questions}
                loading={threats === null}
                canAnswer={!readOnly}
                onAnswer={wf.questions.answer}
                onShow={wf.questions.show}
                onOpenThreat={wf.openThreat}
              />
            )}
          </div>
          <div role="tabpanel" id="panel-risk" aria-labelledby="tab-risk" hidden={rightTab !== 'risk'}>
            {rightTab === 'risk' && (
              <div className="panel-body">
                <HeatMap
                  map={wf.heat}
                  measure={wf.measure}
                  onMeasure={wf.setMeasure}
                  filter={wf.filter}
                  onFilter={(filter) => {
                    wf.setFilter(filter)
                    setScope('model')
                    setRightTab('threats')
                  }}
                />
              </div>
            )}
          </div>
        </aside>
      </div>
      )}
      {help && <HelpPanel onClose={() => setHelp(false)} />}
    </>
  )
}
