/**
 * The model workspace: stage bar, toolbar, palette, diagram tabs with the canvas, the threat drawer,
 * and a right-hand panel with Properties, Threats and Risk. Its state is one store
 * (`core/workspace-store.ts`, pure, with named actions); this component makes the store, wires the
 * hooks that fill it (the document, the workflow, the threat list, one editing session per
 * diagram) and composes what renders it. After a save the server accepted, the threat list is
 * patched from the ops answer (`core/threat-sync.ts`) and the workflow (gates, heat map) reloads.
 */
import { ReactFlowProvider } from '@xyflow/react'
import { useCallback, useMemo, useState } from 'react'
import type { MeWithTeams } from '../api/endpoints'
import { DEFAULT_THRESHOLDS } from '../core/bands'
import type { BulkKind } from '../core/bulk'
import { itemTargetKey } from '../core/gate-targets'
import { placements as placeThreats } from '../core/heat-map'
import type { EditorThreat } from '../core/threats'
import { capabilities } from '../core/workflow'
import { mayWrite, policyOf, roleOf, stageOf, WorkspaceStore } from '../core/workspace-store'
import { DiagramTabs } from '../editor/DiagramTabs'
import { WorkspaceBody, type WorkspaceWorkflow } from '../editor/WorkspaceBody'
import { StageBar } from '../workflow/StageBar'
import { useWorkflow } from '../workflow/useWorkflow'
import { ManifestReimport } from '../workspace/ManifestReimport'
import { ModelTools } from '../workspace/ModelTools'
import { PresenceBar, RoomBanner } from '../editor/Presence'
import { RoomTools } from '../room/RoomTools'
import { useDiagramSessions } from '../workspace/useDiagramSessions'
import { useLiveRoom } from '../workspace/useLiveRoom'
import { useGateTargets } from '../workspace/useGateTargets'
import { useModelLoad } from '../workspace/useModelLoad'
import { useQuestions } from '../workspace/useQuestions'
import { useThreatSync } from '../workspace/useThreatSync'
import { AnalysisToast, useGridView, ViewSwitch } from '../workspace/useGridView'
import { ThreatGrid } from '../workflow/ThreatGrid'
import { CommentsContext, type CommentsContextValue } from '../workflow/comments-context'
import { CommentsSection } from '../workflow/CommentsSection'
import { useWorkspaceActions } from '../workspace/useWorkspaceActions'
import { useWorkspaceState } from '../workspace/useWorkspaceState'
import { WorkspaceDialogs, WorkspaceDrawer } from '../workspace/WorkspaceDialogs'
import { ModelLoadFailed, WorkspaceNotices } from '../workspace/WorkspaceNotices'
import { AppHeader } from './AppHeader'

interface Props {
  me: MeWithTeams
  modelId: number
  diagramId: number | null
  onSignOut: () => void
  /** Shown over the workspace once it is loaded (after a reload the workspace asked for). */
  notice?: string | null
  /** Load the workspace again from the server (after a change made outside the editing session). */
  onReload?: (notice: string) => void
}

