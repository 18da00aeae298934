/**
 * The workspace's state in one immutable record, changed only by named actions.
 *
 * What the model workspace shows — the document and vocabulary, the threat list with the model
 * version it describes, the open diagram and which diagrams have unsaved edits, the workflow's
 * answers (gates, heat map), what is open around the diagram (the threat drawer, the coverage view,
 * history, the report, a bulk action), the heat-map measure and filter, the notice — is one
 * `WorkspaceState`. `reduce` is the only way it changes: a pure function of the state and a typed
 * action, so every transition has a unit test and no component keeps a copy. The rules that
 * used to be effects live here too: the measure follows the stage when the stage changes, and a
 * heat-map filter follows a fresh heat map.
 *
 * The React layer reads it through `WorkspaceStore` (an external store for `useSyncExternalStore`)
 * and dispatches; requests are made by the hooks, which report their answers as actions. Editing
 * sessions (one per diagram, `diagram-session.ts`) keep their own state: they are not copied here.
 */
import type { GateReport, HeatMap as HeatMapData, Control, Membership } from '../api/workflow'
import type { Thresholds } from './bands'
import type { BulkKind } from './bulk'
import type { DecisionPolicy } from './decision-form'
import { refreshFilter, stageMeasure, type Measure, type ThreatFilter } from './heat-map'
import { threatsFromDocument } from './threat-rows'
import type { ThreatList } from './threat-sync'
import { patchThreats, type EditorThreat } from './threats'
import type { DocumentModel } from './types'
import type { VocabularyIndex } from './validation'
import { asStage, type Stage } from './workflow'

/** The threat the drawer shows, and a mitigation of it to scroll to. */
export interface DrawerTarget {
  threatId: number
  mitigation: number | null
}

/** The coverage view: null opens it on the whole matrix, a cell opens it there. */
export type CoverageFocus = { target: string; stride: string } | null

export type HistoryTab = 'versions' | 'audit'

export interface WorkspaceState {
  doc: DocumentModel | null
  vocab: VocabularyIndex | null
  /** Why the model (or a diagram change made from the tabs) failed. */
  loadError: string | null
  /** The model's threats, obsolete ones left out; null until the document is in. */
  threats: readonly EditorThreat[] | null
  /** The model version the threat list describes (what `changed_since` asks from). */
  threatsVersion: number | null
  threatError: string | null
  /** An analysis queued for a worker is awaited. */
  analysing: boolean
  /** The diagram shown. */
  active: number | null
  /** Diagrams with edits the server has not confirmed yet. */
  unsaved: ReadonlySet<number>
  gates: GateReport | null
  heat: HeatMapData | null
  workflowError: string | null
  members: readonly Membership[]
  controls: readonly Control[]
  drawer: DrawerTarget | null
  /** false: closed. */
  coverage: CoverageFocus | false
  history: HistoryTab | null
  reportOpen: boolean
  bulk: { kind: BulkKind; threats: readonly EditorThreat[] } | null
  /** Select and centre this element or flow; a new nonce asks again for the same key. */
  focus: { key: string; nonce: number } | null
  filter: ThreatFilter | null
  measure: Measure
  /** A message at the top of the workspace; a new id restarts its timer. */
  notice: { text: string; id: number } | null
}

export const initialWorkspace: WorkspaceState = {
  doc: null,
  vocab: null,
  loadError: null,
  threats: null,
  threatsVersion: null,
  threatError: null,
  analysing: false,
  active: null,
  unsaved: new Set(),
  gates: null,
  heat: null,
  workflowError: null,
  members: [],
  controls: [],
  drawer: null,
  coverage: false,
  history: null,
  reportOpen: false,
  bulk: null,
  focus: null,
  filter: null,
  measure: stageMeasure('design'),
  notice: null,
}

