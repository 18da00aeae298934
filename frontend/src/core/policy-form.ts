/**
 * The team's risk policy as a form: the band thresholds and the longest acceptance and exception.
 * A change is a new version (the server re-bands every model but approved ones); these checks say
 * what the server would refuse before the request is sent.
 */

export interface PolicyDraft {
  unacceptable_at: number
  acceptable_max: number
  impact_floor: number
  acceptance_max_days: number
  exception_max_days: number
  note: string
}

export type PolicyProblems = Partial<Record<keyof PolicyDraft, string>>

function whole(value: number, low: number, high: number): boolean {
  return Number.isInteger(value) && value >= low && value <= high
}

export function policyProblems(d: PolicyDraft): PolicyProblems {
  const out: PolicyProblems = {}
  if (!whole(d.unacceptable_at, 2, 25)) out.unacceptable_at = 'A whole score from 2 to 25.'
  if (!whole(d.acceptable_max, 1, 24)) out.acceptable_max = 'A whole score from 1 to 24.'
  else if (!out.unacceptable_at && d.acceptable_max >= d.unacceptable_at) out.acceptable_max = 'Must be below the unacceptable threshold.'
  if (!whole(d.impact_floor, 1, 5)) out.impact_floor = 'An impact level from 1 to 5.'
  if (!whole(d.acceptance_max_days, 1, 3650)) out.acceptance_max_days = 'From 1 to 3650 days.'
  if (!whole(d.exception_max_days, 1, 90)) out.exception_max_days = 'From 1 to 90 days.'
  if (d.note.length > 5000) out.note = 'At most 5,000 characters.'
  return out
}

export function changedFields(before: PolicyDraft, after: PolicyDraft): (keyof PolicyDraft)[] {
  return (Object.keys(after) as (keyof PolicyDraft)[]).filter((k) => k !== 'note' && before[k] !== after[k])
}
