/** The team library: model templates (shipped and saved by a team), a new model from one, and the team's own rules. */
import { del, get, patch, post } from './client'
import type { components } from './schema'

export type ModelTemplate = components['schemas']['Template']
export type FromTemplateResult = components['schemas']['FromTemplateResult']

export const libraryApi = {
  templates: () => get<components['schemas']['PaginatedTemplateList']>('/templates/?page_size=200'),
  save: (threatModel: number, name: string, description = '') => post<ModelTemplate>('/templates/', { threat_model: threatModel, name, description }),
  remove: (id: string) => del(`/templates/${encodeURIComponent(id)}/`),
  start: (template: string, team: number, name: string) => post<FromTemplateResult>('/threat-models/from-template/', { template, team, name }),
}

export type TeamRule = components['schemas']['TeamRule']
export type TeamRuleCheck = components['schemas']['TeamRuleCheck']
export type TeamRuleAnswer = components['schemas']['TeamRuleAnswer']

/** A team's own rules: checked and previewed without writing, saved disabled, enabled once their examples pass. */
export const teamRulesApi = {
  list: (team: number) => get<components['schemas']['PaginatedTeamRuleList']>(`/team-rules/?team=${team}&page_size=200`),
  preview: (team: number, yaml: string) => post<TeamRuleCheck>('/team-rules/preview/', { team, yaml }),
  create: (team: number, yaml: string) => post<TeamRuleAnswer>('/team-rules/', { team, yaml }),
  update: (id: number, yaml: string) => patch<TeamRuleAnswer>(`/team-rules/${id}/`, { yaml }),
  enable: (id: number) => post<TeamRuleAnswer>(`/team-rules/${id}/enable/`, {}),
  disable: (id: number) => post<TeamRuleAnswer>(`/team-rules/${id}/disable/`, {}),
  remove: (id: number) => del(`/team-rules/${id}/`),
}
