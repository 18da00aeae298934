/**
 * The decision form: which kinds fit a threat, which fields each kind needs, and the request body.
 *
 * The rules mirror the server's (`threatmodel/workflow/decisions.py`): an acceptance is for risks
 * that are not unacceptable and needs a risk owner, a justification and an expiry within the
 * policy's limit; an exception is for unacceptable risks only, with compensating controls, at most
 * 90 days, and waits for the team owner; a transfer names a recipient and evidence; not applicable
 * needs a reason. Problems are keyed by the server's field paths, so a message from the browser and
 * one from the server land next to the same field. The server checks everything again.
 */
import type { BandOrUnrated } from './bands'

export type DecisionKind = 'acceptance' | 'exception' | 'transfer' | 'not_applicable'

export const DECISION_KINDS: readonly DecisionKind[] = ['acceptance', 'exception', 'transfer', 'not_applicable']

export const DECISION_LABEL: Record<DecisionKind, string> = {
  acceptance: 'Accept the risk',
  exception: 'Exception (time-boxed)',
  transfer: 'Transfer',
  not_applicable: 'Not applicable',
}

export interface DecisionDraft {
  kind: DecisionKind
  justification: string
  owner: string
  expiresOn: string
  compensatingControls: string
  recipient: string
  evidence: string
}

export interface DecisionPolicy {
  acceptance_max_days: number
  exception_max_days: number
}

/** The hard limit on exceptions, whatever the policy says. */
export const EXCEPTION_HARD_MAX_DAYS = 90

export const FIELDS_OF: Record<DecisionKind, readonly (keyof DecisionDraft)[]> = {
  acceptance: ['owner', 'justification', 'expiresOn'],
  exception: ['owner', 'justification', 'compensatingControls', 'expiresOn'],
  transfer: ['recipient', 'evidence', 'expiresOn'],
  not_applicable: ['justification'],
}

/** The server's name for each draft field (errors come back by these paths). */
export const FIELD_PATH: Record<keyof DecisionDraft, string> = {
  kind: 'kind',
  justification: 'justification',
  owner: 'owner',
  expiresOn: 'expires_on',
  compensatingControls: 'compensating_controls',
  recipient: 'recipient',
  evidence: 'evidence',
}

export function emptyDraft(kind: DecisionKind = 'acceptance'): DecisionDraft {
  return { kind, justification: '', owner: '', expiresOn: '', compensatingControls: '', recipient: '', evidence: '' }
}

/** The longest expiry a kind allows (days from today), or null when it has no limit of its own. */
export function expiryLimit(kind: DecisionKind, policy: DecisionPolicy): number | null {
  if (kind === 'acceptance') return policy.acceptance_max_days
  if (kind === 'exception') return Math.min(policy.exception_max_days, EXCEPTION_HARD_MAX_DAYS)
  return null
}

/** Why a kind does not fit the threat's projected residual band, or null when it does. */
export function kindRefusal(kind: DecisionKind, projected: BandOrUnrated): string | null {
  if (kind !== 'acceptance' && kind !== 'exception') return null
  if (projected === 'unrated') return 'Rate the threat first: its band decides what may be accepted.'
  if (kind === 'acceptance' && projected === 'unacceptable') return 'An unacceptable risk cannot be accepted: mitigate it, or ask for an exception.'
  if (kind === 'exception' && projected !== 'unacceptable') return 'Exceptions are for unacceptable risks only: accept it instead.'
  return null
}

/** The kinds that fit, the first one being the usual answer for the band. */
export function kindsFor(projected: BandOrUnrated): DecisionKind[] {
  const fitting = DECISION_KINDS.filter((kind) => kindRefusal(kind, projected) === null)
  return projected === 'unacceptable' ? ['exception', ...fitting.filter((k) => k !== 'exception')] : fitting
}

/** Problems keyed by server field path; empty when the draft may be sent. */
export function decisionProblems(draft: DecisionDraft, projected: BandOrUnrated, policy: DecisionPolicy, today: string): Record<string, string> {
  const problems: Record<string, string> = {}
  const refusal = kindRefusal(draft.kind, projected)
  if (refusal) problems.kind = refusal
  const fields = FIELDS_OF[draft.kind]
  const required = (field: keyof DecisionDraft, message: string) => {
    if (fields.includes(field) && !String(draft[field]).trim()) problems[FIELD_PATH[field]] = message
  }
  required('owner', 'Name the risk owner (a member of the team).')
  required('justification', draft.kind === 'not_applicable' ? 'Say why it does not apply.' : 'Give the justification.')
  required('compensatingControls', 'List the compensating controls.')
  required('recipient', 'Name who takes the risk over.')
  required('evidence', 'Give the evidence (an SLA, an attestation, a control id).')
  const limit = expiryLimit(draft.kind, policy)
  if (draft.expiresOn) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(draft.expiresOn)) problems.expires_on = 'Use a date (YYYY-MM-DD).'
    else if (draft.expiresOn <= today) problems.expires_on = 'Must be in the future.'
    else if (limit !== null && draft.expiresOn > addDays(today, limit)) problems.expires_on = `At most ${limit} days away (by ${addDays(today, limit)}).`
  } else if (limit !== null) {
    problems.expires_on = `Required: a date within ${limit} days.`
  }
  return problems
}

/** The body of `POST /decisions/`: only the fields the kind uses. */
export function decisionBody(threatId: number, draft: DecisionDraft): Record<string, string | number | null> {
  const body: Record<string, string | number | null> = { threat: threatId, kind: draft.kind }
  for (const field of FIELDS_OF[draft.kind]) {
    const value = String(draft[field]).trim()
    if (field === 'expiresOn') body.expires_on = value || null
    else if (field === 'owner') body.owner = value || null
    else body[FIELD_PATH[field]] = value
  }
  return body
}

/** A sensible default expiry: the kind's limit, capped at 180 days (a review every half year). */
export function defaultExpiry(kind: DecisionKind, policy: DecisionPolicy, today: string): string {
  const limit = expiryLimit(kind, policy)
  return limit === null ? '' : addDays(today, Math.min(limit, 180))
}

/** `YYYY-MM-DD` plus days, in UTC (no time zone can shift the date). */
export function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10)
}

/** Today's date where the user is, as `YYYY-MM-DD`. */
export function localToday(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`
}
