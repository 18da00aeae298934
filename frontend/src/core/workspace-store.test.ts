import type { GateReport, HeatMap } from '../api/workflow'
import { documentThreat, documentThreats, editorThreat } from './test-threats'
import type { DocumentModel } from './types'
import type { VocabularyIndex } from './validation'
import { initialWorkspace, policyOf, reduce, roleOf, stageOf, WorkspaceStore, type WorkspaceAction, type WorkspaceState } from './workspace-store'

const POLICY = { unacceptable_at: 15, acceptable_max: 4, impact_floor: 4, acceptance_max_days: 365, exception_max_days: 90 }

function doc(over: Partial<DocumentModel> = {}): DocumentModel {
  return {
    id: 1, team: 3, name: 'Shop', description: '', scope: '', assumptions: '', stage: 'design', version: 8, vocabulary_version: 1,
    coverage_notes: [],
    diagrams: [
      { id: 10, name: 'Context', level: 'context', order: 0, version: 2, elements: [], flows: [] },
      { id: 11, name: 'Level 0', level: 'level_0', order: 1, version: 5, elements: [], flows: [] },
    ],
    threats: documentThreats([
      documentThreat({ id: 1, fingerprint: 'R@web', title: 'Tamper' }),
      documentThreat({ id: 2, fingerprint: 'Q@web', title: 'Gone', status: 'obsolete' }),
    ]),
    ...over,
  }
}

const gates = (stage: string, role = 'editor'): GateReport => ({ stage, your_role: role, risk_policy: POLICY, blocking: [] }) as unknown as GateReport

function heat(cells: { likelihood: number; impact: number; ids: number[] }[]): HeatMap {
  return {
    risk_policy: POLICY,
    unrated: [],
    band_totals: {},
    cells: cells.map((c) => ({
      likelihood: c.likelihood, impact: c.impact, score: c.likelihood * c.impact, level: '', band: 'tolerable',
      counts: { inherent: c.ids.length }, threats: { inherent: c.ids },
    })),
  } as unknown as HeatMap
}

const run = (...actions: WorkspaceAction[]): WorkspaceState => actions.reduce(reduce, initialWorkspace)
const loaded = (over: Partial<DocumentModel> = {}, diagramId: number | null = null): WorkspaceAction => ({
  type: 'loaded', doc: doc(over), vocab: {} as VocabularyIndex, diagramId,
})

