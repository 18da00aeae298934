/**
 * Loading the model's threats — the one module to change when the threat API changes.
 *
 * The threats endpoint (`GET /api/v1/threats/?threat_model=`) is paged; the editor takes pages of
 * 500 until it has them all. The engine recomputes threats inside each accepted ops batch, so the
 * workspace calls `loadThreats` again after every save.
 */
import { matchedFromExplanation, pathFromExplanation, type EditorThreat } from '../core/threats'
import { get } from './client'
import type { Page } from './endpoints'
import type { components } from './schema'

type ApiThreat = components['schemas']['Threat']
type ApiThreatModel = components['schemas']['ThreatModel']

/**
 * After a save on a large model the server queues the analysis (Celery) instead of running it in
 * the request; wait until the model says it is no longer queued or running, then load threats.
 */
export async function waitForAnalysis(threatModelId: number, pauseMs = 1500, attempts = 80): Promise<EditorThreat[]> {
  for (let i = 0; i < attempts; i += 1) {
    const model = await get<ApiThreatModel>(`/threat-models/${threatModelId}/`)
    if (model.analysis_status !== 'queued' && model.analysis_status !== 'running') break
    await new Promise((resolve) => setTimeout(resolve, pauseMs))
  }
  return loadThreats(threatModelId)
}

/** Whether an ops answer says the analysis was queued rather than done in the request. */
export function analysisQueued(result: unknown): boolean {
  const analysis = (result as { analysis?: { status?: unknown } } | null)?.analysis
  return analysis?.status === 'queued'
}

export async function loadThreats(threatModelId: number): Promise<EditorThreat[]> {
  const out: EditorThreat[] = []
  for (let page = 1; page < 1000; page += 1) {
    const body = await get<Page<ApiThreat>>(`/threats/?threat_model=${threatModelId}&page_size=500&page=${page}`)
    out.push(...body.results.filter((threat) => threat.status !== 'obsolete').map(fromApi))
    if (!body.next) break
  }
  return out
}

function fromApi(threat: ApiThreat): EditorThreat {
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

type DocumentThreat = components['schemas']['DocumentThreat']

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
    }))
}
