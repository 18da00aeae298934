import { describe, expect, it } from 'vitest'
import { DEFAULT_THRESHOLDS } from './bands'
import {
  activeFilters,
  DEFAULT_SORT,
  filterOptions,
  gridRows,
  gridView,
  mergeNews,
  newsFingerprints,
  newsFromChanges,
  newsFromLists,
  newsAfterSave,
  newsText,
  nextSort,
  NO_FILTER,
  pageOf,
  type GridFilter,
} from './grid'
import { apiThreat, editorThreat } from './test-threats'

const NAMES: Record<string, string> = { web: 'Web app', db: 'Orders database', f1: 'SQL queries' }
const nameOf = (key: string) => NAMES[key] ?? key

const threats = [
  editorThreat({ id: 1, fingerprint: 'A@web', stride: 'E', title: 'Container escape', element: 'web', ruleId: 'K8S-001', techniques: ['T1611'], likelihood: 4, impact: 5 }),
  editorThreat({ id: 2, fingerprint: 'B@db', stride: 'I', title: 'Data at rest unencrypted', element: 'db', ruleId: 'STO-002', techniques: ['T1530'], likelihood: 2, impact: 2, status: 'mitigated' }),
  editorThreat({ id: 3, fingerprint: 'C@f1', stride: 'T', title: 'Tampered queries', flow: 'f1', ruleId: 'FLOW-003', likelihood: 3, impact: 4, confirmed: false }),
  editorThreat({ id: 4, fingerprint: 'D@web', stride: 'E', title: 'Privileged pod', element: 'web', ruleId: 'K8S-004', techniques: ['T1611', 'T1068'] }),
]
const rows = gridRows(threats, DEFAULT_THRESHOLDS, nameOf)
const view = (over: Partial<GridFilter>, sort = DEFAULT_SORT) => gridView(rows, { ...NO_FILTER, ...over }, sort).map((row) => row.threat.id)

describe('grid rows', () => {
  it('names the subject (flow before element), scores and bands each threat', () => {
    expect(rows.map((r) => [r.subject, r.score, r.band])).toEqual([
      ['Web app', 20, 'unacceptable'],
      ['Orders database', 4, 'broadly_acceptable'],
      ['SQL queries', 12, 'tolerable'],
      ['Web app', null, 'unrated'],
    ])
  })

  it('sorts by risk highest first, unrated last, and flips on a second click', () => {
    expect(view({})).toEqual([1, 3, 2, 4])
    expect(view({}, nextSort(DEFAULT_SORT, 'risk'))).toEqual([4, 2, 3, 1])
  })

  it('sorts by STRIDE in S-T-R-I-D-E order, by subject, status and rule, ties by risk then title', () => {
    expect(view({}, nextSort(DEFAULT_SORT, 'stride'))).toEqual([3, 2, 1, 4])
    expect(view({}, { key: 'subject', descending: false })).toEqual([2, 3, 1, 4])
    expect(view({}, { key: 'status', descending: false })).toEqual([2, 1, 3, 4])
    expect(view({}, { key: 'rule', descending: false })).toEqual([3, 1, 4, 2])
    expect(nextSort({ key: 'risk', descending: true }, 'title')).toEqual({ key: 'title', descending: false })
  })

  it('filters by STRIDE, status, band, technique, subject and confirmation together', () => {
    expect(view({ stride: 'E' })).toEqual([1, 4])
    expect(view({ stride: 'E', status: 'open' })).toEqual([1, 4])
    expect(view({ status: 'mitigated' })).toEqual([2])
    expect(view({ band: 'tolerable' })).toEqual([3])
    expect(view({ technique: 'T1068' })).toEqual([4])
    expect(view({ subject: 'web' })).toEqual([1, 4])
    expect(view({ confirmed: 'unconfirmed' })).toEqual([3])
    expect(view({ confirmed: 'confirmed', stride: 'I' })).toEqual([2])
    expect(view({ fingerprints: new Set(['B@db', 'D@web']) })).toEqual([2, 4])
  })

  it('searches title, subject, rule id and technique, every word somewhere, any case', () => {
    expect(view({ search: 't1068' })).toEqual([4])
    expect(view({ search: 'orders' })).toEqual([2])
    expect(view({ search: 'k8s' })).toEqual([1, 4])
    expect(view({ search: 'web  escape' })).toEqual([1])
    expect(view({ search: 'nothing-like-it' })).toEqual([])
  })

  it('offers the filter choices the rows have and counts the active filters', () => {
    const options = filterOptions(rows)
    expect(options.stride).toEqual(['T', 'I', 'E'])
    expect(options.band).toEqual(['unacceptable', 'tolerable', 'broadly_acceptable', 'unrated'])
    expect(options.technique).toEqual(['T1068', 'T1530', 'T1611'])
    expect(options.subject).toEqual([
      { key: 'db', name: 'Orders database' },
      { key: 'f1', name: 'SQL queries' },
      { key: 'web', name: 'Web app' },
    ])
    expect(activeFilters(NO_FILTER)).toBe(0)
    expect(activeFilters({ ...NO_FILTER, stride: 'E', search: ' ', fingerprints: new Set() })).toBe(2)
  })

  it('pages the view, clamping the page to what exists', () => {
    const items = Array.from({ length: 250 }, (_, i) => i)
    expect(pageOf(items, 0, 100)).toMatchObject({ page: 0, pages: 3 })
    expect(pageOf(items, 2, 100).rows).toHaveLength(50)
    expect(pageOf(items, 9, 100).page).toBe(2)
    expect(pageOf([], 3, 100)).toEqual({ rows: [], page: 0, pages: 1 })
  })
})