export function Workspace({ me, modelId, diagramId, onSignOut, notice, onReload }: Props) {
  const [store] = useState(() => {
    const made = new WorkspaceStore()
    if (notice) made.dispatch({ type: 'noticeShown', text: notice })
    return made
  })
  const state = useWorkspaceState(store)
  useModelLoad(store, modelId, diagramId)
  const refreshWorkflow = useWorkflow(store, modelId)
  const { afterSave, threatChanged, modelWide } = useThreatSync(store, modelId, refreshWorkflow)
  const room = useLiveRoom(modelId, modelWide)
  const grid = useGridView(store, afterSave)
  const { sessionFor, nameOf, diagramOf } = useDiagramSessions(store, modelId, grid.afterSave, room)
  const { targetOf, onTarget } = useGateTargets({ store, modelId, teams: me.teams, diagramOf, onAnalysed: modelWide, refreshWorkflow })
  const actions = useWorkspaceActions(store, modelId, refreshWorkflow)
  const { lookup, answer } = useQuestions(state.doc, sessionFor, diagramOf)
  const showSubject = useCallback((key: string) => store.dispatch({ type: 'focusRequested', key, diagramId: diagramOf(key) }), [store, diagramOf])

  const role = roleOf(state, me.teams)
  const canWrite = mayWrite(role)
  const stage = stageOf(state)
  const caps = useMemo(() => capabilities(role, stage), [role, stage])
  const policy = policyOf(state)
  const placements = useMemo(() => (state.heat ? placeThreats(state.heat) : new Map()), [state.heat])
  const openThreat = useCallback((id: number | null) => store.dispatch(id === null ? { type: 'drawerClosed' } : { type: 'threatOpened', threatId: id }), [store])
  const onBulk = useCallback((kind: BulkKind, list: EditorThreat[]) => store.dispatch({ type: 'bulkOpened', kind, threats: list }), [store])
  const dismissNotice = useCallback(() => store.dispatch({ type: 'noticeDismissed' }), [store])
  // The attack path outlined on the canvas (the room's panel sets it; null: none).
  const [pathHighlight, setPathHighlight] = useState<ReadonlySet<string> | null>(null)
  const memberNames = useMemo(() => state.members.map((m) => m.username), [state.members])
  const comments: CommentsContextValue = useMemo(
    () => ({ modelId, username: me.username, role: role ?? null, members: memberNames, room }),
    [modelId, me.username, role, memberNames, room],
  )

  const { doc, vocab } = state
  if (state.loadError && !doc) return <ModelLoadFailed me={me} message={state.loadError} onSignOut={onSignOut} />
  if (!doc || !vocab) return <p className="page-message">Loading the model…</p>

  const session = state.active !== null ? sessionFor(state.active) : null
  const common = { store, state, modelId, caps }
  const bodyWorkflow: WorkspaceWorkflow = {
    policy: policy ?? DEFAULT_THRESHOLDS,
    heat: state.heat,
    placements,
    measure: state.measure,
    setMeasure: (measure) => store.dispatch({ type: 'measureSet', measure }),
    filter: state.filter,
    setFilter: (filter) => store.dispatch({ type: 'filterSet', filter }),
    caps,
    drawerThreat: state.drawer?.threatId ?? null,
    openThreat,
    onBulk,
    focus: state.focus,
    view: {
      switcher: <ViewSwitch view={grid.view} onView={grid.setView} />,
      grid: grid.view === 'grid' && (
        <ThreatGrid
          threats={state.threats}
          loadError={state.threatError}
          policy={policy ?? DEFAULT_THRESHOLDS}
          nameOf={nameOf}
          activeThreat={state.drawer?.threatId ?? null}
          onOpen={openThreat}
          canBulk={caps.edit}
          onBulk={onBulk}
          changed={grid.changed}
          onClearChanged={grid.clearChanged}
        />
      ),
    },
    pathHighlight,
    modelTools: (
      <>
        <ModelTools
          store={store}
          modelId={modelId}
          templateName={canWrite ? doc.name : undefined}
          onEvidence={canWrite ? (onReload ?? (() => undefined)) : undefined}
          reimport={canWrite && session && onReload && <ManifestReimport session={session} vocab={vocab} onApplied={onReload} />}
        />
        <RoomTools
          store={store}
          state={state}
          modelId={modelId}
          canEdit={caps.edit}
          nameOf={nameOf}
          onThreatChanged={threatChanged}
          onModelWide={modelWide}
          onHighlight={setPathHighlight}
          me={me.username}
          role={role}
        />
      </>
    ),
    questions: { lookup, answer, show: showSubject, unsaved: state.unsaved },
    subjectComments: (key) => (
      <CommentsContext.Provider value={comments}>
        <CommentsSection key={key} subject={{ subject: key }} label={nameOf(key)} />
      </CommentsContext.Provider>
    ),
    drawer: state.drawer && (
      <CommentsContext.Provider value={comments}>
        <WorkspaceDrawer
          {...common}
          username={me.username}
          nameOf={nameOf}
          onThreatChanged={threatChanged}
          onChanged={refreshWorkflow}
          questions={{ lookup, answer, vocab, canAnswer: canWrite }}
        />
      </CommentsContext.Provider>
    ),
  }
  return (
    <div className="workspace">
      <AppHeader me={me} onSignOut={onSignOut}>
        <span className="model-name">{doc.name}</span>
        <PresenceBar room={room} />
      </AppHeader>
      <StageBar
        gates={state.gates}
        stage={stage}
        role={role}
        loadError={state.workflowError}
        targetOf={targetOf}
        onTarget={onTarget}
        onAdvance={actions.advance}
        onReopen={actions.reopen}
        heat={state.heat}
        where={(item) => {
          const key = itemTargetKey(item)
          return key ? nameOf(key) : null
        }}
      />
      <WorkspaceNotices loadError={state.loadError} notice={state.notice} onDismiss={dismissNotice} />
      <RoomBanner room={room} />
      <ReactFlowProvider key={state.active ?? 0}>
        {session ? (
          <WorkspaceBody
            key={session.diagramId}
            session={session}
            doc={doc}
            vocab={vocab}
            threats={state.threats}
            threatError={state.threatError}
            analysing={state.analysing}
            canWrite={canWrite}
            wf={bodyWorkflow}
            room={room}
            tabs={
              <DiagramTabs
                tabs={doc.diagrams.map((d) => ({ id: d.id, name: d.name }))}
                active={session.diagramId}
                unsaved={state.unsaved}
                canWrite={canWrite}
                onSelect={actions.selectDiagram}
                onAdd={actions.addDiagram}
                onRename={actions.renameDiagram}
              />
            }
          />
        ) : (
          <div className="page-message">
            <p>This model has no diagram yet.</p>
            {canWrite && (
              <button type="button" className="primary" onClick={actions.addDiagram}>
                Add a diagram
              </button>
            )}
          </div>
        )}
      </ReactFlowProvider>
      {grid.toast && <AnalysisToast toast={grid.toast} onShow={grid.showNews} onDismiss={grid.dismissToast} />}
      <WorkspaceDialogs {...common} canWrite={canWrite} policy={policy} placements={placements} onBulkDone={modelWide} refreshWorkflow={refreshWorkflow} />
    </div>
  )
}
