/**
 * Gate items → where the user goes to fix them.
 *
 * The gates answer lists what blocks the next stage; each item names its object (`type`, `id`,
 * `key`). The stage bar turns every item into a link: an element or flow is selected and centred on
 * its diagram, a threat opens in the threat drawer, a mitigation or a decision opens the drawer of
 * its threat, a STRIDE coverage cell opens the coverage view, and model-wide items offer the step
 * that clears them (run the analysis, draw a boundary). This module is that mapping, and the
 * grouping of a long list by what it asks for, without React.
 */

export interface GateObject {
  type: string
  id: number | null
  key: string | null
  url: string | null
}

export interface GateItemLike {
  code: string
  message: string
  object: GateObject
}

export type GateTarget =
  | { kind: 'canvas'; key: string; diagramId: number | null }
  | { kind: 'threat'; threatId: number }
  | { kind: 'mitigation'; mitigationId: number }
  | { kind: 'decision'; decisionId: number }
  | { kind: 'coverage'; target: string; stride: string }
  | { kind: 'analyse' }
  | { kind: 'draw-boundary' }
  | { kind: 'band-changes' }
  | { kind: 'none' }

export interface TargetIndex {
  /** The diagram that holds an element or flow key, if known. */
  diagramOf: (key: string) => number | null
  /** A threat's id from its fingerprint, if known. */
  threatByFingerprint: (fingerprint: string) => number | null
}

/** `"<target>×<letter>"` (the coverage cell key the server writes) → its parts. */
export function coverageCell(key: string | null): { target: string; stride: string } | null {
  if (!key) return null
  const at = key.lastIndexOf('×')
  if (at <= 0 || at === key.length - 1) return null
  return { target: key.slice(0, at), stride: key.slice(at + 1) }
}

/** The element or flow a threat's fingerprint (`rule@element[@flow]`) is about: its last part. */
export function fingerprintTarget(fingerprint: string | null): string | null {
  if (!fingerprint) return null
  const parts = fingerprint.split('@')
  return parts.length > 1 ? (parts[parts.length - 1] ?? null) || null : null
}

/** For items about a threat or a decision: the element or flow key they concern. */
export function itemTargetKey(item: GateItemLike): string | null {
  return item.object.type === 'threat' || item.object.type === 'decision' ? fingerprintTarget(item.object.key) : null
}

export function gateTarget(item: GateItemLike, index: TargetIndex): GateTarget {
  const { type, id, key } = item.object
  if (item.code === 'coverage_gap') {
    const cell = coverageCell(key)
    return cell ? { kind: 'coverage', ...cell } : { kind: 'none' }
  }
  switch (type) {
    case 'element':
    case 'flow':
      return key ? { kind: 'canvas', key, diagramId: index.diagramOf(key) } : { kind: 'none' }
    case 'threat':
      return id !== null ? { kind: 'threat', threatId: id } : { kind: 'none' }
    case 'mitigation':
      return id !== null ? { kind: 'mitigation', mitigationId: id } : { kind: 'none' }
    case 'decision': {
      // A decision item's key is its threat's fingerprint: open that threat's drawer directly.
      const threatId = key ? index.threatByFingerprint(key) : null
      if (threatId !== null) return { kind: 'threat', threatId }
      return id !== null ? { kind: 'decision', decisionId: id } : { kind: 'none' }
    }
    case 'threat_model':
      if (item.code === 'analysis_not_current' || item.code === 'diagram_changed_since_break') return { kind: 'analyse' }
      if (item.code === 'no_trust_boundary') return { kind: 'draw-boundary' }
      if (item.code === 'band_changes') return { kind: 'band-changes' }
      return { kind: 'none' }
    default:
      return { kind: 'none' }
  }
}

/** What a link to the target says it does (the item's message says what is wrong). */
export function targetVerb(target: GateTarget): string {
  switch (target.kind) {
    case 'canvas':
      return 'Show on the diagram'
    case 'threat':
    case 'mitigation':
    case 'decision':
      return 'Open the threat'
    case 'coverage':
      return 'Open the coverage view'
    case 'analyse':
      return 'Run the analysis'
    case 'draw-boundary':
      return 'Draw a trust boundary'
    case 'band-changes':
      return 'Review the band changes'
    case 'none':
      return ''
  }
}

/** Titles of the groups, in the order the work is usually done. */
export const GATE_GROUPS: readonly [string, string][] = [
  ['no_trust_boundary', 'No trust boundary'],
  ['flow_missing_end', 'Flows without both ends'],
  ['required_property_unset', 'Required properties not set'],
  ['analysis_not_current', 'Analysis not current'],
  ['diagram_changed_since_break', 'Diagram changed since break'],
  ['coverage_gap', 'STRIDE coverage gaps'],
  ['threat_not_triaged', 'Threats not triaged'],
  ['not_applicable_without_reason', 'Not applicable without a reason'],
  ['threat_not_rated', 'Threats not rated'],
  ['threat_open', 'Threats still open'],
  ['residual_unacceptable', 'Residual risk unacceptable'],
  ['acceptance_of_unacceptable_risk', 'Unacceptable risks accepted'],
  ['status_without_decision', 'Statuses without a decision'],
  ['mitigated_without_mitigation', 'Mitigated without a mitigation'],
  ['acceptance_incomplete', 'Incomplete acceptances'],
  ['exception_incomplete', 'Incomplete exceptions'],
  ['transfer_incomplete', 'Incomplete transfers'],
  ['not_applicable_incomplete', 'Not applicable without a reason'],
  ['decision_expired', 'Expired decisions'],
  ['exception_pending', 'Exceptions waiting for the team owner'],
  ['mitigation_not_verified', 'Mitigations not verified'],
  ['verified_without_evidence', 'Verified without evidence'],
  ['verifier_missing', 'Verified without a verifier'],
  ['verifier_is_implementer', 'Verified by the implementer'],
  ['signoff_role', 'Your role cannot sign off'],
  ['own_work', 'You authored this model'],
  ['band_changes', 'Band changes to review'],
]

const ORDER = new Map(GATE_GROUPS.map(([code], i) => [code, i]))
const TITLE = new Map(GATE_GROUPS)

export interface GateGroup<T extends GateItemLike> {
  code: string
  title: string
  items: T[]
}

/** Items grouped by code, groups in working order, items in the server's order within a group. */
export function groupItems<T extends GateItemLike>(items: readonly T[]): GateGroup<T>[] {
  const groups = new Map<string, GateGroup<T>>()
  for (const item of items) {
    let group = groups.get(item.code)
    if (!group) {
      group = { code: item.code, title: TITLE.get(item.code) ?? item.code.replace(/_/g, ' '), items: [] }
      groups.set(item.code, group)
    }
    group.items.push(item)
  }
  return [...groups.values()].sort((a, b) => (ORDER.get(a.code) ?? 999) - (ORDER.get(b.code) ?? 999))
}

/** One line for the stage bar: "12 items block Break → Fix" and the like. */
export function blockingSummary(count: number, from: string, to: string | null): string {
  if (to === null) return 'Approved: nothing blocks.'
  if (count === 0) return `Nothing blocks ${from} → ${to}.`
  return `${count} item${count === 1 ? '' : 's'} block${count === 1 ? 's' : ''} ${from} → ${to}`
}
