/**
 * Typed calls of the workflow API (docs/workflow.md): gates and stage moves, the heat map, the
 * threat drawer's assessment and every change it makes, mitigations, decisions, coverage, snapshots
 * and the audit trail. Shapes come from the generated schema; nothing here keeps state.
 */
import { api, del, get, patch, post } from './client'
import type { Page } from './endpoints'
import type { components } from './schema'

type S = components['schemas']
export type GateReport = S['GateReport']
export type GateItem = S['GateItem']
export type HeatMap = S['HeatMap']
export type StageChange = S['StageChange']
export type Assessment = S['ThreatAssessment']
export type ApiThreat = S['Threat']
export type Mitigation = S['Mitigation']
export type Decision = S['Decision']
export type Control = S['Control']
export type SuggestedAttackMitigation = S['SuggestedAttackMitigation']
export type AuditEvent = S['AuditEvent']
export type SnapshotSummary = S['SnapshotSummary']
export type Diff = S['Diff']
export type ThreatRisk = S['ThreatRisk']
export type RiskNumbers = S['RiskNumbers']
export type RatingOut = S['RatingOut']
export type OwaspProposal = S['OwaspProposal']
export type Coverage = S['Coverage']
export type CoverageCell = S['CoverageCell']
export type CoverageNote = S['CoverageNote']
export type Membership = S['Membership']
export type AnalysisResult = S['AnalysisResult']
export type MitigationCreate = S['MitigationCreateRequest']
export type MitigationChange = S['PatchedMitigationWriteRequest']
export type ThreatUpdate = S['PatchedThreatUpdateRequest']

/** The threat inside an assessment (the API documents it as "the threat as GET /threats/{id}/ returns it"). */
export function assessedThreat(assessment: Assessment): ApiThreat {
  return assessment.threat as unknown as ApiThreat
}

export const workflow = {
  gates: (modelId: number) => get<GateReport>(`/threat-models/${modelId}/gates/`),
  advance: (modelId: number, to: string, note = '') => post<StageChange>(`/threat-models/${modelId}/advance/`, { to, note }),
  reopen: (modelId: number, to: string, reason: string) => post<StageChange>(`/threat-models/${modelId}/reopen/`, { to, reason }),
  heatMap: (modelId: number) => get<HeatMap>(`/threat-models/${modelId}/heat-map/`),
  analyse: (modelId: number) => post<AnalysisResult>(`/threat-models/${modelId}/analyse/`),
  coverage: (modelId: number) => get<Coverage>(`/threat-models/${modelId}/coverage/`),
}

export const threatApi = {
  assessment: (id: number) => get<Assessment>(`/threats/${id}/assessment/`),
  rate: (id: number, body: { likelihood: number | null; impact: number | null; rationale: string; owasp?: unknown }) =>
    api<ThreatRisk>('PUT', `/threats/${id}/rating/`, body),
  setStatus: (id: number, status: string, reason = '') => post<ThreatRisk>(`/threats/${id}/status/`, { status, reason }),
  triage: (id: number, change: ThreatUpdate) => patch<ApiThreat>(`/threats/${id}/`, change),
  history: (id: number, page: number) => get<Page<AuditEvent>>(`/threats/${id}/history/?page=${page}&page_size=50`),
  owasp: (answers: unknown) => post<OwaspProposal>('/risk/owasp-rating/', answers),
  rule: (ruleId: string) => get<{ id: string; controls?: string[]; mitigation?: string }>(`/rules/${encodeURIComponent(ruleId)}/`),
}

export const mitigationApi = {
  ofModel: async (modelId: number): Promise<Mitigation[]> => {
    const out: Mitigation[] = []
    for (let page = 1; page < 200; page += 1) {
      const body = await get<Page<Mitigation>>(`/mitigations/?threat_model=${modelId}&page_size=200&page=${page}`)
      out.push(...body.results)
      if (!body.next) break
    }
    return out
  },
  get: (id: number) => get<Mitigation>(`/mitigations/${id}/`),
  create: (body: MitigationCreate) => post<Mitigation>('/mitigations/', body),
  update: (id: number, change: MitigationChange) => patch<Mitigation>(`/mitigations/${id}/`, change),
  remove: (id: number) => del(`/mitigations/${id}/`),
  link: (id: number, threats: number[]) => post<Mitigation>(`/mitigations/${id}/link/`, { threats }),
  unlink: (id: number, threats: number[]) => post<Mitigation>(`/mitigations/${id}/unlink/`, { threats }),
  setStatus: (id: number, status: string) => post<Mitigation>(`/mitigations/${id}/status/`, { status }),
  verify: (id: number, evidence: { evidence_url?: string; evidence?: string }) => post<Mitigation>(`/mitigations/${id}/verify/`, evidence),
}

export const decisionApi = {
  get: (id: number) => get<Decision>(`/decisions/${id}/`),
  create: (body: Record<string, unknown>) => post<Decision>('/decisions/', body),
  approve: (id: number) => post<Decision>(`/decisions/${id}/approve/`),
  revoke: (id: number, reason: string) => post<Decision>(`/decisions/${id}/revoke/`, { reason }),
}

export const catalogueApi = {
  controls: async (): Promise<Control[]> => (await get<Page<Control>>('/controls/?page_size=200')).results,
  members: async (teamId: number): Promise<Membership[]> => (await get<Page<Membership>>(`/memberships/?team=${teamId}&page_size=200`)).results,
}

export const coverageApi = {
  notes: async (modelId: number): Promise<CoverageNote[]> =>
    (await get<Page<CoverageNote>>(`/coverage-notes/?threat_model=${modelId}&page_size=500`)).results,
  addNote: (modelId: number, target: string, stride: string, reason: string) =>
    post<CoverageNote>('/coverage-notes/', { threat_model: modelId, target, stride, reason }),
  removeNote: (id: number) => del(`/coverage-notes/${id}/`),
}

export const historyApi = {
  snapshots: async (modelId: number): Promise<SnapshotSummary[]> =>
    (await get<Page<SnapshotSummary>>(`/snapshots/?threat_model=${modelId}&page_size=100`)).results,
  save: (modelId: number, label: string) => post<SnapshotSummary>('/snapshots/', { threat_model: modelId, label }),
  diff: (snapshotId: number, against: number | 'now' = 'now') => get<Diff>(`/snapshots/${snapshotId}/diff/?against=${against}`),
  audit: (modelId: number, page: number) => get<Page<AuditEvent>>(`/audit-events/?threat_model=${modelId}&page=${page}&page_size=50`),
}

export type BandChange = S['BandChange']

export const bandChangeApi = {
  open: async (modelId: number): Promise<BandChange[]> =>
    (await get<Page<BandChange>>(`/band-changes/?threat_model=${modelId}&acknowledged=false&page_size=500`)).results,
  acknowledge: (id: number) => post<BandChange>(`/band-changes/${id}/acknowledge/`),
}