export type WorkspaceAction =
  /** The document and the vocabulary are in: open `diagramId` when the model has it, else the first diagram. */
  | { type: 'loaded'; doc: DocumentModel; vocab: VocabularyIndex; diagramId: number | null }
  /** The document again (after a conflict, a new diagram): the diagrams and the threats it brings. */
  | { type: 'documentReloaded'; doc: DocumentModel }
  | { type: 'loadFailed'; message: string }
  | { type: 'diagramSelected'; id: number }
  | { type: 'diagramRenamed'; id: number; name: string }
  | { type: 'unsavedChanged'; id: number; unsaved: boolean }
  | { type: 'threatsReplaced'; threats: readonly EditorThreat[]; version: number | null }
  /** Rows changed by the server put in (obsolete ones leave); `version` null keeps the version. */
  | { type: 'threatsPatched'; rows: readonly EditorThreat[]; version: number | null }
  | { type: 'threatsFailed'; message: string }
  | { type: 'analysisWaiting'; on: boolean }
  | { type: 'workflowLoaded'; gates: GateReport; heat: HeatMapData }
  | { type: 'workflowFailed'; message: string }
  /** A stage move answered with the new stage and its gates. */
  | { type: 'stageMoved'; stage: DocumentModel['stage']; gates: GateReport }
  | { type: 'catalogueLoaded'; members: readonly Membership[]; controls: readonly Control[] }
  | { type: 'threatOpened'; threatId: number; mitigation?: number | null }
  | { type: 'drawerClosed' }
  | { type: 'coverageOpened'; focus: CoverageFocus }
  | { type: 'coverageClosed' }
  | { type: 'historyOpened'; tab: HistoryTab }
  | { type: 'historyClosed' }
  | { type: 'reportOpened' }
  | { type: 'reportClosed' }
  | { type: 'bulkOpened'; kind: BulkKind; threats: readonly EditorThreat[] }
  | { type: 'bulkClosed' }
  /** Select and centre an element or flow, on its diagram when one is given. */
  | { type: 'focusRequested'; key: string; diagramId: number | null }
  | { type: 'filterSet'; filter: ThreatFilter | null }
  | { type: 'measureSet'; measure: Measure }
  | { type: 'noticeShown'; text: string }
  | { type: 'noticeDismissed' }

/** The stage the workspace is in: the gates' answer, else the document's. */
export function stageOf(state: WorkspaceState): Stage {
  return asStage(state.gates?.stage ?? state.doc?.stage)
}

/** The user's role on this model: the gates say it; before they answer, the team membership. */
export function roleOf(state: WorkspaceState, teams: readonly { id: number; role: string }[]): string | null {
  return state.gates?.your_role ?? teams.find((team) => team.id === state.doc?.team)?.role ?? null
}

export function mayWrite(role: string | null): boolean {
  return role === 'owner' || role === 'editor'
}

/** The model's risk policy as the gates or the heat map gave it, null before either answered. */
export function policyOf(state: WorkspaceState): (Thresholds & DecisionPolicy) | null {
  return state.gates?.risk_policy ?? state.heat?.risk_policy ?? null
}

export function reduce(state: WorkspaceState, action: WorkspaceAction): WorkspaceState {
  const next = step(state, action)
  // The heat map opens on the measure the stage's gate reads; the user may switch until the stage moves.
  const stage = stageOf(next)
  return stage !== stageOf(state) ? { ...next, measure: stageMeasure(stage) } : next
}

