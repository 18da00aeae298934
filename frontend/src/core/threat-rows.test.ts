import { apiThreat, documentThreat as row, documentThreats } from './test-threats'
import { derivedFingerprint, threatFromApi, threatsFromDocument } from './threat-rows'

const fromDocument = (rows: Parameters<typeof row>[0][]) => threatsFromDocument(documentThreats(rows.map(row)))

describe('threats from the document', () => {
  it('uses a person’s rating, else the rule’s suggestion marked as such, and drops obsolete ones', () => {
    const threats = fromDocument([
      { id: 1 },
      { id: 2, likelihood: 2, impact: 3 },
      { id: 3, status: 'obsolete' },
      { id: 4, suggested_likelihood: null, suggested_impact: null },
    ])
    expect(threats.map((t) => [t.id, t.likelihood, t.impact, t.suggested])).toEqual([
      [1, 4, 5, true],
      [2, 2, 3, false],
      [4, null, null, false],
    ])
  })

  it('says whether a person triaged and rated it, with a rationale, and whether it is a duplicate', () => {
    const threats = fromDocument([
      { id: 1, triaged: true, likelihood: 4, impact: 5, rationale: 'Exposed' },
      { id: 2, likelihood: 4, impact: 5, rationale: '  ' },
      { id: 3, duplicate_of: 'K8S-001@web' },
    ])
    expect(threats.map((t) => [t.id, t.triaged, t.rated, t.duplicate, t.ruleId, t.suggestedLikelihood])).toEqual([
      [1, true, true, false, 'K8S-001', 4],
      [2, false, false, false, 'K8S-001', 4],
      [3, false, false, true, 'K8S-001', 4],
    ])
  })

  it('reads the path of a graph-walk finding and leaves its reasons to the full record', () => {
    const [threat] = fromDocument([{ element: 'db', fingerprint: 'K8S-001@db', path: ['user', 'web', 'db', 'f1', 'f2'] }])
    expect(threat?.path).toEqual(['user', 'web', 'db', 'f1', 'f2'])
    expect(threat?.matched).toBeNull()
  })

  it('sends a rule’s text once and puts it back on each of its threats', () => {
    const columns = documentThreats([row({ id: 1, element: 'a', fingerprint: 'K8S-001@a' }), row({ id: 2, element: 'b', fingerprint: 'K8S-001@b' })])
    expect(columns.rules).toHaveLength(1)
    expect(threatsFromDocument(columns).map((t) => [t.id, t.title, t.stride, t.techniques, t.fingerprint])).toEqual([
      [1, 'Escape', 'E', ['T1611'], 'K8S-001@a'],
      [2, 'Escape', 'E', ['T1611'], 'K8S-001@b'],
    ])
  })

  it('derives a rule finding’s fingerprint and keeps any other one as sent', () => {
    const threats = fromDocument([
      { id: 1, rule_id: 'INT-002', element: 'web', flow: 'f1', fingerprint: 'INT-002@web@f1' },
      { id: 2, rule_id: '', origin: 'manual', element: 'web', fingerprint: 'manual:7c1e', title: 'Mine' },
    ])
    expect(threats.map((t) => t.fingerprint)).toEqual(['INT-002@web@f1', 'manual:7c1e'])
    expect(derivedFingerprint('EL-001', 'web', null)).toBe('EL-001@web')
  })

  it('gives an unconfirmed finding its questions and what it asks, a confirmed one none', () => {
    const threats = fromDocument([
      { id: 1, rule_id: 'INT-006', flow: 'f1', fingerprint: 'INT-006@web@f1', confirmed: false, questions: ['Does the flow’s target (DB) validate input?'], assumed: ['target.validates_input'] },
      { id: 2, rule_id: 'EL-015', fingerprint: 'EL-015@web', confirmed: false, questions: ['Does this process validate input?'], assumed: ['validates_input', 'bogus.thing'] },
      { id: 3, fingerprint: 'K8S-001@web' },
    ])
    expect(threats.map((t) => [t.id, t.confirmed, t.questions, t.asks])).toEqual([
      [1, false, ['Does the flow’s target (DB) validate input?'], [{ property: 'validates_input', end: 'target' }]],
      [2, false, ['Does this process validate input?'], [{ property: 'validates_input', end: '' }]],
      [3, true, [], []],
    ])
  })
})

describe('threats from the API', () => {
  it('maps a row of the threats endpoint like a document row, and keeps an obsolete one for the patch to drop', () => {
    const threat = threatFromApi(apiThreat({ id: 9, flow_key: 'f1', likelihood: 2, impact: 3, rationale: 'Seen', status: 'obsolete' }))
    expect(threat).toMatchObject({ id: 9, element: 'web', flow: 'f1', likelihood: 2, impact: 3, suggested: false, rated: true, status: 'obsolete' })
    expect(threatFromApi(apiThreat({ flow_key: '', element_key: '' }))).toMatchObject({ element: null, flow: null, likelihood: 4, suggested: true })
  })
})
