import { describe, expect, it } from 'vitest'
import { changedFields, policyProblems } from './policy-form'
import { changeProblem, sortMembers } from './team'
import { linkSummary, toggled, validateDraft, wouldReopen, EMPTY_DRAFT } from './assumptions'
import { pathEase, pathKeys, pathName, pathThreats } from './attack-paths'
import {
  composeDescription,
  composeSentence,
  composeTitle,
  EMPTY_FORM,
  formFromThreat,
  parseSubject,
  splitDescription,
  subjectOptions,
  threatBody,
  validateForm,
} from './threat-statement'

const diagrams = [
  {
    elements: [
      { key: 'tb', name: 'Namespace shop', kind: 'trust_boundary' },
      { key: 'web', name: 'Orders service', kind: 'process' },
      { key: 'db', name: 'Orders database', kind: 'data_store' },
    ],
    flows: [{ key: 'f1', source: 'web', target: 'db', label: 'SQL' }],
  },
]
const form = {
  ...EMPTY_FORM,
  stride: 'I',
  subject: 'flow:f1',
  actor: 'a tenant with a shell in a pod',
  precondition: 'with the node network reachable',
  action: 'can read the SQL traffic.',
  impact: 'leads to loss of card data',
  notes: 'Seen in the 2025 pen test.',
}

describe('threat statement', () => {
  it('lists elements and flows by name, without boundaries', () => {
    const options = subjectOptions(diagrams)
    expect(options.map((o) => o.label)).toEqual(['Orders database', 'Orders service', 'Orders service → Orders database (SQL)'])
    expect(options.find((o) => o.value === 'flow:f1')).toBeTruthy()
  })

  it('composes the title and the sentence from the parts and the subject', () => {
    expect(composeTitle(form, 'Orders service → Orders database (SQL)')).toBe(
      'A tenant with a shell in a pod with the node network reachable can read the SQL traffic (Orders service → Orders database (SQL))',
    )
    expect(composeSentence(form, 'Orders database')).toBe(
      'A tenant with a shell in a pod with the node network reachable can read the SQL traffic, which leads to loss of card data, negatively affecting Orders database.',
    )
    expect(composeTitle({ ...form, actor: '' }, 'x')).toBe('')
    expect(composeTitle({ ...form, action: 'x'.repeat(400) }, '').length).toBe(300)
  })

  it('keeps the free text after the sentence and recovers it on edit', () => {
    const options = subjectOptions(diagrams)
    const body = threatBody(form, options)
    expect(body.flow).toBe('f1')
    expect(body.element).toBe('')
    expect(body.description.endsWith('\n\nSeen in the 2025 pen test.')).toBe(true)
    const back = formFromThreat({ stride: 'I', description: body.description, element_key: '', flow_key: 'f1', statement: body.statement }, options)
    expect(back).toEqual({ ...form, action: 'can read the SQL traffic.', impact: 'leads to loss of card data' })
    expect(splitDescription('written elsewhere', 'A sentence.')).toBe('written elsewhere')
    expect(composeDescription({ ...form, notes: '' }, '')).not.toContain('\n')
  })

  it('asks for a category, an actor and an action', () => {
    expect(Object.keys(validateForm(EMPTY_FORM)).sort()).toEqual(['action', 'actor', 'stride'])
    expect(validateForm(form)).toEqual({})
    expect(validateForm({ ...form, impact: 'x'.repeat(1001) }).impact).toMatch(/1000/)
  })

  it('parses subjects', () => {
    expect(parseSubject('element:web')).toEqual({ element: 'web', flow: '' })
    expect(parseSubject('')).toEqual({ element: '', flow: '' })
  })
})

