/**
 * Typed calls to the endpoints the app uses; the shapes come from the generated schema types.
 */
import type { Op } from '../core/ops'
import type { DocumentModel, Vocabulary } from '../core/types'
import { del, get, patch, post } from './client'
import type { components } from './schema'

export type ThreatModel = components['schemas']['ThreatModel']
export type Diagram = components['schemas']['Diagram']
export type OpsResult = components['schemas']['OpsResult']
export type Me = components['schemas']['Me']

export interface Team {
  id: number
  name: string
  slug: string
  role: string
}

export interface MeWithTeams {
  id: number
  username: string
  email: string
  teams: Team[]
}

export interface Page<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

export const auth = {
  me: () => get<MeWithTeams>('/auth/me/'),
  login: (username: string, password: string) => post<MeWithTeams>('/auth/login/', { username, password }),
  logout: () => post<void>('/auth/logout/'),
}

export const models = {
  list: (params: { search?: string; team?: number; page?: number }) => {
    const query = new URLSearchParams({ ordering: '-updated_at', page_size: '50' })
    if (params.search) query.set('search', params.search)
    if (params.team) query.set('team', String(params.team))
    if (params.page) query.set('page', String(params.page))
    return get<Page<ThreatModel>>(`/threat-models/?${query.toString()}`)
  },
  create: (team: number, name: string, description = '') => post<ThreatModel>('/threat-models/', { team, name, description }),
  rename: (id: number, name: string) => patch<ThreatModel>(`/threat-models/${id}/`, { name }),
  remove: (id: number) => del(`/threat-models/${id}/`),
  document: (id: number) => get<DocumentModel>(`/threat-models/${id}/document/`),
}

export const diagrams = {
  create: (threatModel: number, name: string) => post<Diagram>('/diagrams/', { threat_model: threatModel, name, level: 'level_1' }),
  rename: (id: number, name: string) => patch<Diagram>(`/diagrams/${id}/`, { name }),
  ops: (id: number, baseVersion: number, ops: Op[]) => post<OpsResult>(`/diagrams/${id}/ops/`, { base_version: baseVersion, ops }),
}

export const vocabulary = {
  get: () => get<Vocabulary>('/vocabulary/'),
}
