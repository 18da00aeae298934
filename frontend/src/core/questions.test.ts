import { describe, expect, it } from 'vitest'
import { applyOps } from './ops'
import { answerLabel, answerOps, choicesFor, modelQuestions, questionCounts, questionText, subjectIn, threatQuestions } from './questions'
import { threatFromApi } from './threat-rows'
import { apiThreat, editorThreat } from './test-threats'
import { draw } from './test-helpers'
import { needs, asksFromExplanation } from './threats'
import type { DiagramState, Vocabulary, VocabularyProperty } from './types'
import { indexVocabulary } from './validation'

const bool = (name: string, label: string): VocabularyProperty => ({
  name, type: 'bool', label, description: '', group: 'general', values: [true, false, 'unknown'], required: false, default: 'unknown',
})
const classification: VocabularyProperty = {
  name: 'data_classification', type: 'enum', label: 'Data classification', description: '', group: 'general',
  values: ['public', 'internal', 'confidential', 'restricted', 'unknown'], required: false, default: 'unknown',
}
const VOCABULARY: Vocabulary = {
  version: 1,
  unknown: 'unknown',
  kinds: ['external_entity', 'process', 'data_store', 'trust_boundary'],
  targets: {
    process: [bool('validates_input', 'Validates input'), bool('audit_logged', 'Audit logged'), bool('image_pinned', 'Image pinned by digest'), classification],
    data_store: [bool('backed_up', 'Backed up'), classification],
    external_entity: [],
    trust_boundary: [],
    flow: [bool('authenticated', 'Authenticated'), bool('destination_authenticated', 'Destination authenticated'), classification],
  },
}
const vocab = indexVocabulary(VOCABULARY)

const STATE = draw([
  { op: 'add_element', key: 'user', kind: 'external_entity', name: 'User', x: 0, y: 0 },
  { op: 'add_element', key: 'web', kind: 'process', name: 'Web', x: 200, y: 0 },
  { op: 'add_element', key: 'cache', kind: 'data_store', name: 'Cache', x: 400, y: 0 },
  { op: 'add_flow', key: 'f', source: 'user', target: 'web', label: '' },
])
const lookupIn = (state: DiagramState) => (key: string) => subjectIn(state, key)

/** Unconfirmed rows as the server sends them (the explanation carries what was assumed). */
const asked = (id: number, over: Parameters<typeof apiThreat>[0], assumed: Record<string, unknown>, questions: string[]) =>
  threatFromApi(apiThreat({ id, confirmed: false, questions, techniques: [], explanation: { rule: over.rule_id, confirmed: false, questions, assumed }, ...over }))

const THREATS = [
  asked(1, { rule_id: 'EL-010', fingerprint: 'EL-010@web', element_key: 'web' }, { validates_input: false }, ['Does this process validate input?']),
  asked(2, { rule_id: 'EL-015', fingerprint: 'EL-015@web', element_key: 'web' }, { validates_input: false }, ['Does this process validate input?']),
  asked(3, { rule_id: 'INT-006', fingerprint: 'INT-006@web@f', element_key: 'web', flow_key: 'f' }, { 'target.validates_input': false },
    ["Does the flow's target (Web) validate input?"]),
  asked(4, { rule_id: 'INT-102', fingerprint: 'INT-102@web@f', element_key: 'web', flow_key: 'f' }, { destination_authenticated: false },
    ['Is this flow destination authenticated?']),
  asked(5, { rule_id: 'EL-004', fingerprint: 'EL-004@cache', element_key: 'cache' }, { backed_up: false }, ['Is “Backed up” true of this data store?']),
  asked(6, { rule_id: 'EL-016', fingerprint: 'EL-016@web', element_key: 'web' }, { data_classification: 'confidential' },
    ['What is the data classification of this process?']),
  threatFromApi(apiThreat({ id: 7, element_key: 'web' })),
]

