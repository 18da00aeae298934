/**
 * Threats as the editor shows them: the STRIDE letter, what they are about, risk, and counts of
 * open threats per element or flow for the small badges on the canvas.
 */
import { bandOf, DEFAULT_THRESHOLDS, type BandOrUnrated, type Thresholds } from './bands'

export interface EditorThreat {
  id: number
  fingerprint: string
  stride: string
  title: string
  description: string
  element: string | null
  flow: string | null
  techniques: string[]
  status: string
  likelihood: number | null
  impact: number | null
  /** True when likelihood and impact are the rule's suggestion, not yet rated by a person. */
  suggested: boolean
  /** The rule's levels (null for a manual threat or a rule without them). */
  suggestedLikelihood: number | null
  suggestedImpact: number | null
  /** Rated by a person: likelihood, impact and a rationale (what the break gate asks for). */
  rated: boolean
  /** Kept by a person at triage. */
  triaged: boolean
  /** Marked a duplicate of another threat (the workflow then leaves it out). */
  duplicate: boolean
  ruleId: string
  /**
   * Why the engine raised it, in words (the rule's conditions that matched); null until the
   * threat's full record is read (the document leaves it out; `GET /threats/{id}/` has it).
   */
  matched: string[] | null
  /** Keys of the elements and flows on the threat's path, for graph-walk rules. */
  path: string[]
  /** False while a rule's finding waits on unanswered properties (`questions` says what would settle it). */
  confirmed: boolean
  /** The server's questions, worded for this threat ("Is this flow authenticated?"); empty when confirmed. */
  questions: string[]
  /** The properties those questions are about, from the explanation's `assumed` answers. */
  asks: ThreatAsk[]
}

/**
 * A property an unconfirmed finding waits on: `property` of its own subject (`end` ''), or of the
 * flow's `source` or `target` element (the rule's `requires` said `target.validates_input`).
 */
export interface ThreatAsk {
  property: string
  end: '' | 'source' | 'target'
}

export const STRIDE_NAMES: Record<string, string> = {
  S: 'Spoofing',
  T: 'Tampering',
  R: 'Repudiation',
  I: 'Information disclosure',
  D: 'Denial of service',
  E: 'Elevation of privilege',
}

/** Statuses that still ask for work; the badge counts these. */
export const OPEN_STATUSES = new Set(['open'])

export function riskScore(threat: EditorThreat): number | null {
  return threat.likelihood !== null && threat.impact !== null ? threat.likelihood * threat.impact : null
}

/** The band of the threat's likelihood × impact under the model's risk policy. */
export function riskBand(threat: EditorThreat, policy: Thresholds = DEFAULT_THRESHOLDS): BandOrUnrated {
  if (threat.likelihood === null || threat.impact === null) return 'unrated'
  return bandOf(threat.likelihood, threat.impact, policy)
}

/** What the threat list can narrow to: the work the gates ask for. */
export type Need = 'all' | 'untriaged' | 'unrated' | 'open' | 'unconfirmed'

export const NEED_LABEL: Record<Need, string> = {
  all: 'All threats',
  untriaged: 'Not triaged',
  unrated: 'Not rated',
  open: 'Open',
  unconfirmed: 'Unconfirmed (questions)',
}

/**
 * Whether the threat still needs `need` (as the gates count it: duplicates and not-applicable ones
 * are done); `unconfirmed` is a finding that waits on an answer, whatever else was done to it.
 */
export function needs(threat: EditorThreat, need: Need): boolean {
  if (need === 'all') return true
  if (need === 'unconfirmed') return !threat.confirmed
  if (threat.duplicate) return false
  if (need === 'open') return threat.status === 'open'
  if (threat.status === 'not_applicable') return false
  return need === 'untriaged' ? !threat.triaged : !threat.rated
}

/** Every key a threat is about: its element, its flow and the path of a graph-walk finding. */
export function threatKeys(threat: EditorThreat): string[] {
  const keys = new Set(threat.path)
  if (threat.element) keys.add(threat.element)
  if (threat.flow) keys.add(threat.flow)
  return [...keys]
}

