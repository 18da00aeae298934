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