describe('threat rows', () => {
  it('carry confirmation, the server questions and the properties they are about', () => {
    const row = THREATS[2]
    expect(row?.confirmed).toBe(false)
    expect(row?.questions).toEqual(["Does the flow's target (Web) validate input?"])
    expect(row?.asks).toEqual([{ property: 'validates_input', end: 'target' }])
    expect(THREATS[6]).toMatchObject({ confirmed: true, questions: [], asks: [] })
  })

  it('ask nothing when confirmed, whatever the explanation says, and ignore paths that are not an end', () => {
    expect(asksFromExplanation({ assumed: { authenticated: false } }, true)).toEqual([])
    expect(asksFromExplanation({ assumed: { 'middle.x': 1, 'source.authenticated': false } }, false)).toEqual([{ property: 'authenticated', end: 'source' }])
    expect(asksFromExplanation({ assumed: ['authenticated'] }, false)).toEqual([])
    expect(asksFromExplanation(null, false)).toEqual([])
  })

  it('can be narrowed to the unconfirmed ones', () => {
    expect(THREATS.filter((threat) => needs(threat, 'unconfirmed')).map((threat) => threat.id)).toEqual([1, 2, 3, 4, 5, 6])
  })
})

describe('question wording', () => {
  it('reads as the server words it', () => {
    expect(questionText(bool('authenticated', 'Authenticated'), 'this flow')).toBe('Is this flow authenticated?')
    expect(questionText(bool('validates_input', 'Validates input'), "the flow's target (Web)")).toBe("Does the flow's target (Web) validate input?")
    expect(questionText(bool('audit_logged', 'Audit logged'), 'this process')).toBe('Is this process audit logged?')
    expect(questionText(bool('backed_up', 'Backed up'), 'this data store')).toBe('Is “Backed up” true of this data store?')
    expect(questionText(bool('image_pinned', 'Image pinned by digest'), 'this process')).toBe('Is “Image pinned by digest” true of this process?')
    expect(questionText(bool('destination_authenticated', 'Destination authenticated'), 'this flow')).toBe('Is this flow destination authenticated?')
    expect(questionText(classification, 'this process')).toBe('What is the data classification of this process?')
  })

  it('offers yes and no, or the values of a choice, never unknown', () => {
    expect(choicesFor(bool('x', 'X'))).toEqual([{ value: true, label: 'Yes' }, { value: false, label: 'No' }])
    expect(choicesFor(classification).map((choice) => choice.value)).toEqual(['public', 'internal', 'confidential', 'restricted'])
  })
})

describe('one threat’s questions', () => {
  it('are about its subject, or about the end of the flow the rule asked about', () => {
    const [own] = threatQuestions(THREATS[0]!, lookupIn(STATE), vocab)
    expect(own).toMatchObject({ id: 'web:validates_input', property: 'validates_input', text: 'Does this process validate input?' })
    const [end] = threatQuestions(THREATS[2]!, lookupIn(STATE), vocab)
    expect(end?.subject.key).toBe('web')
    expect(end?.text).toBe("Does the flow's target (Web) validate input?")
    const [flow] = threatQuestions(THREATS[3]!, lookupIn(STATE), vocab)
    expect(flow?.subject).toMatchObject({ key: 'f', kind: 'flow', name: 'User → Web' })
    expect(threatQuestions(THREATS[6]!, lookupIn(STATE), vocab)).toEqual([])
  })

  it('word each of several questions themselves (the server gives them in the rule’s order)', () => {
    const two = asked(8, { rule_id: 'X', element_key: 'web', flow_key: 'f' }, { authenticated: false, 'target.validates_input': false },
      ['Is this flow authenticated?', "Does the flow's target (Web) validate input?"])
    expect(threatQuestions(two, lookupIn(STATE), vocab).map((question) => question.text).sort()).toEqual(
      ["Does the flow's target (Web) validate input?", 'Is this flow authenticated?'])
  })
})

