/**
 * Kubernetes manifests and compose files in the browser (docs/manifests.md): which format a set of
 * files is, whether one import may take them together, and a re-import's drift in lines a person
 * reads — what the files add, change (each property before → after) and remove, and what stays as
 * people drew it. The server reads and decides everything again; these only pre-fill and word.
 */
import type { DiagramState } from './types'

export type ManifestFormat = 'kubernetes' | 'compose'

/** The key prefix of what each format owns in a diagram (`k8s:deployment:shop:cart`, `compose:service:db`). */
export const MANIFEST_PREFIX: Readonly<Record<ManifestFormat, string>> = { kubernetes: 'k8s:', compose: 'compose:' }

const COMPOSE_NAME = /(^|[/\\])(docker-)?compose([.-][^/\\]*)?\.ya?ml$/i
const MANIFEST_NAME = /\.(ya?ml|json)$/i

/** `compose.yaml`, `docker-compose.override.yml`, `compose.prod.yaml`… */
export function looksLikeCompose(filename: string): boolean {
  return COMPOSE_NAME.test(filename)
}

/**
 * The manifest format a set of file names points to: compose when every one is named like a
 * compose file, Kubernetes when every one is YAML or JSON and none is, '' otherwise (a mix, or a
 * file that is neither: the user says, or the server refuses).
 */
export function manifestFormatFor(filenames: readonly string[]): ManifestFormat | '' {
  if (filenames.length === 0 || !filenames.every((name) => MANIFEST_NAME.test(name))) return ''
  const compose = filenames.filter(looksLikeCompose).length
  if (compose === filenames.length) return 'compose'
  return compose === 0 ? 'kubernetes' : ''
}

export interface SeveralFilesFormat {
  name: string
  label: string
  several_files: boolean
}

/**
 * Why these files cannot go in one import, or null. Several files need a format that reads
 * several (Kubernetes, compose) — named by the user or suggested by the names.
 */
export function severalFilesProblem(count: number, format: string, formats: readonly SeveralFilesFormat[]): string | null {
  if (count <= 1) return null
  const readers = formats.filter((f) => f.several_files)
  const names = readers.map((f) => f.label).join(' or ')
  if (!format) return `Several files go in one import only as ${names || 'a format that reads several'}: choose the format.`
  const chosen = formats.find((f) => f.name === format)
  if (chosen && !chosen.several_files) return `${chosen.label} is read one file at a time: choose one file, or ${names}.`
  return null
}

/** The manifest format a diagram was imported from, by the keys it holds; null when it has no manifest elements. */
export function diagramManifestFormat(state: DiagramState): ManifestFormat | null {
  const counts: Record<ManifestFormat, number> = { kubernetes: 0, compose: 0 }
  for (const key of state.elements.keys()) {
    for (const format of ['kubernetes', 'compose'] as const) if (key.startsWith(MANIFEST_PREFIX[format])) counts[format] += 1
  }
  if (counts.kubernetes === 0 && counts.compose === 0) return null
  return counts.compose > counts.kubernetes ? 'compose' : 'kubernetes'
}

// --- the drift --------------------------------------------------------------------------------

export interface DriftElement {
  key: string
  kind: string
  name: string
}

export interface DriftFlow {
  key: string
  source: string
  target: string
  label: string
}

type Changes = Readonly<Record<string, Readonly<Record<string, unknown>>>>

export interface DriftChanges {
  elements: {
    added: readonly DriftElement[]
    changed: readonly (DriftElement & { field_changes: Changes; properties: Changes })[]
    removed: readonly DriftElement[]
  }
  flows: {
    added: readonly DriftFlow[]
    changed: readonly (DriftFlow & { field_changes: Changes; properties: Changes })[]
    removed: readonly DriftFlow[]
  }
  /** What the files do not own and stays as people drew it, as the server has the diagram now. */
  kept: { elements: readonly DriftElement[]; flows: readonly DriftFlow[] }
}

/** One before → after of a changed element or flow. */
export interface DriftFact {
  name: string
  label: string
  before: string
  after: string
}

