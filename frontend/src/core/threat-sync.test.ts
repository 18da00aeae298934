import { apiThreat, documentThreat, documentThreats, editorThreat } from './test-threats'
import { analysisQueued, followUp, ThreatSync, type AnalysisChanges, type SavedBatch, type ThreatSource } from './threat-sync'
import type { EditorThreat } from './threats'
import type { DocumentModel } from './types'
import { threatListOf, WorkspaceStore } from './workspace-store'
import type { VocabularyIndex } from './validation'

/** An ops answer: the analysis done in the request, with the changed rows (or null when there were many). */
function done(version: number, rows: AnalysisChanges['threats']): SavedBatch {
  const changes: AnalysisChanges = { new: rows?.map((r) => r.fingerprint) ?? [], obsolete: [], revived: [], rewritten: [], retargeted: [], threats: rows }
  return { threat_model_version: version, analysis: { status: 'done', changes } }
}

/** A source whose answers the test gives; it records what it was asked. */
class FakeSource implements ThreatSource {
  calls: string[] = []
  changed: EditorThreat[] = []
  everything: EditorThreat[] = []
  settled = true
  gate: Promise<void> = Promise.resolve()
  failNext: string | null = null

  async changedSince(version: number): Promise<EditorThreat[]> {
    this.calls.push(`changed_since=${version}`)
    await this.gate
    if (this.failNext) {
      const message = this.failNext
      this.failNext = null
      throw new Error(message)
    }
    return this.changed
  }

  async all(): Promise<EditorThreat[]> {
    this.calls.push('all')
    await this.gate
    return this.everything
  }

  async analysisSettled(): Promise<boolean> {
    this.calls.push('wait')
    await this.gate
    return this.settled
  }
}

function setUp(version = 4, threats: Partial<EditorThreat>[] = [{ id: 1, title: 'kept' }, { id: 2, title: 'goes' }]) {
  const store = new WorkspaceStore()
  const doc: DocumentModel = {
    id: 1, team: 1, name: 'M', description: '', scope: '', assumptions: '', stage: 'break', version, vocabulary_version: 1,
    coverage_notes: [], diagrams: [{ id: 10, name: 'L0', level: 'level_0', order: 0, version: 2, elements: [], flows: [] }],
    threats: documentThreats(threats.map((t) => documentThreat({ id: t.id ?? 1, fingerprint: `R@${t.id}`, title: t.title ?? 'T' }))),
  }
  store.dispatch({ type: 'loaded', doc, vocab: {} as VocabularyIndex, diagramId: null })
  const source = new FakeSource()
  const sync = new ThreatSync(source, threatListOf(store))
  const titles = () => store.getState().threats?.map((t) => `${t.id}:${t.title}`)
  return { store, source, sync, titles }
}

describe('the follow-up of a save', () => {
  it('patches the rows the ops answer carries when it follows straight on from the list', () => {
    expect(followUp(done(5, [apiThreat({})]), 4)).toMatchObject({ kind: 'rows', version: 5 })
  })

  it('asks for what changed since the list’s version when the rows are left out, a version was skipped, or a worker analyses', () => {
    expect(followUp(done(5, null), 4)).toEqual({ kind: 'changed', since: 4, version: 5, wait: false })
    expect(followUp(done(7, [apiThreat({})]), 4)).toEqual({ kind: 'changed', since: 4, version: 7, wait: false })
    expect(followUp({ threat_model_version: 5, analysis: { status: 'queued' } }, 4)).toEqual({ kind: 'changed', since: 4, version: 5, wait: true })
    expect(followUp({ threat_model_version: 5 }, 4)).toEqual({ kind: 'changed', since: 4, version: 5, wait: false })
  })

  it('does nothing for a batch the list already describes (a reload came after it)', () => {
    expect(followUp(done(4, []), 4)).toEqual({ kind: 'none' })
  })

  it('tells a queued analysis from one done in the request', () => {
    expect(analysisQueued({ threat_model_version: 3, analysis: { status: 'queued' } })).toBe(true)
    expect(analysisQueued({ threat_model_version: 3, analysis: { status: 'done' } })).toBe(false)
    expect(analysisQueued({ threat_model_version: 3 })).toBe(false)
  })
})