describe('the model’s questions', () => {
  const all = modelQuestions(THREATS, lookupIn(STATE), vocab)

  it('are deduplicated per element or flow and property, and list every finding that waits on each', () => {
    const ids = all.groups.flatMap((group) => group.questions.map((question) => question.id))
    expect(ids).toEqual(['cache:backed_up', 'f:destination_authenticated', 'web:data_classification', 'web:validates_input'])
    const validates = all.groups.find((group) => group.subject.key === 'web')?.questions.find((q) => q.property === 'validates_input')
    expect(validates?.threats.map((threat) => threat.id)).toEqual([1, 2, 3])
    expect(validates?.text).toBe('Does this process validate input?') // worded about the subject it sits under
    // the server's words when a finding asks just that about its own subject; the same wording otherwise
    const onlyEnd = modelQuestions([THREATS[2]!], lookupIn(STATE), vocab).groups[0]?.questions[0]
    expect(onlyEnd?.text).toBe('Does this process validate input?')
    const worded = asked(9, { element_key: 'cache' }, { backed_up: false }, ['Server words?'])
    expect(modelQuestions([worded], lookupIn(STATE), vocab).groups[0]?.questions[0]?.text).toBe('Server words?')
    expect(all).toMatchObject({ open: 4, unconfirmed: 6 })
  })

  it('are grouped by subject in name order', () => {
    expect(all.groups.map((group) => group.subject.name)).toEqual(['Cache', 'User → Web', 'Web'])
    expect(questionCounts(all)).toEqual(new Map([['cache', 1], ['f', 1], ['web', 2]]))
  })

  it('count an answered question as answered until the analysis drops or confirms its findings', () => {
    const answered = applyOps(STATE, answerOps({ subject: subjectIn(STATE, 'web')!, property: 'validates_input' }, true)).state
    const after = modelQuestions(THREATS, lookupIn(answered), vocab)
    const question = after.groups.find((group) => group.subject.key === 'web')?.questions.find((q) => q.property === 'validates_input')
    expect(question?.answered).toBe(true)
    expect(after.open).toBe(3)
    expect(questionCounts(after).get('web')).toBe(1)
    // the fresh list: the three findings are gone (or confirmed), and so is the question
    const fresh = modelQuestions(THREATS.filter((threat) => ![1, 2, 3].includes(threat.id)), lookupIn(answered), vocab)
    expect(fresh.open).toBe(3)
    expect(fresh.groups.flatMap((group) => group.questions).some((q) => q.property === 'validates_input')).toBe(false)
  })

  it('still ask a question set to "unknown" by a person', () => {
    const unknown = applyOps(STATE, [{ op: 'update_element', key: 'web', properties: { validates_input: 'unknown' } }]).state
    expect(modelQuestions(THREATS, lookupIn(unknown), vocab).open).toBe(4)
  })

  it('leave out questions about what is no longer drawn', () => {
    const gone = applyOps(STATE, [{ op: 'delete_element', key: 'cache' }]).state
    expect(modelQuestions(THREATS, lookupIn(gone), vocab).groups.map((group) => group.subject.key)).toEqual(['f', 'web'])
  })
})

describe('answering', () => {
  it('is one property edit of the element or flow, through the ordinary operations', () => {
    const flow = subjectIn(STATE, 'f')!
    expect(answerOps({ subject: flow, property: 'destination_authenticated' }, false)).toEqual([
      { op: 'update_flow', key: 'f', properties: { destination_authenticated: false } },
    ])
    const result = applyOps(STATE, answerOps({ subject: subjectIn(STATE, 'cache')!, property: 'data_classification' }, 'restricted'))
    expect(result.errors).toEqual([])
    expect(result.state.elements.get('cache')?.properties.data_classification).toBe('restricted')
  })

  it('is named for the undo history', () => {
    const question = modelQuestions(THREATS, lookupIn(STATE), vocab).groups[0]!.questions[0]!
    expect(answerLabel(question, false)).toBe('Answer “Backed up” of “Cache”: No')
  })

  it('works on a row from the document as well as from the threat list', () => {
    const row = editorThreat({ id: 9, element: 'web', confirmed: false, questions: ['Is this process audit logged?'], asks: [{ property: 'audit_logged', end: '' }] })
    expect(threatQuestions(row, lookupIn(STATE), vocab)[0]?.choices.map((choice) => choice.label)).toEqual(['Yes', 'No'])
  })
})
