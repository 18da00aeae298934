/**
 * Typed calls for the ways in and out (docs/interop.md, docs/reports.md): the format list, export
 * and drawing URLs (plain links: the session cookie authorises the download), imports as a
 * multipart upload (several files at once for manifests), the manifests' re-import, PDF reports, and the
 * pipeline checks' runs.
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
export type ManifestSyncResult = S['ManifestSyncResult']
export type CheckRun = S['CheckRun']

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
  /** One file, or several of a format that reads several (Kubernetes, compose): one `file` field each, one import. */
  importFiles: (upload: { files: readonly File[]; team: number; format?: string; name?: string }) => {
    const form = new FormData()
    for (const file of upload.files) form.append('file', file)
    form.append('team', String(upload.team))
    if (upload.format) form.append('format', upload.format)
    if (upload.name) form.append('name', upload.name)
    return postForm<ImportResult>('/threat-models/import/', form)
  },
  /** The drift between a diagram and manifest files: a dry run without `baseVersion`, else applied at it. */
  syncFromManifests: (diagramId: number, upload: { files: readonly File[]; format: string; baseVersion?: number }) => {
    const form = new FormData()
    for (const file of upload.files) form.append('file', file)
    form.append('format', upload.format)
    form.append('dry_run', upload.baseVersion === undefined ? 'true' : 'false')
    if (upload.baseVersion !== undefined) form.append('base_version', String(upload.baseVersion))
    return postForm<ManifestSyncResult>(`/diagrams/${diagramId}/sync-from-manifests/`, form)
  },
  reports: async (modelId: number): Promise<Report[]> => (await get<Page<Report>>(`/threat-models/${modelId}/reports/?page_size=20`)).results,
  report: (modelId: number, reportId: number) => get<Report>(`/threat-models/${modelId}/reports/${reportId}/`),
  requestReport: (modelId: number, paper: Paper) => post<Report>(`/threat-models/${modelId}/reports/`, { paper }),
  /** The pipeline checks of the model (`POST …/check/` runs, docs/ci.md), newest first. */
  checks: async (modelId: number): Promise<CheckRun[]> => (await get<Page<CheckRun>>(`/threat-models/${modelId}/checks/?page_size=20`)).results,
}