export interface DriftLine {
  key: string
  text: string
  facts: DriftFact[]
}

export interface DriftSection {
  id: 'added' | 'changed' | 'removed'
  title: string
  elements: DriftLine[]
  flows: DriftLine[]
}

export interface DriftPreview {
  sections: DriftSection[]
  /** Elements and flows the files do not own: what people drew, kept as they are. */
  kept: DriftLine[]
  /** "Kept as drawn (not from the files): 1 element, 1 flow", or '' when nothing is. */
  keptText: string
  /** No operation at all: the diagram already is what the files say. */
  inStep: boolean
}

const KIND_WORD: Readonly<Record<string, string>> = {
  process: 'process',
  data_store: 'data store',
  external_entity: 'external entity',
  trust_boundary: 'trust boundary',
}

const plural = (n: number, word: string) => (n === 0 ? '' : `${n} ${word}${n === 1 ? '' : 's'}`)

/** A property value as the preview shows it: "unknown" stays a word, lists are joined, objects spelled out. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'unknown'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'string' || typeof value === 'number') return String(value)
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map(valueText).join(', ')
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    return entries.length === 0 ? '(none)' : entries.map(([k, v]) => `${k}: ${valueText(v)}`).join('; ')
  }
  return JSON.stringify(value)
}

export interface DriftContext {
  /** What the editor holds: names of the ends of flows the answer does not name. */
  current: DiagramState
  /** A property's label for a target kind (`process`, `flow`…), else its name. */
  labelOf?: (target: string, name: string) => string
}

function facts(target: string, change: { field_changes: Changes; properties: Changes }, labelOf: DriftContext['labelOf']): DriftFact[] {
  const out: DriftFact[] = []
  for (const [name, diff] of Object.entries(change.field_changes)) {
    out.push({ name, label: name, before: valueText(diff.before), after: valueText(diff.after) })
  }
  for (const [name, diff] of Object.entries(change.properties)) {
    out.push({ name, label: labelOf?.(target, name) ?? name, before: valueText(diff.before), after: valueText(diff.after) })
  }
  return out
}

/** The preview of a re-import: its sections (empty ones left out), and what stays as drawn. */
export function driftPreview(changes: DriftChanges, context: DriftContext): DriftPreview {
  const names = new Map<string, string>()
  for (const [key, element] of context.current.elements) names.set(key, element.name)
  const { elements, flows } = changes
  for (const e of [...elements.added, ...elements.changed, ...elements.removed, ...changes.kept.elements]) names.set(e.key, e.name)
  const nameOf = (key: string) => names.get(key) ?? key
  const element = (e: DriftElement) => `${e.name} — ${KIND_WORD[e.kind] ?? e.kind}`
  const flow = (f: DriftFlow) => `${nameOf(f.source)} → ${nameOf(f.target)}${f.label ? ` “${f.label}”` : ''}`
  const plain = <T extends { key: string }>(items: readonly T[], text: (item: T) => string): DriftLine[] =>
    items.map((item) => ({ key: item.key, text: text(item), facts: [] }))

  const all: DriftSection[] = [
    { id: 'added', title: 'Added by the files', elements: plain(elements.added, element), flows: plain(flows.added, flow) },
    {
      id: 'changed',
      title: 'Changed',
      elements: elements.changed.map((e) => ({ key: e.key, text: element(e), facts: facts(e.kind, e, context.labelOf) })),
      flows: flows.changed.map((f) => ({ key: f.key, text: flow(f), facts: facts('flow', f, context.labelOf) })),
    },
    { id: 'removed', title: 'No longer in the files: removed', elements: plain(elements.removed, element), flows: plain(flows.removed, flow) },
  ]
  const sections = all.filter((s) => s.elements.length + s.flows.length > 0)
  const counted = [plural(changes.kept.elements.length, 'element'), plural(changes.kept.flows.length, 'flow')].filter(Boolean)
  return {
    sections,
    kept: [...plain(changes.kept.elements, element), ...plain(changes.kept.flows, flow)],
    keptText: counted.length > 0 ? `Kept as drawn (not from the files): ${counted.join(', ')}` : '',
    inStep: sections.length === 0,
  }
}

