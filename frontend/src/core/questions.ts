/**
 * The model's open questions: what unconfirmed findings wait on, as things a person can answer.
 *
 * A rule that needs a property nobody answered raises its finding *unconfirmed* with the question
 * that settles it (`docs/rules.md`, "Unknowns become questions"); the threat row says which
 * properties it assumed (`EditorThreat.asks`). Here those become questions about one element or
 * flow each — a flow rule asking about its target asks about that element — deduplicated when
 * several findings wait on the same property of the same subject, and grouped by subject, so the
 * whole model can be answered in one place. An answer is an ordinary property edit (the diagram's
 * write path, `answerOps`); the re-analysis that follows confirms or drops the findings. Between
 * the edit and the fresh threat list, a question whose property is now known counts as answered.
 */
import type { Op } from './ops'
import type { EditorThreat, ThreatAsk } from './threats'
import type { DiagramState, ElementKind, Properties, PropValue, VocabularyProperty } from './types'
import { UNKNOWN, type VocabularyIndex } from './validation'

/** An element or flow as drawn now (unsaved edits included). */
export interface Subject {
  key: string
  kind: ElementKind | 'flow'
  name: string
  properties: Properties
  /** A flow's ends (element keys). */
  source?: string
  target?: string
}

/** Finds an element or flow of the model by key, on whichever diagram holds it (null: not drawn). */
export type SubjectLookup = (key: string) => Subject | null

export interface Choice {
  value: PropValue
  label: string
}

/** One question about one property of one element or flow. */
export interface Question {
  /** `subject key` + `:` + property: unique in the model. */
  id: string
  subject: Subject
  property: string
  label: string
  text: string
  choices: Choice[]
  /** The findings that wait on it (sorted by id). */
  threats: EditorThreat[]
  /** The value now drawn when it was answered but the analysis has not caught up yet; undefined while open. */
  answered?: PropValue
}

export interface QuestionGroup {
  subject: Subject
  questions: Question[]
}

export interface ModelQuestions {
  groups: QuestionGroup[]
  /** Questions still open (answered ones waiting for the analysis are not counted). */
  open: number
  /** Unconfirmed findings (each waits on one or more questions). */
  unconfirmed: number
}

const KIND_WORDS: Record<string, string> = {
  external_entity: 'external entity',
  process: 'process',
  data_store: 'data store',
  trust_boundary: 'trust boundary',
  flow: 'flow',
}

/**
 * The question for `spec` about `noun` ("this flow", "the flow's target (Web)"), worded as the
 * server words it (`stride.engine.question`), so a question reads the same wherever it is shown.
 */
export function questionText(spec: Pick<VocabularyProperty, 'label' | 'type'>, noun: string): string {
  const label = spec.label
  const words = label.split(/\s+/).filter(Boolean)
  const first = words[0] ?? label
  if (spec.type === 'enum') return `What is the ${label.toLowerCase()} of ${noun}?`
  if (first.endsWith('s') && !first.endsWith('ss') && words.length > 1) {
    return `Does ${noun} ${first.slice(0, -1).toLowerCase()} ${words.slice(1).join(' ').toLowerCase()}?`
  }
  if ((words[words.length - 1] ?? '').endsWith('ed') || words.length === 1) return `Is ${noun} ${label.toLowerCase()}?`
  return `Is “${label}” true of ${noun}?`
}

/** The answers a question offers: yes and no, or an enum's values (never "unknown": that is what is being asked). */
export function choicesFor(spec: Pick<VocabularyProperty, 'type' | 'values'>): Choice[] {
  if (spec.type === 'bool') {
    return [
      { value: true, label: 'Yes' },
      { value: false, label: 'No' },
    ]
  }
  return spec.values
    .filter((value): value is string => typeof value === 'string' && value !== UNKNOWN)
    .map((value) => ({ value, label: value.replace(/_/g, ' ') }))
}

function isKnown(value: PropValue | undefined): value is PropValue {
  return value !== undefined && value !== UNKNOWN
}

/** The element or flow `ask` is about, for a threat on `threat.flow` or `threat.element`. */
function subjectOf(threat: EditorThreat, ask: ThreatAsk, lookup: SubjectLookup): Subject | null {
  const own = threat.flow ?? threat.element
  if (!own) return null
  if (ask.end === '') return lookup(own)
  const flow = threat.flow ? lookup(threat.flow) : null
  const end = flow?.[ask.end]
  return end ? lookup(end) : null
}

/** A question about `subject`'s `property` (undefined when the vocabulary has no such property for it). */
function questionAbout(subject: Subject, property: string, text: (spec: VocabularyProperty) => string, vocab: VocabularyIndex): Question | undefined {
  const spec = vocab.get(subject.kind)?.get(property)
  if (!spec) return undefined
  const drawn = subject.properties[property]
  return {
    id: `${subject.key}:${property}`,
    subject,
    property,
    label: spec.label,
    text: text(spec),
    choices: choicesFor(spec),
    threats: [],
    ...(isKnown(drawn) ? { answered: drawn } : {}),
  }
}

