/**
 * Typed calls for the ways in and out (docs/interop.md, docs/reports.md): the format list, export
 * and drawing URLs (plain links: the session cookie authorises the download), imports as a
 * multipart upload (several files at once for manifests), the manifests' re-import, PDF reports, the
 * pipeline checks' runs and scanners' evidence.
 */
import { jobState } from '../core/import-job'
import { ApiError, get, post, postForm } from './client'
import type { Page } from './endpoints'
import type { components } from './schema'

type S = components['schemas']
export type Formats = S['Formats']
export type ExportFormat = S['ExportFormat']
export type ImportFormat = S['ImportFormat']
export type ImportResult = S['ImportResult']
type ImportQueued = S['ImportQueued']
type ImportJob = S['ImportJob']

const POLL_MS = 1000

/** Wait for a worker's import job to end: the same answer as an import done inside the request, or its refusal. */
async function followJob(first: ImportJob, onProgress?: (text: string) => void): Promise<ImportResult> {
  let job = first
  for (;;) {
    const state = jobState(job)
    if (state.kind === 'done') {
      const model = await get<ImportResult['threat_model']>(`/threat-models/${state.modelId}/`)
      return { threat_model: model, format: state.format, summary: state.summary, warnings: state.warnings } as ImportResult
    }
    if (state.kind === 'failed') throw new ApiError(400, state.message, 'invalid', state.details)
    onProgress?.(state.text)
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    job = await get<ImportJob>(`/import-jobs/${job.id}/`)
  }
}
export type Report = S['Report']
export type Paper = S['PaperEnum']
export type ManifestSyncResult = S['ManifestSyncResult']
export type CheckRun = S['CheckRun']
export type EvidenceAnswer = S['EvidenceAnswer']

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
  importFiles: async (upload: {
    files: readonly File[]
    team: number
    format?: string
    name?: string
    /** What a large import (run by a worker) is doing, while the dialog waits. */
    onProgress?: (text: string) => void
  }): Promise<ImportResult> => {
    const form = new FormData()
    for (const file of upload.files) form.append('file', file)
    form.append('team', String(upload.team))
    if (upload.format) form.append('format', upload.format)
    if (upload.name) form.append('name', upload.name)
    const answer = await postForm<ImportResult | ImportQueued>('/threat-models/import/', form)
    return 'job' in answer ? followJob(answer.job, upload.onProgress) : answer
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
  /** A scanner's report (PolicyReport, Kubescape, SARIF) as evidence for the model's mitigations; the format is recognised when not named. */
  uploadEvidence: (modelId: number, file: File, format?: string): Promise<EvidenceAnswer> => {
    const form = new FormData()
    form.append('file', file)
    if (format) form.append('format', format)
    return postForm<EvidenceAnswer>(`/threat-models/${modelId}/evidence/`, form)
  },
}
