/**
 * The threat grid's logic: every threat of the model as a row (its risk, band and subject named),
 * sorted by a column, narrowed by filters (STRIDE, status, band, technique, subject, confirmed) and
 * a search over title, subject, rule id and techniques; and the toast that says what the last
 * analysis changed ("+3 new, 3 no longer apply").
 *
 * Rows are built once per threat list (`gridRows`); sorting and filtering then work on those, so
 * typing in the search box of a model with thousands of threats costs a pass over plain strings.
 */
import type { BandOrUnrated, Thresholds } from './bands'
import { threatFromApi } from './threat-rows'
import type { SavedBatch } from './threat-sync'
import { riskBand, riskScore, type EditorThreat } from './threats'

export interface GridRow {
  threat: EditorThreat
  score: number | null
  band: BandOrUnrated
  /** The element or flow the threat is about (its flow, else its element, else the first on its path). */
  subjectKey: string | null
  subject: string
  /** Title, subject, rule id and techniques in lower case: what the search looks in. */
  haystack: string
}

export type SortKey = 'risk' | 'stride' | 'status' | 'subject' | 'rule' | 'title'
export interface GridSort {
  key: SortKey
  descending: boolean
}

export const DEFAULT_SORT: GridSort = { key: 'risk', descending: true }

export interface GridFilter {
  stride: string
  status: string
  band: BandOrUnrated | ''
  technique: string
  subject: string
  confirmed: '' | 'confirmed' | 'unconfirmed'
  search: string
  /** Only these fingerprints (what the last analysis changed), null: every threat. */
  fingerprints: ReadonlySet<string> | null
}

export const NO_FILTER: GridFilter = { stride: '', status: '', band: '', technique: '', subject: '', confirmed: '', search: '', fingerprints: null }

export function gridRows(threats: readonly EditorThreat[], policy: Thresholds, nameOf: (key: string) => string): GridRow[] {
  return threats.map((threat) => {
    const subjectKey = threat.flow ?? threat.element ?? threat.path[0] ?? null
    const subject = subjectKey === null ? 'the model' : nameOf(subjectKey)
    return {
      threat,
      score: riskScore(threat),
      band: riskBand(threat, policy),
      subjectKey,
      subject,
      haystack: [threat.title, subject, threat.ruleId, ...threat.techniques].join('\n').toLowerCase(),
    }
  })
}

/** Whether a row passes every filter and the search (words in any order, each somewhere). */
export function matches(row: GridRow, filter: GridFilter): boolean {
  const { threat } = row
  if (filter.fingerprints && !filter.fingerprints.has(threat.fingerprint)) return false
  if (filter.stride && threat.stride !== filter.stride) return false
  if (filter.status && threat.status !== filter.status) return false
  if (filter.band && row.band !== filter.band) return false
  if (filter.technique && !threat.techniques.includes(filter.technique)) return false
  if (filter.subject && row.subjectKey !== filter.subject && !threat.path.includes(filter.subject)) return false
  if (filter.confirmed && threat.confirmed !== (filter.confirmed === 'confirmed')) return false
  const words = filter.search.toLowerCase().split(/\s+/).filter(Boolean)
  return words.every((word) => row.haystack.includes(word))
}

const STRIDE_ORDER = 'STRIDE'
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function primary(key: SortKey, a: GridRow, b: GridRow): number {
  switch (key) {
    case 'risk':
      return (a.score ?? -1) - (b.score ?? -1)
    case 'stride':
      return STRIDE_ORDER.indexOf(a.threat.stride) - STRIDE_ORDER.indexOf(b.threat.stride)
    case 'status':
      return compareText(a.threat.status, b.threat.status)
    case 'subject':
      return compareText(a.subject.toLowerCase(), b.subject.toLowerCase())
    case 'rule':
      return compareText(a.threat.ruleId, b.threat.ruleId)
    case 'title':
      return compareText(a.threat.title.toLowerCase(), b.threat.title.toLowerCase())
  }
}

/**
 * The rows that pass `filter`, in `sort` order; ties go by risk (highest first), then title, then
 * id, so the order never depends on the order the rows arrived in.
 */
export function gridView(rows: readonly GridRow[], filter: GridFilter, sort: GridSort): GridRow[] {
  const kept = rows.filter((row) => matches(row, filter))
  const sign = sort.descending ? -1 : 1
  return kept.sort(
    (a, b) =>
      sign * primary(sort.key, a, b) ||
      (b.score ?? -1) - (a.score ?? -1) ||
      compareText(a.threat.title.toLowerCase(), b.threat.title.toLowerCase()) ||
      a.threat.id - b.threat.id,
  )
}

/** A click on a column heading: the same column flips its direction, another starts on its natural one (risk highest first). */
export function nextSort(current: GridSort, key: SortKey): GridSort {
  if (current.key === key) return { key, descending: !current.descending }
  return { key, descending: key === 'risk' }
}

/** The choices of each filter that the rows offer, in a stable order. */
export interface FilterOptions {
  stride: string[]
  status: string[]
  band: BandOrUnrated[]
  technique: string[]
  subject: { key: string; name: string }[]
}

const BAND_ORDER: BandOrUnrated[] = ['unacceptable', 'tolerable', 'broadly_acceptable', 'unrated']