describe('keeping the threat list in step', () => {
  it('applies the ops answer’s rows without a request: new ones in, changed ones replaced, obsolete ones out', async () => {
    const { store, source, sync, titles } = setUp()
    await sync.afterSave(done(5, [apiThreat({ id: 3, title: 'new' }), apiThreat({ id: 2, status: 'obsolete' }), apiThreat({ id: 1, title: 'rewritten' })]))
    expect(source.calls).toEqual([])
    expect(titles()).toEqual(['1:rewritten', '3:new'])
    expect(store.getState().threatsVersion).toBe(5)
  })

  it('asks once for the threats changed since the version before the save when the answer has no rows', async () => {
    const { store, source, sync, titles } = setUp()
    source.changed = [editorThreat({ id: 2, status: 'obsolete' }), editorThreat({ id: 5, title: 'added' })]
    await sync.afterSave(done(5, null))
    expect(source.calls).toEqual(['changed_since=4'])
    expect(titles()).toEqual(['1:kept', '5:added'])
    expect(store.getState().threatsVersion).toBe(5)
  })

  it('waits for a queued analysis, showing it, then asks for what changed', async () => {
    const { store, source, sync, titles } = setUp()
    let open!: () => void
    source.gate = new Promise((resolve) => (open = resolve))
    source.changed = [editorThreat({ id: 6, title: 'from the worker' })]
    const followed = sync.afterSave({ threat_model_version: 5, analysis: { status: 'queued' } })
    await Promise.resolve()
    await Promise.resolve()
    expect(store.getState().analysing).toBe(true)
    open()
    await followed
    expect(source.calls).toEqual(['wait', 'changed_since=4'])
    expect(store.getState().analysing).toBe(false)
    expect(titles()).toEqual(['1:kept', '2:goes', '6:from the worker'])
    expect(store.getState().threatsVersion).toBe(5)
  })

  it('keeps the old version when it gave up waiting for the worker, so the next save asks from there again', async () => {
    const { store, source, sync } = setUp()
    source.settled = false
    await sync.afterSave({ threat_model_version: 5, analysis: { status: 'queued' } })
    expect(store.getState().threatsVersion).toBe(4)
    await sync.afterSave(done(6, [apiThreat({ id: 8 })]))
    expect(source.calls).toEqual(['wait', 'changed_since=4', 'changed_since=4'])
    expect(store.getState().threatsVersion).toBe(6)
  })

  it('follows saves in the order they were confirmed, each from where the previous one left the list', async () => {
    const { store, source, sync, titles } = setUp()
    let open!: () => void
    source.gate = new Promise((resolve) => (open = resolve))
    source.changed = [editorThreat({ id: 3, title: 'first' })]
    const first = sync.afterSave(done(5, null))
    const second = sync.afterSave(done(6, [apiThreat({ id: 3, title: 'second' })]))
    open()
    await Promise.all([first, second])
    expect(source.calls).toEqual(['changed_since=4'])
    expect(titles()).toEqual(['1:kept', '2:goes', '3:second'])
    expect(store.getState().threatsVersion).toBe(6)
  })

  it('says so when the request fails, and the next save catches up from the version the list still has', async () => {
    const { store, source, sync, titles } = setUp()
    source.failNext = 'The server could not be reached.'
    await sync.afterSave(done(5, null))
    expect(store.getState().threatError).toBe('The server could not be reached.')
    expect(store.getState().threatsVersion).toBe(4)
    source.changed = [editorThreat({ id: 4, title: 'missed' }), editorThreat({ id: 5, title: 'latest' })]
    await sync.afterSave(done(6, [apiThreat({ id: 5, title: 'latest' })]))
    expect(source.calls).toEqual(['changed_since=4', 'changed_since=4'])
    expect(titles()).toEqual(['1:kept', '2:goes', '4:missed', '5:latest'])
    expect(store.getState()).toMatchObject({ threatError: null, threatsVersion: 6 })
  })

  it('puts in a row a person changed, without a request and without moving the version', async () => {
    const { store, source, sync, titles } = setUp()
    await sync.rows([apiThreat({ id: 2, title: 'triaged', triaged: true })])
    expect(source.calls).toEqual([])
    expect(titles()).toEqual(['1:kept', '2:triaged'])
    expect(store.getState().threats?.[1]?.triaged).toBe(true)
    expect(store.getState().threatsVersion).toBe(4)
  })

  it('catches up after a model-wide action from the version before the list’s, once for several asks while one waits', async () => {
    const { store, source, sync, titles } = setUp()
    let open!: () => void
    source.gate = new Promise((resolve) => (open = resolve))
    source.changed = [editorThreat({ id: 2, title: 'kept in bulk', triaged: true })]
    const blocker = sync.afterSave(done(5, null))
    const asks = [sync.catchUp(), sync.catchUp(), sync.catchUp()]
    open()
    await Promise.all([blocker, ...asks])
    expect(source.calls).toEqual(['changed_since=4', 'changed_since=4'])
    expect(titles()).toEqual(['1:kept', '2:kept in bulk'])
    expect(store.getState().threatsVersion).toBe(5)
    await sync.catchUp()
    expect(source.calls.at(-1)).toBe('changed_since=4')
  })

  it('loads the whole list only when it has no version yet', async () => {
    const store = new WorkspaceStore()
    const source = new FakeSource()
    source.everything = [editorThreat({ id: 9 })]
    await new ThreatSync(source, threatListOf(store)).catchUp()
    expect(source.calls).toEqual(['all'])
    expect(store.getState().threats?.map((t) => t.id)).toEqual([9])
  })
})