describe('analysis news', () => {
  it('reads an ops answer: new and revived are new, obsolete no longer apply', () => {
    const gone = editorThreat({ id: 9, fingerprint: 'X@web', status: 'obsolete' })
    const news = newsFromChanges({ new: ['A', 'B'], revived: ['C'], obsolete: ['X@web', 'Y', 'Z'] }, [gone, editorThreat({ id: 10, fingerprint: 'A' })])
    expect(news).toEqual({ added: ['A', 'B', 'C'], gone: ['X@web', 'Y', 'Z'], goneRows: [gone] })
    expect(newsText(news!)).toBe('+3 new, 3 no longer apply')
    expect([...newsFingerprints(news!)]).toEqual(['A', 'B', 'C', 'X@web', 'Y', 'Z'])
  })

  it('says nothing when the analysis added and retired nothing', () => {
    expect(newsFromChanges({ new: [], revived: [], obsolete: [] })).toBeNull()
    expect(newsFromChanges(undefined)).toBeNull()
    expect(newsFromLists(threats, [...threats])).toBeNull()
  })

  it('words one side alone', () => {
    expect(newsText({ added: ['A'], gone: [], goneRows: [] })).toBe('+1 new')
    expect(newsText({ added: [], gone: ['A'], goneRows: [] })).toBe('1 no longer applies')
  })

  it('compares the lists around a queued analysis', () => {
    const added = editorThreat({ id: 7, fingerprint: 'N@web' })
    const news = newsFromLists(threats, [...threats.slice(1), added])!
    expect(news.added).toEqual(['N@web'])
    expect(news.gone).toEqual(['A@web'])
    expect(news.goneRows[0]).toMatchObject({ id: 1, status: 'obsolete' })
  })

  it('reads a saved batch: done from its changes, queued from the lists, none without an analysis', () => {
    const changes = { new: ['N@web'], revived: [], obsolete: ['K8S-001@web'], rewritten: [], retargeted: [], threats: [apiThreat({ id: 5, status: 'obsolete' })] }
    const done = newsAfterSave({ status: 'done', changes }, threats, threats)!
    expect(done.added).toEqual(['N@web'])
    expect(done.goneRows.map((row) => [row.id, row.status])).toEqual([[5, 'obsolete']])
    expect(newsAfterSave({ status: 'queued' }, threats, threats.slice(1))!.gone).toEqual(['A@web'])
    expect(newsAfterSave(undefined, threats, [])).toBeNull()
  })

  it('merges two analyses: what the second undid is neither new nor gone', () => {
    const first = { added: ['A', 'B'], gone: ['X'], goneRows: [editorThreat({ fingerprint: 'X', status: 'obsolete' })] }
    const second = { added: ['X'], gone: ['B', 'Y'], goneRows: [] }
    expect(mergeNews(first, second)).toEqual({ added: ['A'], gone: ['Y'], goneRows: [] })
    expect(mergeNews(null, second)).toBe(second)
  })
})

describe('at 3,000 threats', () => {
  // Correctness at size only: the timings are a benchmark (bench/editor_open.py, BENCH_ONLY=grid), not a test.
  it('filters, searches and sorts every row the filter keeps', () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      editorThreat({
        id: i + 1,
        fingerprint: `R${i % 40}@e${i}`,
        stride: 'STRIDE'[i % 6],
        title: `Threat number ${i} on service ${i % 97}`,
        element: `e${i % 500}`,
        ruleId: `RULE-${i % 40}`,
        techniques: [`T${1000 + (i % 60)}`],
        likelihood: 1 + (i % 5),
        impact: 1 + ((i * 7) % 5),
        status: i % 3 === 0 ? 'mitigated' : 'open',
        confirmed: i % 4 !== 0,
      }),
    )
    const built = gridRows(many, DEFAULT_THRESHOLDS, (key) => `Service ${key}`)
    expect(built).toHaveLength(3000)
    expect(gridView(built, NO_FILTER, { key: 'subject', descending: false })).toHaveLength(3000)
    expect(filterOptions(built)).toBeTruthy()
    const result = gridView(built, { ...NO_FILTER, stride: 'E', status: 'open', search: 't1005' }, DEFAULT_SORT)
    expect(result.length).toBeGreaterThan(0)
    expect(result.every((r) => r.threat.stride === 'E' && r.threat.status === 'open' && r.threat.techniques.includes('T1005'))).toBe(true)
  })
})