/** The counts line above the preview: "1 element changed, 2 flows added". */
export function driftCounts(changes: DriftChanges): string {
  const parts: string[] = []
  const count = (n: number, what: string, how: string) => n > 0 && parts.push(`${n} ${what}${n === 1 ? '' : 's'} ${how}`)
  for (const how of ['added', 'changed', 'removed'] as const) {
    count(changes.elements[how].length, 'element', how)
    count(changes.flows[how].length, 'flow', how)
  }
  return parts.length > 0 ? parts.join(', ') : 'No drift: the diagram already says what the files say.'
}

export interface AppliedLike {
  version: number
  applied: number
  analysis?: { status: string; new?: number; obsolete?: number }
}

export interface ReopenedLike {
  mitigation: string
  title: string
  because: readonly string[]
  threats_reopened?: number
}

/** "MIT-7 Admission refuses privileged pods" and the findings that break it, for the preview's warning. */
export function reopenedLines(reopened: readonly ReopenedLike[]): string[] {
  return reopened.map((r) => `${r.mitigation} ${r.title} — ${r.because.slice(0, 3).join('; ')}${r.because.length > 3 ? '; …' : ''}`)
}

/** What an applied re-import did, for the notice shown after the diagram reloads. */
export function appliedNotice(result: AppliedLike, reopened: readonly ReopenedLike[] = []): string {
  if (result.applied === 0) return `Re-imported: nothing changed (version ${result.version}).`
  const base = `Re-imported the manifests: ${result.applied} change${result.applied === 1 ? '' : 's'} applied, diagram version ${result.version}.`
  const broken =
    reopened.length === 0
      ? ''
      : ` Reopened ${reopened.map((r) => r.mitigation).join(', ')}: the files break ${reopened.length === 1 ? 'this verified mitigation' : 'these verified mitigations'}.`
  const analysis = result.analysis
  if (!analysis) return base + broken
  if (analysis.status !== 'done') return `${base} The threats are being analysed.${broken}`
  const newOnes = analysis.new ?? 0
  const gone = analysis.obsolete ?? 0
  const threatParts = [`${newOnes} new threat${newOnes === 1 ? '' : 's'}`]
  if (gone > 0) threatParts.push(`${gone} obsolete`)
  return `${base} ${threatParts.join(', ')}.${broken}`
}

/** A 409 on apply: the diagram moved on since the preview; the words say so and what to do. */
export function staleText(previewVersion: number, currentVersion: unknown): string {
  const now = typeof currentVersion === 'number' ? ` (it is now at version ${currentVersion})` : ''
  return `The diagram changed since this preview of version ${previewVersion}${now}: nothing was applied. Preview again to see the changes against the current diagram.`
}

/**
 * The format to pre-fill for the files picked: one file by its name (`formatForFile`, a compose
 * file by its name too), several by `manifestFormatFor`; '' lets the server detect it.
 */
export function suggestedFormat(filenames: readonly string[], forOne: (filename: string) => string): string {
  if (filenames.length === 1) {
    const name = filenames[0] ?? ''
    return forOne(name) || (looksLikeCompose(name) ? 'compose' : '')
  }
  return manifestFormatFor(filenames)
}

/** "frontend.yaml, 2 KB" or "3 files, 14 KB: a.yaml, b.yaml, c.yaml". */
export function filesText(files: readonly { name: string; size: number }[], sizeText: (bytes: number) => string): string {
  const total = sizeText(files.reduce((sum, f) => sum + f.size, 0))
  if (files.length === 1) return `${files[0]?.name ?? ''}, ${total}`
  const shown = files.slice(0, 6).map((f) => f.name)
  const more = files.length > shown.length ? ` and ${files.length - shown.length} more` : ''
  return `${files.length} files, ${total}: ${shown.join(', ')}${more}`
}
