/**
 * The ways in and out as the browser offers them: which import format a file name suggests, what
 * the file picker accepts, an import's result and refusal in lines a person reads, and a report's
 * progress. The server decides everything again (it detects the format from the content when none
 * is named); these only word and pre-fill.
 */

export interface ImportFormatLike {
  name: string
  label: string
  extensions: readonly string[]
}

export interface ExportFormatLike {
  name: string
  file_suffix: string
}

/**
 * The format a file name points to, or '' (let the server detect it from the content) when its
 * ending is shared by several formats — `.json` is ours, OTM and Threat Dragon alike. Our own
 * exports' compound suffixes (`.otm.json`, `.threat-dragon.json`) name their format.
 */
export function formatForFile(filename: string, imports: readonly ImportFormatLike[], exports: readonly ExportFormatLike[] = []): string {
  const name = filename.toLowerCase()
  const importable = new Set(imports.map((f) => f.name))
  const compound = exports
    .filter((f) => importable.has(f.name) && f.file_suffix.split('.').length > 2 && name.endsWith(f.file_suffix.toLowerCase()))
    .sort((a, b) => b.file_suffix.length - a.file_suffix.length)[0]
  if (compound) return compound.name
  const dot = name.lastIndexOf('.')
  if (dot < 0) return ''
  const ext = name.slice(dot)
  const matching = imports.filter((f) => f.extensions.some((e) => e.toLowerCase() === ext))
  return matching.length === 1 ? (matching[0]?.name ?? '') : ''
}

/** The `accept` attribute of the file picker: every extension some format reads. */
export function acceptAttribute(imports: readonly ImportFormatLike[]): string {
  return [...new Set(imports.flatMap((f) => f.extensions.map((e) => e.toLowerCase())))].sort().join(',')
}

export interface ImportSummaryLike {
  diagrams: number
  elements: number
  boundaries: number
  flows: number
  threats: number
  placeholders: number
  skipped: number
  threats_by_stride: Record<string, number>
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** What an import created, one line per kind of thing. */
export function summaryLines(summary: ImportSummaryLike): string[] {
  const lines = [
    plural(summary.diagrams, 'diagram'),
    plural(summary.boundaries, 'trust boundary', 'trust boundaries'),
    `${plural(summary.elements, 'element')} (external entities, processes, data stores)`,
    plural(summary.flows, 'flow'),
  ]
  const letters = Object.entries(summary.threats_by_stride)
    .filter(([, n]) => n > 0)
    .map(([letter, n]) => `${letter} ${n}`)
  lines.push(`${plural(summary.threats, 'threat')}${letters.length > 0 ? ` (${letters.join(', ')})` : ''}`)
  if (summary.placeholders > 0) lines.push(`${plural(summary.placeholders, 'placeholder')} for flow ends attached to nothing`)
  if (summary.skipped > 0) lines.push(`${plural(summary.skipped, 'shape')} skipped`)
  return lines
}

export interface DetailLike {
  path: string
  message: string
}

/** A refused import: the message, then each problem with the place in the file it names. */
export function problemLines(error: { message: string; details?: readonly DetailLike[] }): { message: string; problems: string[] } {
  return {
    message: error.message,
    problems: (error.details ?? []).map((d) => (d.path && d.path !== '$' ? `${d.path}: ${d.message}` : d.message)),
  }
}

/** A refusal as the Refusal box shows it: the server's answer (an error with a status), or the fallback
 *  when the request got no answer at all (offline, aborted). */
export function refusalOf(error: unknown, fallback: string): { message: string; problems: string[] } {
  const answered = error instanceof Error && 'status' in error && typeof (error as { status: unknown }).status === 'number'
  return answered ? problemLines(error as Error & { details?: readonly DetailLike[] }) : { message: fallback, problems: [] }
}

export function sizeText(bytes: number | null | undefined): string {
  if (bytes == null) return ''
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}

// --- reports ------------------------------------------------------------------------------------

export type ReportStatus = 'queued' | 'running' | 'done' | 'failed'

export interface ReportLike {
  id: number
  status: ReportStatus
  reason: string
  paper: string
  pages: number | null
  size: number | null
  model_version: number
  is_current: boolean
  download_url: string | null
}

export const REPORT_STEPS: readonly ReportStatus[] = ['queued', 'running', 'done']

export function isFinished(status: ReportStatus): boolean {
  return status === 'done' || status === 'failed'
}

/** Where a report stands, in words. */
export function reportLine(report: ReportLike): string {
  const paper = report.paper === 'letter' ? 'Letter' : report.paper.toUpperCase()
  switch (report.status) {
    case 'queued':
      return `${paper}, model v${report.model_version}: waiting for a worker…`
    case 'running':
      return `${paper}, model v${report.model_version}: being rendered…`
    case 'done':
      return `${paper}, model v${report.model_version}: ready — ${report.pages ?? '?'} pages, ${sizeText(report.size)}${report.is_current ? '' : ' (an earlier version of the model)'}`
    case 'failed':
      return `${paper}, model v${report.model_version}: failed — ${report.reason || 'no reason given'}`
  }
}

export interface PollOptions<R> {
  /** Pause between two looks, in milliseconds (the server's Retry-After is 2 s). */
  intervalMs?: number
  /** Give up after this long (the server's own limit on a render is 600 s). */
  timeoutMs?: number
  onUpdate?: (report: R) => void
  cancelled?: () => boolean
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

/** Look at a report until it is done or failed (or the wait is given up: the last answer comes back). */
export async function pollReport<R extends { status: ReportStatus }>(load: () => Promise<R>, options: PollOptions<R> = {}): Promise<R> {
  const interval = options.intervalMs ?? 2000
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const now = options.now ?? (() => Date.now())
  const deadline = now() + (options.timeoutMs ?? 660_000)
  let report = await load()
  options.onUpdate?.(report)
  while (!isFinished(report.status) && now() < deadline && !options.cancelled?.()) {
    await sleep(interval)
    if (options.cancelled?.()) break
    report = await load()
    options.onUpdate?.(report)
  }
  return report
}