export function openCounts(threats: readonly EditorThreat[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const threat of threats) {
    if (!OPEN_STATUSES.has(threat.status)) continue
    // A flow threat counts on the flow; an element threat on the element.
    const key = threat.flow ?? threat.element
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

/** Threats about any of `keys` (the selection), or all of them when nothing is selected. */
export function threatsFor(threats: readonly EditorThreat[], keys: ReadonlySet<string>): EditorThreat[] {
  const picked = keys.size === 0 ? [...threats] : threats.filter((threat) => threatKeys(threat).some((key) => keys.has(key)))
  return picked.sort(
    (a, b) =>
      (riskScore(b) ?? -1) - (riskScore(a) ?? -1) || a.stride.localeCompare(b.stride) || a.title.localeCompare(b.title),
  )
}

/** Element and flow keys on an engine explanation's path (graph walks name both). */
export function pathFromExplanation(explanation: unknown): string[] {
  if (!explanation || typeof explanation !== 'object') return []
  const keys: string[] = []
  for (const field of ['path', 'flows']) {
    const raw = (explanation as Record<string, unknown>)[field]
    if (!Array.isArray(raw)) continue
    for (const item of raw) {
      if (typeof item === 'string') keys.push(item)
      else if (item && typeof item === 'object' && typeof (item as { key?: unknown }).key === 'string') keys.push((item as { key: string }).key)
    }
  }
  return keys
}

/**
 * The properties an unconfirmed finding's explanation assumed (`{"target.validates_input": false}`):
 * what its questions are about. A confirmed threat asks nothing, whatever its explanation says.
 */
export function asksFromExplanation(explanation: unknown, confirmed: boolean): ThreatAsk[] {
  if (confirmed || !explanation || typeof explanation !== 'object') return []
  const assumed = (explanation as Record<string, unknown>).assumed
  if (!assumed || typeof assumed !== 'object' || Array.isArray(assumed)) return []
  return asksFromAssumed(Object.keys(assumed))
}

/** Assumed property paths (`target.validates_input`, `privileged`) as the asks of a finding, in path order. */
export function asksFromAssumed(paths: readonly string[]): ThreatAsk[] {
  const asks: ThreatAsk[] = []
  for (const path of [...paths].sort()) {
    const dot = path.indexOf('.')
    const end = dot < 0 ? '' : path.slice(0, dot)
    const property = dot < 0 ? path : path.slice(dot + 1)
    if ((end === '' || end === 'source' || end === 'target') && property) asks.push({ property, end })
  }
  return asks
}

/** The engine's reasons, when the explanation carries them. */
export function matchedFromExplanation(explanation: unknown): string[] {
  if (!explanation || typeof explanation !== 'object') return []
  const raw = (explanation as Record<string, unknown>).matched
  return Array.isArray(raw) ? raw.filter((item): item is string => typeof item === 'string') : []
}

/**
 * The list with `rows` put in: a row replaces the threat with its id, a new one is added at the
 * end, an obsolete one leaves the list (the server keeps it, the editor does not show it). The
 * same list comes back when nothing changed, so nothing downstream re-renders.
 */
export function patchThreats(list: readonly EditorThreat[], rows: readonly EditorThreat[]): readonly EditorThreat[] {
  if (rows.length === 0) return list
  const incoming = new Map(rows.map((row) => [row.id, row]))
  let changed = false
  const out: EditorThreat[] = []
  for (const threat of list) {
    const row = incoming.get(threat.id)
    if (!row) {
      out.push(threat)
      continue
    }
    incoming.delete(threat.id)
    changed = true
    if (row.status !== 'obsolete') out.push(row)
  }
  for (const row of incoming.values()) {
    if (row.status === 'obsolete') continue
    changed = true
    out.push(row)
  }
  return changed ? out : list
}
