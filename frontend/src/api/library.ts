/** The team library: model templates (shipped and saved by a team), a new model from one, the team's own rules, and components. */
import { del, get, patch, post } from './client'
import type { components } from './schema'

export type ModelTemplate = components['schemas']['Template']
export type FromTemplateResult = components['schemas']['FromTemplateResult']
export type LibraryComponent = components['schemas']['Component']
export type ComponentInsertResult = components['schemas']['ComponentInsertResult']
export type ComponentInsert = components['schemas']['ComponentInsertRequest']

export const libraryApi = {
  templates: () => get<components['schemas']['PaginatedTemplateList']>('/templates/?page_size=200'),
  save: (threatModel: number, name: string, description = '') => post<ModelTemplate>('/templates/', { threat_model: threatModel, name, description }),
  remove: (id: string) => del(`/templates/${encodeURIComponent(id)}/`),
  start: (template: string, team: number, name: string) => post<FromTemplateResult>('/threat-models/from-template/', { template, team, name }),
  components: (team: number) => get<components['schemas']['PaginatedComponentList']>(`/components/?team=${team}&page_size=200`),
  saveComponent: (body: components['schemas']['ComponentSaveRequest']) => post<LibraryComponent>('/components/', body),
  removeComponent: (id: number) => del(`/components/${id}/`),
  insertComponent: (diagramId: number, body: ComponentInsert) => post<ComponentInsertResult>(`/diagrams/${diagramId}/insert-component/`, body),
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
