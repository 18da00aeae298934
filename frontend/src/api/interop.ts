/**
 * Typed calls for the ways in and out (docs/interop.md, docs/reports.md): the format list, export
 * and drawing URLs (plain links: the session cookie authorises the download), imports as a
 * multipart upload, and PDF reports.
 */
import { get, post, postForm } from './client'
import type { Page } from './endpoints'
import type { components } from './schema'

type S = components['schemas']
export type Formats = S['Formats']
export type ExportFormat = S['ExportFormat']
export type ImportFormat = S['ImportFormat']
export type ImportResult = S['ImportResult']
export type Report = S['Report']
export type Paper = S['PaperEnum']

let formatsOnce: Promise<Formats> | null = null

export const interopApi = {
  /** The format list rarely changes: it is asked for once per page load. */
  formats: (): Promise<Formats> => {
    formatsOnce ??= get<Formats>('/formats/').catch((error: unknown) => {
      formatsOnce = null
      throw error
    })
    return formatsOnce
  },
  exportUrl: (modelId: number, format: string) => `/api/v1/threat-models/${modelId}/export/?format=${encodeURIComponent(format)}`,
  renderUrl: (diagramId: number, format: string) => `/api/v1/diagrams/${diagramId}/render/?format=${encodeURIComponent(format)}`,
  importFile: (upload: { file: File; team: number; format?: string; name?: string }) => {
    const form = new FormData()
    form.append('file', upload.file)
    form.append('team', String(upload.team))
    if (upload.format) form.append('format', upload.format)
    if (upload.name) form.append('name', upload.name)
    return postForm<ImportResult>('/threat-models/import/', form)
  },
  reports: async (modelId: number): Promise<Report[]> => (await get<Page<Report>>(`/threat-models/${modelId}/reports/?page_size=20`)).results,
  report: (modelId: number, reportId: number) => get<Report>(`/threat-models/${modelId}/reports/${reportId}/`),
  requestReport: (modelId: number, paper: Paper) => post<Report>(`/threat-models/${modelId}/reports/`, { paper }),
}
