/**
 * Loading the model's threats — the one module to change when the threat API changes.
 *
 * The threats endpoint (`GET /api/v1/threats/?threat_model=`) is paged; the editor takes pages of
 * 500 until it has them all. The engine recomputes threats inside each accepted ops batch, so the
 * workspace calls `loadThreats` again after every save.
 */
import { pathFromExplanation, type EditorThreat } from '../core/threats'
import { get } from './client'
import type { Page } from './endpoints'
import type { components } from './schema'

type ApiThreat = components['schemas']['Threat']

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
    likelihood: threat.likelihood ?? null,
    impact: threat.impact ?? null,
    path: pathFromExplanation(threat.explanation),
  }
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
      likelihood: threat.likelihood ?? null,
      impact: threat.impact ?? null,
      path: pathFromExplanation(threat.explanation),
    }))
}
