/**
 * Assumptions the team made, linked to elements, flows, threats and mitigations (the server's
 * `/assumptions/`). Pure helpers for the editor: toggling a link, what the assumption rests on in
 * words, what turning it false would reopen, and the form's own checks.
 */

export interface AssumptionLinks {
  elements: string[]
  flows: string[]
  threats: number[]
  mitigations: number[]
}

export interface AssumptionDraft extends AssumptionLinks {
  text: string
}

export const EMPTY_DRAFT: AssumptionDraft = { text: '', elements: [], flows: [], threats: [], mitigations: [] }

export function toggled<T>(list: readonly T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value]
}

export function validateDraft(draft: AssumptionDraft): string | null {
  if (!draft.text.trim()) return 'Write the assumption.'
  if (draft.text.length > 5000) return 'At most 5,000 characters.'
  return null
}

interface ThreatLike {
  id: number
  status: string
}

const REOPENABLE = new Set(['mitigated', 'eliminated', 'accepted', 'transferred', 'not_applicable'])

/**
 * The threats that "this turned out false" would reopen: those linked, and those answered by a
 * linked mitigation, that are not open (or obsolete) now. `threatsOf` gives a mitigation's threats.
 */
export function wouldReopen(links: AssumptionLinks, threats: readonly ThreatLike[], threatsOf: (mitigation: number) => readonly number[]): number[] {
  const ids = new Set(links.threats)
  for (const m of links.mitigations) for (const t of threatsOf(m)) ids.add(t)
  return threats.filter((t) => ids.has(t.id) && REOPENABLE.has(t.status)).map((t) => t.id).sort((a, b) => a - b)
}

/** "Web, Orders DB · 2 threats · 1 mitigation". */
export function linkSummary(links: AssumptionLinks, nameOf: (key: string) => string): string {
  const parts: string[] = []
  const subjects = [...links.elements, ...links.flows].map(nameOf)
  if (subjects.length) parts.push(subjects.join(', '))
  if (links.threats.length) parts.push(`${links.threats.length} threat${links.threats.length === 1 ? '' : 's'}`)
  if (links.mitigations.length) parts.push(`${links.mitigations.length} mitigation${links.mitigations.length === 1 ? '' : 's'}`)
  return parts.join(' · ') || 'Not linked to anything yet'
}
