/** Threat rows for tests: the API's, the document's and the editor's shapes, with everything but what a test names defaulted. */
import type { ApiThreat } from './threat-rows'
import type { EditorThreat } from './threats'
import type { DocumentThreat } from './types'

export const apiThreat = (over: Partial<ApiThreat>): ApiThreat => ({
  id: 1, threat_model: 1, fingerprint: 'K8S-001@web', rule_id: 'K8S-001', origin: 'rule', stride: 'E', element: 7,
  element_key: 'web', flow: null, flow_key: '', title: 'Escape', description: '', explanation: {}, techniques: ['T1611'],
  statement: { actor: '', precondition: '', action: '', impact: '' },
  status: 'open', status_before_obsolete: 'open', likelihood: null, impact: null, suggested_likelihood: 4, suggested_impact: 5,
  inherent_score: null, rationale: '', triaged: false, duplicate_of: null, owner: null, notes: '', confirmed: true, questions: [],
  created_at: '2026-11-01T10:00:00Z', updated_at: '2026-11-01T10:00:00Z', ...over,
})

export const editorThreat = (over: Partial<EditorThreat>): EditorThreat => ({
  id: 1, fingerprint: 'R@x', stride: 'T', title: 'T', description: '', element: null, flow: null,
  techniques: [], status: 'open', likelihood: null, impact: null, suggested: false, matched: [], path: [],
  suggestedLikelihood: null, suggestedImpact: null, rated: false, triaged: false, duplicate: false, ruleId: 'R',
  confirmed: true, questions: [], asks: [], ...over,
})

export const documentThreat = (over: Partial<DocumentThreat>): DocumentThreat => ({
  id: 1, fingerprint: 'K8S-001@web', rule_id: 'K8S-001', origin: 'rule', stride: 'E', element: 'web', flow: null,
  title: 'Escape', description: '', explanation: {}, techniques: ['T1611'], status: 'open', likelihood: null, impact: null,
  owner: null, notes: '', rationale: '', triaged: false, duplicate_of: null, suggested_likelihood: 4, suggested_impact: 5,
  status_before_obsolete: null, confirmed: true, questions: [], ...over,
})
