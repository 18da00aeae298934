/**
 * Loading the model's threats — the one module that knows the threat endpoints.
 *
 * `GET /api/v1/threats/?threat_model=` is paged; the editor takes pages of 500. The list comes with
 * the document; after a change the editor asks only for what changed (`changed_since=<model
 * version>`, see `core/threat-sync.ts`) when the ops answer did not already carry the rows.
 */
import { threatFromApi, type ApiThreat } from '../core/threat-rows'
import type { ThreatSource } from '../core/threat-sync'
import type { EditorThreat } from '../core/threats'
import { get } from './client'
import type { Page } from './endpoints'
import type { components } from './schema'

type ApiThreatModel = components['schemas']['ThreatModel']

const PAGE_SIZE = 500

async function pages(query: URLSearchParams): Promise<ApiThreat[]> {
  const out: ApiThreat[] = []
  query.set('page_size', String(PAGE_SIZE))
  for (let page = 1; page < 1000; page += 1) {
    query.set('page', String(page))
    const body = await get<Page<ApiThreat>>(`/threats/?${query.toString()}`)
    out.push(...body.results)
    if (!body.next) break
  }
  return out
}

/** Every threat of the model that still applies (obsolete ones left out). */
export async function loadThreats(threatModelId: number): Promise<EditorThreat[]> {
  const rows = await pages(new URLSearchParams({ threat_model: String(threatModelId) }))
  return rows.filter((threat) => threat.status !== 'obsolete').map(threatFromApi)
}

/** The threats whose row changed at a model version after `version`, obsolete ones included (they leave the list). */
export async function loadChangedThreats(threatModelId: number, version: number): Promise<EditorThreat[]> {
  const rows = await pages(new URLSearchParams({ threat_model: String(threatModelId), changed_since: String(version) }))
  return rows.map(threatFromApi)
}

/**
 * After a save on a large model the server queues the analysis (Celery) instead of running it in
 * the request: wait until the model says it is no longer queued or running (false: gave up).
 */
export async function analysisSettled(threatModelId: number, pauseMs = 1500, attempts = 80): Promise<boolean> {
  for (let i = 0; i < attempts; i += 1) {
    const model = await get<ApiThreatModel>(`/threat-models/${threatModelId}/`)
    if (model.analysis_status !== 'queued' && model.analysis_status !== 'running') return true
    await new Promise((resolve) => setTimeout(resolve, pauseMs))
  }
  return false
}

/** The threat source of one model, for `ThreatSync`. */
export function threatSource(threatModelId: number): ThreatSource {
  return {
    all: () => loadThreats(threatModelId),
    changedSince: (version) => loadChangedThreats(threatModelId, version),
    analysisSettled: () => analysisSettled(threatModelId),
  }
}

/** One threat's full record (`GET /threats/{id}/`): what the document leaves out, such as the engine's reasons. */
export async function loadThreat(threatId: number): Promise<EditorThreat> {
  return threatFromApi(await get<ApiThreat>(`/threats/${threatId}/`))
}
