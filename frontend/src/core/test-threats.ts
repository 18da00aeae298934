/** Threat rows for tests: the API's, the document's and the editor's shapes, with everything but what a test names defaulted. */
import type { ApiThreat } from './threat-rows'
import type { EditorThreat } from './threats'
import type { DocumentThreats } from './types'

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

/** One threat as a test names it; `documentThreats` encodes a list of them as the document's columns. */
export interface DocumentRow {
  id: number
  fingerprint: string
  rule_id: string
  origin: string
  stride: string
  element: string | null
  flow: string | null
  title: string
  description: string
  techniques: string[]
  status: string
  likelihood: number | null
  impact: number | null
  rationale: string
  triaged: boolean
  duplicate_of: string | null
  suggested_likelihood: number | null
  suggested_impact: number | null
  confirmed: boolean
  questions: string[]
  /** The explanation's assumed property paths (unconfirmed findings). */
  assumed: string[]
  /** The element and flow keys of a graph walk. */
  path: string[]
}

export const documentThreat = (over: Partial<DocumentRow>): DocumentRow => ({
  id: 1, fingerprint: 'K8S-001@web', rule_id: 'K8S-001', origin: 'rule', stride: 'E', element: 'web', flow: null,
  title: 'Escape', description: '', techniques: ['T1611'], status: 'open', likelihood: null, impact: null,
  rationale: '', triaged: false, duplicate_of: null, suggested_likelihood: 4, suggested_impact: 5,
  confirmed: true, questions: [], assumed: [], path: [], ...over,
})

/** Rows as the document sends them: shared rule text once, per-threat columns, sparse lists by position (as the server builds them). */
export function documentThreats(rows: readonly DocumentRow[]): DocumentThreats {
  const out: DocumentThreats = {
    rules: [], texts: [], id: [], rule: [], element: [], flow: [], statuses: [], status: [], likelihood: [], impact: [],
    triaged: [], rated: [], duplicate: [], unconfirmed: { rows: [], questions: [], assumed: [] },
    paths: { rows: [], keys: [] }, fingerprints: { rows: [], values: [] },
  }
  const rules = new Map<string, number>()
  const text = (value: string): number => {
    const at = out.texts.indexOf(value)
    return at >= 0 ? at : out.texts.push(value) - 1
  }
  rows.forEach((row, position) => {
    const shared = {
      rule_id: row.rule_id, origin: row.origin, stride: row.stride, title: row.title, description: row.description,
      suggested_likelihood: row.suggested_likelihood, suggested_impact: row.suggested_impact, techniques: row.techniques,
    }
    const key = JSON.stringify(shared)
    if (!rules.has(key)) rules.set(key, out.rules.push(shared) - 1)
    out.id.push(row.id)
    out.rule.push(rules.get(key)!)
    out.element.push(row.element)
    out.flow.push(row.flow)
    if (!out.statuses.includes(row.status)) out.statuses.push(row.status)
    out.status.push(out.statuses.indexOf(row.status))
    out.likelihood.push(row.likelihood)
    out.impact.push(row.impact)
    if (row.triaged) out.triaged.push(position)
    if (row.likelihood !== null && row.impact !== null && row.rationale.trim()) out.rated.push(position)
    if (row.duplicate_of !== null) out.duplicate.push(position)
    if (!row.confirmed) {
      out.unconfirmed.rows.push(position)
      out.unconfirmed.questions.push(row.questions.map(text))
      out.unconfirmed.assumed.push([...row.assumed].sort().map(text))
    }
    if (row.path.length > 0) {
      out.paths.rows.push(position)
      out.paths.keys.push([...row.path])
    }
    if (row.fingerprint !== [row.rule_id, row.element, row.flow].filter(Boolean).join('@')) {
      out.fingerprints.rows.push(position)
      out.fingerprints.values.push(row.fingerprint)
    }
  })
  return out
}
