/** The team library: model templates (shipped and saved by a team) and a new model from one. */
import { del, get, post } from './client'
import type { components } from './schema'

export type ModelTemplate = components['schemas']['Template']
export type FromTemplateResult = components['schemas']['FromTemplateResult']

export const libraryApi = {
  templates: () => get<components['schemas']['PaginatedTemplateList']>('/templates/?page_size=200'),
  save: (threatModel: number, name: string, description = '') => post<ModelTemplate>('/templates/', { threat_model: threatModel, name, description }),
  remove: (id: string) => del(`/templates/${encodeURIComponent(id)}/`),
  start: (template: string, team: number, name: string) => post<FromTemplateResult>('/threat-models/from-template/', { template, team, name }),
}