describe('the workspace store', () => {
  it('opens the diagram the address names, else the first, with the document’s threats and version', () => {
    expect(run(loaded({}, 11)).active).toBe(11)
    const state = run(loaded({}, 99))
    expect(state.active).toBe(10)
    expect(state.threats?.map((t) => t.id)).toEqual([1])
    expect(state.threatsVersion).toBe(8)
    expect(run(loaded({ diagrams: [] })).active).toBeNull()
  })

  it('keeps a load failure apart from the document', () => {
    expect(run({ type: 'loadFailed', message: 'Not found.' })).toMatchObject({ loadError: 'Not found.', doc: null })
  })

  it('opens the heat map on the measure the stage’s gate reads, and keeps the user’s choice until the stage moves', () => {
    expect(run(loaded({ stage: 'fix' })).measure).toBe('projected')
    const chosen = run(loaded({ stage: 'fix' }), { type: 'measureSet', measure: 'inherent' })
    expect(reduce(chosen, { type: 'workflowLoaded', gates: gates('fix'), heat: heat([]) }).measure).toBe('inherent')
    const moved = reduce(chosen, { type: 'stageMoved', stage: 'verify', gates: gates('verify') })
    expect(moved.measure).toBe('verified')
    expect(moved.doc?.stage).toBe('verify')
    expect(stageOf(moved)).toBe('verify')
  })

  it('recomputes a heat-map filter on a fresh heat map', () => {
    const first = heat([{ likelihood: 4, impact: 5, ids: [1] }])
    const filtered = run(loaded(), { type: 'workflowLoaded', gates: gates('design'), heat: first }, {
      type: 'filterSet', filter: { kind: 'cell', measure: 'inherent', likelihood: 4, impact: 5, ids: new Set([1]) },
    })
    const after = reduce(filtered, { type: 'workflowLoaded', gates: gates('design'), heat: heat([{ likelihood: 4, impact: 5, ids: [1, 7] }]) })
    expect([...(after.filter?.ids ?? [])]).toEqual([1, 7])
    expect(reduce(after, { type: 'filterSet', filter: null }).filter).toBeNull()
  })

  it('takes the role from the gates, and from the team before they answer', () => {
    const teams = [{ id: 3, role: 'viewer' }]
    const state = run(loaded())
    expect(roleOf(state, teams)).toBe('viewer')
    expect(roleOf(reduce(state, { type: 'workflowLoaded', gates: gates('design', 'owner'), heat: heat([]) }), teams)).toBe('owner')
    expect(roleOf(state, [])).toBeNull()
    expect(policyOf(state)).toBeNull()
    expect(policyOf(reduce(state, { type: 'workflowLoaded', gates: gates('design'), heat: heat([]) }))).toEqual(POLICY)
  })

  it('patches the threat list and moves its version forward only', () => {
    const state = run(loaded())
    const patched = reduce(state, { type: 'threatsPatched', rows: [editorThreat({ id: 5, title: 'new' }), editorThreat({ id: 1, status: 'obsolete' })], version: 9 })
    expect(patched.threats?.map((t) => t.id)).toEqual([5])
    expect(patched.threatsVersion).toBe(9)
    expect(reduce(patched, { type: 'threatsPatched', rows: [], version: 7 })).toBe(patched)
    expect(reduce(patched, { type: 'threatsReplaced', threats: [], version: null }).threatsVersion).toBe(9)
  })

  it('shows a failed threat request until the next answer', () => {
    const failed = run(loaded(), { type: 'threatsFailed', message: 'Offline.' })
    expect(failed.threatError).toBe('Offline.')
    expect(reduce(failed, { type: 'threatsPatched', rows: [], version: null }).threatError).toBeNull()
  })

  it('takes a reloaded document’s diagrams and threats, never an older version', () => {
    const state = run(loaded(), { type: 'threatsPatched', rows: [], version: 12 })
    const reloaded = reduce(state, { type: 'documentReloaded', doc: doc({ version: 10, name: 'Shop 2' }) })
    expect(reloaded.doc?.name).toBe('Shop 2')
    expect(reloaded.threatsVersion).toBe(12)
    expect(reduce(state, { type: 'documentReloaded', doc: doc({ version: 14 }) }).threatsVersion).toBe(14)
  })

  it('renames a diagram and tracks which diagrams have unsaved edits', () => {
    let state = run(loaded(), { type: 'diagramRenamed', id: 11, name: 'Checkout' })
    expect(state.doc?.diagrams.map((d) => d.name)).toEqual(['Context', 'Checkout'])
    state = reduce(state, { type: 'unsavedChanged', id: 11, unsaved: true })
    expect([...state.unsaved]).toEqual([11])
    expect(reduce(state, { type: 'unsavedChanged', id: 11, unsaved: true })).toBe(state)
    expect([...reduce(state, { type: 'unsavedChanged', id: 11, unsaved: false }).unsaved]).toEqual([])
  })

  it('focuses an element on its diagram, asking again with a new nonce for the same key', () => {
    const once = run(loaded(), { type: 'focusRequested', key: 'web', diagramId: 11 })
    expect(once).toMatchObject({ active: 11, focus: { key: 'web', nonce: 1 } })
    expect(reduce(once, { type: 'focusRequested', key: 'web', diagramId: null })).toMatchObject({ active: 11, focus: { key: 'web', nonce: 2 } })
  })

  it('opens and closes the drawer, the coverage view, history, the report and a bulk action', () => {
    const list = [editorThreat({ id: 1 })]
    const state = run(
      loaded(),
      { type: 'threatOpened', threatId: 4, mitigation: 9 },
      { type: 'coverageOpened', focus: { target: 'web', stride: 'S' } },
      { type: 'historyOpened', tab: 'audit' },
      { type: 'reportOpened' },
      { type: 'bulkOpened', kind: 'rate', threats: list },
    )
    expect(state).toMatchObject({ drawer: { threatId: 4, mitigation: 9 }, coverage: { target: 'web', stride: 'S' }, history: 'audit', reportOpen: true })
    expect(state.bulk?.threats).toBe(list)
    expect(reduce(state, { type: 'threatOpened', threatId: 5 }).drawer).toEqual({ threatId: 5, mitigation: null })
    const closed = [{ type: 'drawerClosed' }, { type: 'coverageClosed' }, { type: 'historyClosed' }, { type: 'reportClosed' }, { type: 'bulkClosed' }] as const
    expect(closed.reduce<WorkspaceState>(reduce, state)).toMatchObject({ drawer: null, coverage: false, history: null, reportOpen: false, bulk: null })
    expect(reduce(state, { type: 'coverageOpened', focus: null }).coverage).toBeNull()
  })

  it('shows a notice with a fresh id each time, so the same words restart their timer', () => {
    const first = run({ type: 'noticeShown', text: 'Saved.' })
    const again = reduce(first, { type: 'noticeShown', text: 'Saved.' })
    expect(again.notice).toEqual({ text: 'Saved.', id: first.notice!.id + 1 })
    expect(reduce(again, { type: 'noticeDismissed' }).notice).toBeNull()
  })

  it('tells its subscribers about changes only', () => {
    const store = new WorkspaceStore()
    const heard = vi.fn()
    const stop = store.subscribe(heard)
    store.dispatch({ type: 'drawerClosed' })
    expect(heard).not.toHaveBeenCalled()
    store.dispatch({ type: 'reportOpened' })
    expect(heard).toHaveBeenCalledTimes(1)
    expect(store.getState().reportOpen).toBe(true)
    stop()
    store.dispatch({ type: 'reportClosed' })
    expect(heard).toHaveBeenCalledTimes(1)
  })
})
