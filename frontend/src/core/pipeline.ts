/**
 * The model in pipelines as the browser shows it: a check run in one line a person reads, and the
 * guardrails' download addresses (docs/ci.md, docs/guardrails.md). The server decides everything;
 * these only word and link.
 */

export interface CheckRunLike {
  result: 'passed' | 'failed'
  commit: string
  run_by: string | null
  via_token: boolean
  findings: number
  failures: number
  accepted: number
  new: number | null
  model_version: number
  created_at: string
}

export const GUARDRAIL_KINDS = [
  ['networkpolicy', 'NetworkPolicies (default-deny and the drawn flows)'],
  ['psa', 'Pod Security Admission labels'],
  ['vap', 'ValidatingAdmissionPolicies (CEL)'],
  ['kyverno', 'Kyverno ClusterPolicies'],
] as const

export function guardrailsUrl(modelId: number, kind?: string): string {
  const base = `/api/v1/threat-models/${modelId}/guardrails/`
  return kind ? `${base}?kind=${encodeURIComponent(kind)}` : base
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** "Failed · 3 of 12 findings fail, 2 accepted · commit 3f2a9c1 · by ci-bot with a token · v7 · <date>" */
export function checkLine(run: CheckRunLike, locale?: string): string {
  const verdict = run.result === 'passed' ? 'Passed' : 'Failed'
  const counts = [`${run.failures} of ${plural(run.findings, 'finding')} fail`]
  if (run.accepted) counts.push(`${run.accepted} accepted`)
  if (run.new !== null) counts.push(`${run.new} new`)
  const parts = [verdict, counts.join(', ')]
  if (run.commit) parts.push(`commit ${run.commit}`)
  parts.push(`by ${run.run_by ?? 'a removed account'}${run.via_token ? ' with a token' : ''}`)
  parts.push(`model v${run.model_version}`)
  parts.push(new Date(run.created_at).toLocaleString(locale))
  return parts.join(' · ')
}

export interface EvidenceAnswerLike {
  format: string
  source: string
  report: string
  file: string
  summary: { results: number; matched: number; unmatched: number; verified: number; reopened: number; unchanged: number }
  mitigations: readonly { mitigation: string; title: string; did: 'verified' | 'reopened' | 'unchanged'; reason: string; passed: number; failed: number }[]
}

const EVIDENCE_NAMES: Record<string, string> = { policyreport: 'Kyverno PolicyReport', kubescape: 'Kubescape result', sarif: 'SARIF log' }

/** "The Kyverno PolicyReport 'report.yaml' (kyverno): 12 results, 8 matched to mitigations, 4 matched none." */
export function evidenceHeadline(answer: EvidenceAnswerLike): string {
  const { summary } = answer
  const name = EVIDENCE_NAMES[answer.format] ?? answer.format
  const unmatched = summary.unmatched ? `, ${summary.unmatched} matched none` : ''
  return `The ${name} “${answer.file}” (${answer.source}): ${plural(summary.results, 'result')}, ${summary.matched} matched to mitigations${unmatched}.`
}

/** "2 mitigations verified, 1 reopened, 3 unchanged" — or that no mitigation was touched. */
export function evidenceOutcome(answer: EvidenceAnswerLike): string {
  const { summary } = answer
  if (!summary.verified && !summary.reopened && !summary.unchanged) return 'No mitigation of this model uses a control these results check.'
  const parts = [`${plural(summary.verified, 'mitigation')} verified`, `${summary.reopened} reopened`, `${summary.unchanged} unchanged`]
  return parts.join(', ')
}

/** One line per mitigation the report touched, reopened first (what the room must act on). */
export function evidenceMitigationLines(answer: EvidenceAnswerLike): { key: string; did: string; text: string }[] {
  const order = { reopened: 0, verified: 1, unchanged: 2 }
  return [...answer.mitigations]
    .sort((a, b) => order[a.did] - order[b.did] || a.mitigation.localeCompare(b.mitigation))
    .map((m) => ({ key: m.mitigation, did: m.did, text: `${m.mitigation} ${m.title} — ${m.did} (${m.passed} pass, ${m.failed} fail): ${m.reason}` }))
}
