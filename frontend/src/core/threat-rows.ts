/**
 * Threat rows as the server sends them → threats as the editor holds them. Two shapes arrive: the
 * threats endpoint's rows (also inside an ops answer's `analysis.changes`) and the document's
 * columns; both map to the same `EditorThreat`, with a person's rating preferred over the rule's
 * suggestion.
 */
import type { components } from '../api/schema'
import { asksFromAssumed, asksFromExplanation, matchedFromExplanation, pathFromExplanation, type EditorThreat } from './threats'
import type { DocumentThreats } from './types'

export type ApiThreat = components['schemas']['Threat']

/** A row of `GET /threats/` (or of an ops answer's changes); obsolete rows are kept, so a patch can drop them. */
export function threatFromApi(threat: ApiThreat): EditorThreat {
  return {
    id: threat.id,
    fingerprint: threat.fingerprint,
    stride: threat.stride,
    title: threat.title,
    description: threat.description ?? '',
    element: threat.element_key || null,
    flow: threat.flow_key || null,
    techniques: [...threat.techniques].map(String),
    status: threat.status ?? 'open',
    ...levels(threat.likelihood, threat.impact, threat.suggested_likelihood, threat.suggested_impact),
    ...workflowFields(threat),
    duplicate: threat.duplicate_of != null,
    matched: matchedFromExplanation(threat.explanation),
    path: pathFromExplanation(threat.explanation),
    ...confirmation(threat),
  }
}

/**
 * The threats that came with the document, so the panel has them before the first save. The
 * document sends them as columns (what a rule's threats share once, in `rules`; per threat only
 * what differs); this puts each back together. The engine's reasons are not in the document:
 * `matched` stays null until the threat is opened.
 */
export function threatsFromDocument(threats: DocumentThreats): EditorThreat[] {
  const triaged = new Set(threats.triaged)
  const rated = new Set(threats.rated)
  const duplicate = new Set(threats.duplicate)
  const waiting = new Map(threats.unconfirmed.rows.map((row, i) => [row, i]))
  const paths = new Map(threats.paths.rows.map((row, i) => [row, threats.paths.keys[i] ?? []]))
  const fingerprints = new Map(threats.fingerprints.rows.map((row, i) => [row, threats.fingerprints.values[i] ?? '']))
  const text = (index: number): string => threats.texts[index] ?? ''
  const out: EditorThreat[] = []
  threats.id.forEach((id, row) => {
    const status = threats.statuses[threats.status[row] ?? -1] ?? 'open'
    if (status === 'obsolete') return
    const rule = threats.rules[threats.rule[row] ?? -1]
    if (!rule) return
    const element = threats.element[row] ?? null
    const flow = threats.flow[row] ?? null
    const likelihood = threats.likelihood[row] ?? null
    const impact = threats.impact[row] ?? null
    const waits = waiting.get(row)
    const confirmed = waits === undefined
    out.push({
      id,
      fingerprint: fingerprints.get(row) ?? derivedFingerprint(rule.rule_id, element, flow),
      stride: rule.stride,
      title: rule.title,
      description: rule.description,
      element,
      flow,
      techniques: [...rule.techniques],
      status,
      ...levels(likelihood, impact, rule.suggested_likelihood, rule.suggested_impact),
      rated: rated.has(row),
      triaged: triaged.has(row),
      ruleId: rule.rule_id,
      suggestedLikelihood: rule.suggested_likelihood ?? null,
      suggestedImpact: rule.suggested_impact ?? null,
      duplicate: duplicate.has(row),
      matched: null,
      path: [...(paths.get(row) ?? [])],
      confirmed,
      questions: confirmed ? [] : (threats.unconfirmed.questions[waits] ?? []).map(text),
      asks: confirmed ? [] : asksFromAssumed((threats.unconfirmed.assumed[waits] ?? []).map(text)),
    })
  })
  return out
}

/** A rule's finding is fingerprinted `rule@element[@flow]`; the document sends only the fingerprints that are not. */
export function derivedFingerprint(ruleId: string, element: string | null, flow: string | null): string {
  return [ruleId, element, flow].filter((part): part is string => Boolean(part)).join('@')
}

/** Whether the finding is confirmed, and if not what it asks (both shapes carry the same fields). */
function confirmation(threat: { confirmed?: boolean; questions?: readonly string[]; explanation?: unknown }): Pick<EditorThreat, 'confirmed' | 'questions' | 'asks'> {
  const confirmed = threat.confirmed !== false
  return {
    confirmed,
    questions: confirmed ? [] : [...(threat.questions ?? [])],
    asks: asksFromExplanation(threat.explanation, confirmed),
  }
}

/** Where the threat stands in the workflow: triaged, rated (levels and a rationale), the rule's levels. */
function workflowFields(threat: {
  likelihood?: number | null
  impact?: number | null
  rationale?: string
  triaged?: boolean
  rule_id?: string
  suggested_likelihood?: number | null
  suggested_impact?: number | null
}): Pick<EditorThreat, 'rated' | 'triaged' | 'ruleId' | 'suggestedLikelihood' | 'suggestedImpact'> {
  return {
    rated: threat.likelihood != null && threat.impact != null && Boolean(threat.rationale?.trim()),
    triaged: Boolean(threat.triaged),
    ruleId: threat.rule_id ?? '',
    suggestedLikelihood: threat.suggested_likelihood ?? null,
    suggestedImpact: threat.suggested_impact ?? null,
  }
}

/** A person's rating when there is one, else the rule's suggestion (and say which). */
function levels(
  likelihood: number | null | undefined,
  impact: number | null | undefined,
  suggestedLikelihood: number | null | undefined,
  suggestedImpact: number | null | undefined,
): { likelihood: number | null; impact: number | null; suggested: boolean } {
  if (likelihood != null && impact != null) return { likelihood, impact, suggested: false }
  if (suggestedLikelihood != null && suggestedImpact != null) return { likelihood: suggestedLikelihood, impact: suggestedImpact, suggested: true }
  return { likelihood: likelihood ?? null, impact: impact ?? null, suggested: false }
}
