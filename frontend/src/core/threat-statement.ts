/**
 * A threat the room writes itself, in the parts of a threat grammar (after Threat Composer's
 * "[actor] [with precondition] can [action], which leads to [impact], negatively affecting
 * [subject]"), and the title and description composed from those parts.
 *
 * The server keeps the parts (`statement`), the subject (element or flow key), the STRIDE letter,
 * the title and the description; the description is the composed sentence followed by the free
 * text, and `splitDescription` recovers the free text when the threat is edited again.
 */

export interface Statement {
  actor: string
  precondition: string
  action: string
  impact: string
}

export interface ThreatForm extends Statement {
  stride: string
  /** `element:<key>`, `flow:<key>` or '' (the model as a whole). */
  subject: string
  notes: string
}

export interface SubjectOption {
  value: string
  label: string
}

export const EMPTY_FORM: ThreatForm = { actor: '', precondition: '', action: '', impact: '', stride: '', subject: '', notes: '' }

export const STRIDE_NAMES: Record<string, string> = {
  S: 'Spoofing',
  T: 'Tampering',
  R: 'Repudiation',
  I: 'Information disclosure',
  D: 'Denial of service',
  E: 'Elevation of privilege',
}

export const TITLE_MAX = 300
const PART_MAX = { actor: 300, precondition: 1000, action: 1000, impact: 1000 } as const

function clean(text: string): string {
  return text.trim().replace(/\s+/g, ' ').replace(/[.;,\s]+$/, '')
}

function capitalise(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text
}

/** "can read…" → "read…": people often type the verb with "can" already. */
function bareAction(action: string): string {
  return clean(action).replace(/^can\s+/i, '')
}

/** The title: "A tenant with a shell can read secrets in Orders DB" (at most 300 characters). */
export function composeTitle(form: Statement, subjectName: string): string {
  const actor = capitalise(clean(form.actor))
  const pre = clean(form.precondition)
  const action = bareAction(form.action)
  if (!actor || !action) return ''
  let title = `${actor}${pre ? ` ${pre}` : ''} can ${action}${subjectName ? ` (${subjectName})` : ''}`
  if (title.length > TITLE_MAX) title = `${title.slice(0, TITLE_MAX - 1).trimEnd()}…`
  return title
}

/** The whole sentence, impact and subject included. */
export function composeSentence(form: Statement, subjectName: string): string {
  const actor = capitalise(clean(form.actor))
  const pre = clean(form.precondition)
  const action = bareAction(form.action)
  const impact = clean(form.impact).replace(/^(which\s+)?leads?\s+to\s+/i, '')
  if (!actor || !action) return ''
  const parts = [`${actor}${pre ? ` ${pre}` : ''} can ${action}`]
  if (impact) parts.push(`which leads to ${impact}`)
  if (subjectName) parts.push(`negatively affecting ${subjectName}`)
  return `${parts.join(', ')}.`
}

export function composeDescription(form: ThreatForm, subjectName: string): string {
  const sentence = composeSentence(form, subjectName)
  const notes = form.notes.trim()
  return [sentence, notes].filter(Boolean).join('\n\n')
}

/** The free text of a description written by `composeDescription` (all of it when it was not). */
export function splitDescription(description: string, sentence: string): string {
  if (sentence && description.startsWith(sentence)) return description.slice(sentence.length).replace(/^\s+/, '')
  return description
}

export type FormErrors = Partial<Record<keyof ThreatForm, string>>

export function validateForm(form: ThreatForm): FormErrors {
  const errors: FormErrors = {}
  if (!STRIDE_NAMES[form.stride]) errors.stride = 'Choose a STRIDE category.'
  if (!clean(form.actor)) errors.actor = 'Say who could do it (an external attacker, a tenant, an operator…).'
  if (!bareAction(form.action)) errors.action = 'Say what they could do.'
  for (const part of ['actor', 'precondition', 'action', 'impact'] as const) {
    if (form[part].length > PART_MAX[part]) errors[part] = `At most ${PART_MAX[part]} characters.`
  }
  if (form.notes.length > 18_000) errors.notes = 'At most 18,000 characters.'
  return errors
}

export function parseSubject(value: string): { element: string; flow: string } {
  if (value.startsWith('element:')) return { element: value.slice(8), flow: '' }
  if (value.startsWith('flow:')) return { element: '', flow: value.slice(5) }
  return { element: '', flow: '' }
}

export function subjectValue(element: string | null | undefined, flow: string | null | undefined): string {
  if (element) return `element:${element}`
  if (flow) return `flow:${flow}`
  return ''
}

interface NamedElement {
  key: string
  name: string
  kind: string
}
interface NamedFlow {
  key: string
  source: string
  target: string
  label?: string | null
}

/** Every element (not boundaries) and flow of the model, by name, for the subject picker. */
export function subjectOptions(diagrams: readonly { elements: readonly NamedElement[]; flows: readonly NamedFlow[] }[]): SubjectOption[] {
  const names = new Map<string, string>()
  for (const d of diagrams) for (const e of d.elements) names.set(e.key, e.name || e.key)
  const out: SubjectOption[] = []
  for (const d of diagrams) {
    for (const e of d.elements) if (e.kind !== 'trust_boundary') out.push({ value: `element:${e.key}`, label: e.name || e.key })
    for (const f of d.flows) {
      const ends = `${names.get(f.source) ?? f.source} → ${names.get(f.target) ?? f.target}`
      out.push({ value: `flow:${f.key}`, label: f.label ? `${ends} (${f.label})` : ends })
    }
  }
  return out.sort((a, b) => a.label.localeCompare(b.label))
}

export function subjectName(options: readonly SubjectOption[], value: string): string {
  return options.find((o) => o.value === value)?.label ?? ''
}

/** The request body for POST /threats/ (with `threat_model`) or PATCH /threats/{id}/. */
export function threatBody(form: ThreatForm, options: readonly SubjectOption[]) {
  const name = subjectName(options, form.subject)
  const { element, flow } = parseSubject(form.subject)
  return {
    stride: form.stride,
    title: composeTitle(form, name),
    description: composeDescription(form, name),
    statement: { actor: form.actor.trim(), precondition: form.precondition.trim(), action: form.action.trim(), impact: form.impact.trim() },
    element,
    flow,
  }
}

/** A stored manual threat back in the form. */
export function formFromThreat(
  threat: { stride: string; description: string; element_key: string; flow_key: string; statement?: Partial<Statement> | null },
  options: readonly SubjectOption[],
): ThreatForm {
  const st = threat.statement ?? {}
  const statement: Statement = { actor: st.actor ?? '', precondition: st.precondition ?? '', action: st.action ?? '', impact: st.impact ?? '' }
  const subject = subjectValue(threat.element_key, threat.flow_key)
  const sentence = composeSentence(statement, subjectName(options, subject))
  return { ...statement, stride: threat.stride, subject, notes: splitDescription(threat.description, sentence) }
}
