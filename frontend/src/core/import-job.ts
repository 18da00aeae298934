/**
 * A large import runs in a worker: the server answers 202 with a job to follow. What the dialog says
 * while it waits, and when the job has ended, what it made or why it was refused.
 */

export interface JobView {
  readonly status: 'queued' | 'running' | 'done' | 'failed'
  readonly progress: number
  readonly step: string
  readonly reason: string
  readonly details: unknown
  readonly result: unknown
  readonly threat_model: number | null
}

export type JobState =
  | { readonly kind: 'waiting'; readonly text: string }
  | { readonly kind: 'done'; readonly modelId: number; readonly format: string; readonly summary: unknown; readonly warnings: string[] }
  | { readonly kind: 'failed'; readonly message: string; readonly details: { path: string; message: string }[] }

const asRecord = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {})

export function jobState(job: JobView): JobState {
  if (job.status === 'done' && job.threat_model !== null) {
    const result = asRecord(job.result)
    const warnings = Array.isArray(result.warnings) ? result.warnings.filter((w): w is string => typeof w === 'string') : []
    return { kind: 'done', modelId: job.threat_model, format: String(result.format ?? ''), summary: result.summary, warnings }
  }
  if (job.status === 'failed' || job.status === 'done') {
    const details = Array.isArray(job.details)
      ? job.details.map(asRecord).map((d) => ({ path: String(d.path ?? '$'), message: String(d.message ?? '') }))
      : []
    return { kind: 'failed', message: job.reason || 'The import could not be completed.', details }
  }
  if (job.status === 'queued') {
    return { kind: 'waiting', text: job.reason ? job.reason : 'Large file: waiting for a worker to import it…' }
  }
  const step = job.step ? job.step.charAt(0).toUpperCase() + job.step.slice(1) : 'Importing'
  return { kind: 'waiting', text: `${step}… (${job.progress} %)` }
}