function step(state: WorkspaceState, action: WorkspaceAction): WorkspaceState {
  switch (action.type) {
    case 'loaded': {
      const wanted = action.doc.diagrams.find((d) => d.id === action.diagramId) ?? action.doc.diagrams[0]
      return {
        ...state,
        doc: action.doc,
        vocab: action.vocab,
        loadError: null,
        threats: threatsFromDocument(action.doc.threats),
        threatsVersion: action.doc.version,
        threatError: null,
        active: wanted?.id ?? null,
      }
    }
    case 'documentReloaded':
      return {
        ...state,
        doc: action.doc,
        threats: threatsFromDocument(action.doc.threats),
        threatsVersion: Math.max(action.doc.version, state.threatsVersion ?? action.doc.version),
        threatError: null,
      }
    case 'loadFailed':
      return { ...state, loadError: action.message }
    case 'diagramSelected':
      return state.active === action.id ? state : { ...state, active: action.id }
    case 'diagramRenamed':
      if (!state.doc) return state
      return { ...state, doc: { ...state.doc, diagrams: state.doc.diagrams.map((d) => (d.id === action.id ? { ...d, name: action.name } : d)) } }
    case 'unsavedChanged': {
      if (state.unsaved.has(action.id) === action.unsaved) return state
      const unsaved = new Set(state.unsaved)
      if (action.unsaved) unsaved.add(action.id)
      else unsaved.delete(action.id)
      return { ...state, unsaved }
    }
    case 'threatsReplaced':
      return { ...state, threats: action.threats, threatsVersion: laterVersion(state.threatsVersion, action.version), threatError: null }
    case 'threatsPatched': {
      const threats = patchThreats(state.threats ?? [], action.rows)
      const threatsVersion = laterVersion(state.threatsVersion, action.version)
      if (threats === state.threats && threatsVersion === state.threatsVersion && state.threatError === null) return state
      return { ...state, threats, threatsVersion, threatError: null }
    }
    case 'threatsFailed':
      return { ...state, threatError: action.message }
    case 'analysisWaiting':
      return state.analysing === action.on ? state : { ...state, analysing: action.on }
    case 'workflowLoaded':
      return {
        ...state,
        gates: action.gates,
        heat: action.heat,
        workflowError: null,
        filter: state.filter ? refreshFilter(action.heat, state.filter) : null,
      }
    case 'workflowFailed':
      return { ...state, workflowError: action.message }
    case 'stageMoved':
      return { ...state, gates: action.gates, doc: state.doc ? { ...state.doc, stage: action.stage } : state.doc }
    case 'catalogueLoaded':
      return { ...state, members: action.members, controls: action.controls }
    case 'threatOpened':
      return { ...state, drawer: { threatId: action.threatId, mitigation: action.mitigation ?? null } }
    case 'drawerClosed':
      return state.drawer === null ? state : { ...state, drawer: null }
    case 'coverageOpened':
      return { ...state, coverage: action.focus }
    case 'coverageClosed':
      return { ...state, coverage: false }
    case 'historyOpened':
      return { ...state, history: action.tab }
    case 'historyClosed':
      return { ...state, history: null }
    case 'reportOpened':
      return { ...state, reportOpen: true }
    case 'reportClosed':
      return { ...state, reportOpen: false }
    case 'bulkOpened':
      return { ...state, bulk: { kind: action.kind, threats: action.threats } }
    case 'bulkClosed':
      return { ...state, bulk: null }
    case 'focusRequested':
      return {
        ...state,
        active: action.diagramId ?? state.active,
        focus: { key: action.key, nonce: (state.focus?.nonce ?? 0) + 1 },
      }
    case 'filterSet':
      return { ...state, filter: action.filter }
    case 'measureSet':
      return { ...state, measure: action.measure }
    case 'noticeShown':
      return { ...state, notice: { text: action.text, id: (state.notice?.id ?? 0) + 1 } }
    case 'noticeDismissed':
      return state.notice === null ? state : { ...state, notice: null }
  }
}

function laterVersion(current: number | null, incoming: number | null): number | null {
  if (incoming === null) return current
  return current === null ? incoming : Math.max(current, incoming)
}

/** The state for `useSyncExternalStore`: read, subscribe, dispatch. */
export class WorkspaceStore {
  private state: WorkspaceState
  private readonly listeners = new Set<() => void>()

  constructor(initial: WorkspaceState = initialWorkspace) {
    this.state = initial
  }

  getState = (): WorkspaceState => this.state

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  dispatch = (action: WorkspaceAction): void => {
    const next = reduce(this.state, action)
    if (next === this.state) return
    this.state = next
    for (const listener of this.listeners) listener()
  }
}

/** The store's threat list as `ThreatSync` keeps it. */
export function threatListOf(store: WorkspaceStore): ThreatList {
  return {
    version: () => store.getState().threatsVersion,
    replaced: (threats, version) => store.dispatch({ type: 'threatsReplaced', threats, version }),
    patched: (rows, version) => store.dispatch({ type: 'threatsPatched', rows, version }),
    failed: (message) => store.dispatch({ type: 'threatsFailed', message }),
    analysing: (on) => store.dispatch({ type: 'analysisWaiting', on }),
  }
}
