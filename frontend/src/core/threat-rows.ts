/**
 * Threat rows as the server sends them → threats as the editor holds them. Two shapes arrive: the
 * threats endpoint's rows (also inside an ops answer's `analysis.changes`) and the document's; both
 * map to the same `EditorThreat`, with a person's rating preferred over the rule's suggestion.
 */
import type { components } from '../api/schema'
import { asksFromExplanation, matchedFromExplanation, pathFromExplanation, type EditorThreat } from './threats'
import type { DocumentThreat } from './types'

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

/** The threats that came with the document, so the panel has them before the first save. */
export function threatsFromDocument(threats: readonly DocumentThreat[]): EditorThreat[] {
  return threats
    .filter((threat) => threat.status !== 'obsolete')
    .map((threat) => ({
      id: threat.id,
      fingerprint: threat.fingerprint,
      stride: threat.stride,
      title: threat.title,
      description: threat.description,
      element: threat.element ?? null,
      flow: threat.flow ?? null,
      techniques: [...threat.techniques],
      status: threat.status,
      ...levels(threat.likelihood, threat.impact, threat.suggested_likelihood, threat.suggested_impact),
      ...workflowFields(threat),
      duplicate: threat.duplicate_of != null,
      matched: matchedFromExplanation(threat.explanation),
      path: pathFromExplanation(threat.explanation),
      ...confirmation(threat),
    }))
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
