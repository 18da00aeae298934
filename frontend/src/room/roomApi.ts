/** The room's endpoints: manual threats, the model's About, assumptions and attack paths. */
import { del, get, patch, post } from '../api/client'
import type { Page } from '../api/endpoints'
import type { components } from '../api/schema'
import type { AttackPath } from '../core/attack-paths'
import type { AssumptionDraft } from '../core/assumptions'

type S = components['schemas']
export type Assumption = S['Assumption']
export type RoomThreat = S['Threat']
export type ModelAbout = S['ThreatModel']
export type ThreatBody = { stride: string; title: string; description: string; statement: S['ThreatStatement']; element: string; flow: string }

export interface AttackPaths {
  entry_points: string[]
  crown_jewels: string[]
  paths: AttackPath[]
}

export const roomApi = {
  threat: (id: number) => get<RoomThreat>(`/threats/${id}/`),
  createThreat: (modelId: number, body: ThreatBody) => post<RoomThreat>('/threats/', { threat_model: modelId, ...body }),
  updateThreat: (id: number, body: ThreatBody) => patch<RoomThreat>(`/threats/${id}/`, body),
  deleteThreat: (id: number) => del(`/threats/${id}/`),
  about: (modelId: number) => get<ModelAbout>(`/threat-models/${modelId}/`),
  saveAbout: (modelId: number, about: { description: string; scope: string; out_of_scope: string }) =>
    patch<ModelAbout>(`/threat-models/${modelId}/`, about),
  assumptions: async (modelId: number) => (await get<Page<Assumption>>(`/assumptions/?threat_model=${modelId}&page_size=200`)).results,
  createAssumption: (modelId: number, draft: AssumptionDraft) => post<Assumption>('/assumptions/', { threat_model: modelId, ...draft }),
  updateAssumption: (id: number, draft: AssumptionDraft) => patch<Assumption>(`/assumptions/${id}/`, draft),
  deleteAssumption: (id: number) => del(`/assumptions/${id}/`),
  falsify: (id: number, reason: string) => post<{ assumption: Assumption; reopened: number[] }>(`/assumptions/${id}/falsify/`, { reason }),
  attackPaths: (modelId: number) => get<AttackPaths>(`/threat-models/${modelId}/attack-paths/?k=2`),
}
