import { apiThreat, documentThreat as row } from './test-threats'
import { threatFromApi, threatsFromDocument } from './threat-rows'

describe('threats from the document', () => {
  it('uses a person’s rating, else the rule’s suggestion marked as such, and drops obsolete ones', () => {
    const threats = threatsFromDocument([
      row({ id: 1 }),
      row({ id: 2, likelihood: 2, impact: 3 }),
      row({ id: 3, status: 'obsolete' }),
      row({ id: 4, suggested_likelihood: null, suggested_impact: null }),
    ])
    expect(threats.map((t) => [t.id, t.likelihood, t.impact, t.suggested])).toEqual([
      [1, 4, 5, true],
      [2, 2, 3, false],
      [4, null, null, false],
    ])
  })

  it('says whether a person triaged and rated it, with a rationale, and whether it is a duplicate', () => {
    const threats = threatsFromDocument([
      row({ id: 1, triaged: true, likelihood: 4, impact: 5, rationale: 'Exposed' }),
      row({ id: 2, likelihood: 4, impact: 5, rationale: '  ' }),
      row({ id: 3, duplicate_of: 'K8S-001@web' }),
    ])
    expect(threats.map((t) => [t.id, t.triaged, t.rated, t.duplicate, t.ruleId, t.suggestedLikelihood])).toEqual([
      [1, true, true, false, 'K8S-001', 4],
      [2, false, false, false, 'K8S-001', 4],
      [3, false, false, true, 'K8S-001', 4],
    ])
  })

  it('reads the path and the reasons of a graph-walk finding', () => {
    const [threat] = threatsFromDocument([
      row({ element: 'db', explanation: { matched: ['reachable from Web → DB'], path: ['user', 'web', 'db'], flows: ['f1', 'f2'] } }),
    ])
    expect(threat?.path).toEqual(['user', 'web', 'db', 'f1', 'f2'])
    expect(threat?.matched).toEqual(['reachable from Web → DB'])
  })
})

describe('threats from the API', () => {
  it('maps a row of the threats endpoint like a document row, and keeps an obsolete one for the patch to drop', () => {
    const threat = threatFromApi(apiThreat({ id: 9, flow_key: 'f1', likelihood: 2, impact: 3, rationale: 'Seen', status: 'obsolete' }))
    expect(threat).toMatchObject({ id: 9, element: 'web', flow: 'f1', likelihood: 2, impact: 3, suggested: false, rated: true, status: 'obsolete' })
    expect(threatFromApi(apiThreat({ flow_key: '', element_key: '' }))).toMatchObject({ element: null, flow: null, likelihood: 4, suggested: true })
  })
})
