/**
 * The OWASP Risk Rating helper's questions: eight likelihood and eight impact factors, 0–9 each.
 * The server turns a complete group of answers into a level (`POST /risk/owasp-rating/`); this
 * module only words the questions and builds the request from what the user answered, sending a
 * group only when all eight of its factors have an answer (the server refuses partial groups: a
 * mean over some factors would weigh the rest as zero).
 */

export type OwaspGroup = 'likelihood' | 'impact'

export const OWASP_FACTORS: Record<OwaspGroup, readonly string[]> = {
  likelihood: ['skill_level', 'motive', 'opportunity', 'size', 'ease_of_discovery', 'ease_of_exploit', 'awareness', 'intrusion_detection'],
  impact: [
    'loss_of_confidentiality',
    'loss_of_integrity',
    'loss_of_availability',
    'loss_of_accountability',
    'financial_damage',
    'reputation_damage',
    'non_compliance',
    'privacy_violation',
  ],
}

/** The question and the meaning of its ends, in the methodology's words (shortened). */
export const OWASP_QUESTION: Record<string, [string, string]> = {
  skill_level: ['Skill of the attackers', '1 none … 9 penetration-testing skills'],
  motive: ['Their motive', '1 low or no reward … 9 high reward'],
  opportunity: ['Access and resources needed', '0 full access, expensive … 9 none needed'],
  size: ['How many could try', '2 developers … 9 anonymous internet users'],
  ease_of_discovery: ['Ease of discovering the weakness', '1 practically impossible … 9 automated tools'],
  ease_of_exploit: ['Ease of exploiting it', '1 theoretical … 9 automated tools'],
  awareness: ['How well known it is', '1 unknown … 9 public knowledge'],
  intrusion_detection: ['Chance an exploit goes unnoticed', '1 active detection … 9 not logged'],
  loss_of_confidentiality: ['Data disclosed', '2 minimal non-sensitive … 9 all data'],
  loss_of_integrity: ['Data corrupted', '1 minimal, slightly … 9 all data, totally'],
  loss_of_availability: ['Service lost', '1 minimal secondary … 9 all services'],
  loss_of_accountability: ['Actions traceable to a person', '1 fully traceable … 9 anonymous'],
  financial_damage: ['Financial damage', '1 less than fixing it … 9 bankruptcy'],
  reputation_damage: ['Reputation damage', '1 minimal … 9 brand damage'],
  non_compliance: ['Non-compliance', '2 minor violation … 7 high-profile violation'],
  privacy_violation: ['Personal data exposed', '3 one person … 9 millions of people'],
}

export type OwaspAnswers = Partial<Record<OwaspGroup, Partial<Record<string, number>>>>

export function groupComplete(answers: OwaspAnswers, group: OwaspGroup): boolean {
  const values = answers[group] ?? {}
  return OWASP_FACTORS[group].every((factor) => Number.isInteger(values[factor]) && (values[factor] ?? -1) >= 0 && (values[factor] ?? 10) <= 9)
}

/** The request body: the complete groups only; null when no group is complete yet. */
export function owaspBody(answers: OwaspAnswers): Record<string, Record<string, number>> | null {
  const body: Record<string, Record<string, number>> = {}
  for (const group of ['likelihood', 'impact'] as const) {
    if (!groupComplete(answers, group)) continue
    body[group] = Object.fromEntries(OWASP_FACTORS[group].map((factor) => [factor, answers[group]?.[factor] ?? 0]))
  }
  return Object.keys(body).length > 0 ? body : null
}

/** Factors still without an answer in a group the user has started. */
export function missingFactors(answers: OwaspAnswers, group: OwaspGroup): string[] {
  const values = answers[group]
  if (!values || Object.keys(values).length === 0) return []
  return OWASP_FACTORS[group].filter((factor) => values[factor] === undefined)
}

/** Answers kept with a rating ({likelihood: {...}, impact: {...}}), read back from the server. */
export function answersFrom(stored: unknown): OwaspAnswers {
  const out: OwaspAnswers = {}
  if (!stored || typeof stored !== 'object') return out
  for (const group of ['likelihood', 'impact'] as const) {
    const values = (stored as Record<string, unknown>)[group]
    if (!values || typeof values !== 'object') continue
    const kept: Record<string, number> = {}
    for (const factor of OWASP_FACTORS[group]) {
      const value = (values as Record<string, unknown>)[factor]
      if (typeof value === 'number') kept[factor] = value
    }
    out[group] = kept
  }
  return out
}