const kindWord = (subject: Subject): string => KIND_WORDS[subject.kind] ?? subject.kind

/** What `threat` waits on, one question per property, worded for the threat (its own subject or a flow's end). */
export function threatQuestions(threat: EditorThreat, lookup: SubjectLookup, vocab: VocabularyIndex): Question[] {
  if (threat.confirmed) return []
  const out: Question[] = []
  const single = threat.asks.length === 1 && threat.questions.length === 1 ? threat.questions[0] : undefined
  for (const ask of threat.asks) {
    const subject = subjectOf(threat, ask, lookup)
    if (!subject) continue
    const noun = ask.end === '' ? `this ${kindWord(subject)}` : `the flow's ${ask.end} (${subject.name})`
    const question = questionAbout(subject, ask.property, (spec) => single ?? questionText(spec, noun), vocab)
    if (!question) continue
    question.threats.push(threat)
    out.push(question)
  }
  return out
}

/**
 * Every open question of the model, one per (element or flow, property), grouped by subject in
 * name order; each lists the findings that wait on it. Questions about something no longer drawn
 * (deleted, or on no diagram) are left out.
 */
export function modelQuestions(threats: readonly EditorThreat[], lookup: SubjectLookup, vocab: VocabularyIndex): ModelQuestions {
  const byId = new Map<string, Question | null>()
  const subjects = new Map<string, Subject | null>()
  const find = (key: string): Subject | null => {
    let subject = subjects.get(key)
    if (subject === undefined) {
      subject = lookup(key)
      subjects.set(key, subject)
    }
    return subject
  }
  let unconfirmed = 0
  for (const threat of threats) {
    if (threat.confirmed) continue
    unconfirmed += 1
    for (const ask of threat.asks) {
      const subject = subjectOf(threat, ask, find)
      if (!subject) continue
      const id = `${subject.key}:${ask.property}`
      let question = byId.get(id)
      if (question === undefined) {
        // Worded about the subject itself: in the list it sits under the subject's name.
        question = questionAbout(subject, ask.property, (spec) => questionText(spec, `this ${kindWord(subject)}`), vocab) ?? null
        byId.set(id, question)
      }
      if (!question) continue
      question.threats.push(threat)
      // The server's own words when a finding asks just this, about its own subject.
      if (ask.end === '' && threat.asks.length === 1 && threat.questions.length === 1) question.text = threat.questions[0] ?? question.text
    }
  }
  const groups = new Map<string, QuestionGroup>()
  let open = 0
  for (const question of byId.values()) {
    if (!question) continue
    if (question.answered === undefined) open += 1
    question.threats.sort((a, b) => a.id - b.id)
    const group = groups.get(question.subject.key)
    if (group) group.questions.push(question)
    else groups.set(question.subject.key, { subject: question.subject, questions: [question] })
  }
  // Plain string order of lower-cased names: a collator's compare costs ~1 µs and a large model
  // sorts thousands of groups on every edit.
  const sorted = [...groups.values()]
    .map((group) => ({ group, name: group.subject.name.toLowerCase() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.group.subject.key < b.group.subject.key ? -1 : 1))
    .map(({ group }) => group)
  for (const group of sorted) if (group.questions.length > 1) group.questions.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
  return { groups: sorted, open, unconfirmed }
}

/** Open questions per element or flow key (answered ones left out), for a badge on the canvas. */
export function questionCounts(questions: ModelQuestions): Map<string, number> {
  const counts = new Map<string, number>()
  for (const group of questions.groups) {
    const open = group.questions.filter((question) => question.answered === undefined).length
    if (open > 0) counts.set(group.subject.key, open)
  }
  return counts
}

/** The edit that answers `question` with `value`: the property set on its element or flow, nothing else. */
export function answerOps(question: Pick<Question, 'subject' | 'property'>, value: PropValue): Op[] {
  const properties = { [question.property]: value }
  return question.subject.kind === 'flow'
    ? [{ op: 'update_flow', key: question.subject.key, properties }]
    : [{ op: 'update_element', key: question.subject.key, properties }]
}

/** The undo entry's words for an answer. */
export function answerLabel(question: Pick<Question, 'subject' | 'label' | 'choices'>, value: PropValue): string {
  const said = question.choices.find((choice) => choice.value === value)?.label ?? String(value)
  return `Answer “${question.label}” of “${question.subject.name}”: ${said}`
}

/** An element or flow of one diagram as a subject (a flow is named by its label, else its ends). */
export function subjectIn(state: DiagramState, key: string): Subject | null {
  const element = state.elements.get(key)
  if (element) return { key, kind: element.kind, name: element.name, properties: element.properties }
  const flow = state.flows.get(key)
  if (!flow) return null
  const ends = `${state.elements.get(flow.source)?.name ?? flow.source} → ${state.elements.get(flow.target)?.name ?? flow.target}`
  return { key, kind: 'flow', name: flow.label || ends, properties: flow.properties, source: flow.source, target: flow.target }
}