export function filterOptions(rows: readonly GridRow[]): FilterOptions {
  const stride = new Set<string>()
  const status = new Set<string>()
  const band = new Set<BandOrUnrated>()
  const technique = new Set<string>()
  const subject = new Map<string, string>()
  for (const row of rows) {
    stride.add(row.threat.stride)
    status.add(row.threat.status)
    band.add(row.band)
    for (const t of row.threat.techniques) technique.add(t)
    if (row.subjectKey !== null) subject.set(row.subjectKey, row.subject)
  }
  return {
    stride: [...stride].sort((a, b) => STRIDE_ORDER.indexOf(a) - STRIDE_ORDER.indexOf(b)),
    status: [...status].sort(),
    band: BAND_ORDER.filter((b) => band.has(b)),
    technique: [...technique].sort(),
    subject: [...subject].map(([key, name]) => ({ key, name })).sort((a, b) => compareText(a.name.toLowerCase(), b.name.toLowerCase()) || compareText(a.key, b.key)),
  }
}

/** How many filters (search included) narrow the grid. */
export function activeFilters(filter: GridFilter): number {
  const fields: (keyof GridFilter)[] = ['stride', 'status', 'band', 'technique', 'subject', 'confirmed']
  return fields.filter((field) => Boolean(filter[field])).length + (filter.search.trim() ? 1 : 0) + (filter.fingerprints ? 1 : 0)
}

/** One page of the view: rows [page × size, (page + 1) × size), the page clamped to what exists. */
export function pageOf<T>(rows: readonly T[], page: number, size: number): { rows: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(rows.length / size))
  const at = Math.min(Math.max(0, page), pages - 1)
  return { rows: rows.slice(at * size, (at + 1) * size), page: at, pages }
}

// --- the toast after an analysis ----------------------------------------------------------------

/** What one analysis changed, as the toast keeps it: fingerprints, and the rows that no longer apply. */
export interface AnalysisNews {
  /** New and revived findings: they are in the list now. */
  added: string[]
  /** Findings that no longer apply (obsolete): they left the list. */
  gone: string[]
  /** The obsolete rows when the answer carried them, so the grid can still show what left. */
  goneRows: EditorThreat[]
}

/** The ops answer's `changes` (new, revived, obsolete fingerprints) as news; null when nothing appeared or left. */
export function newsFromChanges(
  changes: { new: readonly string[]; obsolete: readonly string[]; revived: readonly string[] } | null | undefined,
  rows: readonly EditorThreat[] = [],
): AnalysisNews | null {
  if (!changes) return null
  const added = [...new Set([...changes.new, ...changes.revived])]
  const gone = [...new Set(changes.obsolete)].filter((fp) => !added.includes(fp))
  if (added.length === 0 && gone.length === 0) return null
  const goneSet = new Set(gone)
  return { added, gone, goneRows: rows.filter((row) => goneSet.has(row.fingerprint)) }
}

/** The news from the list before and after a queued analysis (the answer carried no changes). */
export function newsFromLists(before: readonly EditorThreat[], after: readonly EditorThreat[]): AnalysisNews | null {
  const was = new Map(before.map((t) => [t.fingerprint, t]))
  const now = new Set(after.map((t) => t.fingerprint))
  const added = after.filter((t) => !was.has(t.fingerprint)).map((t) => t.fingerprint)
  const goneRows = before.filter((t) => !now.has(t.fingerprint)).map((t) => ({ ...t, status: 'obsolete' }))
  if (added.length === 0 && goneRows.length === 0) return null
  return { added, gone: goneRows.map((t) => t.fingerprint), goneRows }
}

/**
 * The news of one saved batch: an analysis done in the request says what it changed (its rows, when
 * it sent them, give the obsolete ones to show); a queued one is told by comparing the list before
 * the save with the list once it followed. No analysis, no news.
 */
export function newsAfterSave(analysis: SavedBatch['analysis'], before: readonly EditorThreat[], after: readonly EditorThreat[]): AnalysisNews | null {
  if (analysis?.status === 'done') return newsFromChanges(analysis.changes, (analysis.changes?.threats ?? []).map(threatFromApi))
  if (analysis?.status === 'queued') return newsFromLists(before, after)
  return null
}

/** Two analyses shortly after each other read as one: what the second undid is neither new nor gone. */
export function mergeNews(earlier: AnalysisNews | null, later: AnalysisNews): AnalysisNews {
  if (!earlier) return later
  const laterAdded = new Set(later.added)
  const laterGone = new Set(later.gone)
  const added = [...earlier.added.filter((fp) => !laterGone.has(fp)), ...later.added.filter((fp) => !earlier.gone.includes(fp))]
  const gone = [...earlier.gone.filter((fp) => !laterAdded.has(fp)), ...later.gone.filter((fp) => !earlier.added.includes(fp))]
  const goneSet = new Set(gone)
  const goneRows = [...earlier.goneRows, ...later.goneRows].filter((row, i, all) => goneSet.has(row.fingerprint) && all.findIndex((r) => r.fingerprint === row.fingerprint) === i)
  return { added: [...new Set(added)], gone: [...new Set(gone)], goneRows }
}

/** "+3 new, 3 no longer apply" (either part left out when it is zero). */
export function newsText(news: AnalysisNews): string {
  const parts: string[] = []
  if (news.added.length > 0) parts.push(`+${news.added.length} new`)
  if (news.gone.length > 0) parts.push(`${news.gone.length} no longer appl${news.gone.length === 1 ? 'ies' : 'y'}`)
  return parts.join(', ')
}

/** Every fingerprint the news names: the grid's filter when the toast is clicked. */
export function newsFingerprints(news: AnalysisNews): ReadonlySet<string> {
  return new Set([...news.added, ...news.gone])
}