describe('attack paths', () => {
  const path = { nodes: ['user', 'web', 'db'], flows: ['f0', 'f1'], cost: 2.5 }
  const t = (id: number, over: Partial<{ element: string | null; flow: string | null; status: string; likelihood: number; impact: number }>) => ({
    id, title: `t${id}`, stride: 'S', status: 'open', element: null, flow: null, likelihood: null, impact: null, ...over,
  })

  it('names the path and the keys to outline', () => {
    expect(pathName(path, (k) => k.toUpperCase())).toBe('USER → WEB → DB')
    expect([...pathKeys(path)].sort()).toEqual(['db', 'f0', 'f1', 'user', 'web'])
  })

  it('lists the live threats on it, riskiest first', () => {
    const threats = [
      t(1, { element: 'web', likelihood: 2, impact: 2 }),
      t(2, { flow: 'f1', likelihood: 5, impact: 4 }),
      t(3, { element: 'other', likelihood: 5, impact: 5 }),
      t(4, { element: 'db', status: 'obsolete' }),
      t(5, { element: 'db', status: 'mitigated' }),
    ]
    expect(pathThreats(path, threats).map((x) => x.id)).toEqual([2, 1, 5])
  })

  it('says how easy a path is', () => {
    expect(pathEase(2, 2)).toBe('easy')
    expect(pathEase(8, 2)).toBe('hard')
  })
})

describe('assumptions', () => {
  it('toggles links and checks the text', () => {
    expect(toggled([1, 2], 2)).toEqual([1])
    expect(toggled(['a'], 'b')).toEqual(['a', 'b'])
    expect(validateDraft(EMPTY_DRAFT)).toMatch(/Write/)
    expect(validateDraft({ ...EMPTY_DRAFT, text: 'mTLS everywhere' })).toBeNull()
  })

  it('knows what turning it false would reopen', () => {
    const links = { elements: [], flows: [], threats: [1, 2], mitigations: [9] }
    const threats = [
      { id: 1, status: 'mitigated' },
      { id: 2, status: 'open' },
      { id: 3, status: 'accepted' },
      { id: 4, status: 'obsolete' },
    ]
    expect(wouldReopen(links, threats, (m) => (m === 9 ? [3, 4] : []))).toEqual([1, 3])
  })

  it('summarises the links', () => {
    expect(linkSummary({ elements: ['web'], flows: [], threats: [1], mitigations: [2, 3] }, (k) => `<${k}>`)).toBe('<web> · 1 threat · 2 mitigations')
    expect(linkSummary({ elements: [], flows: [], threats: [], mitigations: [] }, String)).toBe('Not linked to anything yet')
  })
})

describe('team', () => {
  const members = [
    { id: 1, username: 'zoe', role: 'viewer' },
    { id: 2, username: 'ana', role: 'owner' },
    { id: 3, username: 'ben', role: 'editor' },
  ]
  it('orders members by role, then name', () => {
    expect(sortMembers(members).map((m) => m.username)).toEqual(['ana', 'ben', 'zoe'])
  })
  it('keeps one owner', () => {
    expect(changeProblem(members, 2, 'editor')).toMatch(/at least one owner/)
    expect(changeProblem(members, 2, null)).toMatch(/at least one owner/)
    expect(changeProblem([...members, { id: 4, username: 'cy', role: 'owner' }], 2, null)).toBeNull()
    expect(changeProblem(members, 3, 'viewer')).toBeNull()
    expect(changeProblem(members, 9, 'viewer')).toBe('No such member.')
  })
})

describe('risk policy form', () => {
  const base = { unacceptable_at: 15, acceptable_max: 4, impact_floor: 4, acceptance_max_days: 365, exception_max_days: 90, note: '' }
  it('accepts the defaults and says what is wrong', () => {
    expect(policyProblems(base)).toEqual({})
    expect(policyProblems({ ...base, acceptable_max: 15 }).acceptable_max).toMatch(/below/)
    expect(policyProblems({ ...base, exception_max_days: 120 }).exception_max_days).toMatch(/90/)
    expect(policyProblems({ ...base, unacceptable_at: 2.5 }).unacceptable_at).toMatch(/whole/)
  })
  it('lists the changed thresholds', () => {
    expect(changedFields(base, { ...base, unacceptable_at: 12, note: 'x' })).toEqual(['unacceptable_at'])
  })
})
