/**
 * The audit trail and snapshot diffs in words.
 *
 * An audit event is `{actor, action, before, after}` with the before and after states as the
 * service recorded them; a diff is per section (elements, flows, threats…) lists of added, removed
 * and changed records. These functions turn both into short lines a workshop can read aloud: who
 * did what, and which fields moved from what to what. Values are shown as text; nothing here is
 * ever rendered as HTML.
 */

const ACTION_WORDS: Record<string, string> = {
  'threat.rate': 'rated the risk',
  'threat.status': 'changed the status',
  'threat.update': 'triaged the threat',
  'threat.create': 'wrote the threat',
  'threat.delete': 'deleted the threat',
  'mitigation.create': 'created a mitigation',
  'mitigation.update': 'changed a mitigation',
  'mitigation.status': 'moved a mitigation',
  'mitigation.verify': 'verified a mitigation',
  'mitigation.reopen': 'reopened a mitigation on failing evidence',
  'mitigation.link': 'linked a mitigation',
  'mitigation.unlink': 'unlinked a mitigation',
  'mitigation.delete': 'deleted a mitigation',
  'decision.create': 'recorded a decision',
  'decision.approve': 'approved an exception',
  'decision.revoke': 'revoked a decision',
  'decision.expire': 'saw a decision expire',
  'coverage_note.set': 'recorded a coverage note',
  'coverage_note.delete': 'removed a coverage note',
  'threat_model.advance': 'moved the model on',
  'threat_model.approve': 'approved the model',
  'threat_model.reopen': 'reopened the model',
  'threat_model.analyse': 'ran the analysis',
  'threat_model.import': 'imported the model',
  'threat_model.create': 'created the model',
  'threat_model.update': 'changed the model',
  'snapshot.create': 'saved a version',
  'band_change.acknowledge': 'acknowledged a band change',
  'risk_policy.change': 'changed the risk policy',
  'comment.create': 'commented',
  'comment.edit': 'edited a comment',
  'comment.delete': 'deleted a comment',
  'comment.resolve': 'resolved a comment thread',
  'comment.reopen': 'reopened a comment thread',
}

export function actionWords(action: string): string {
  return ACTION_WORDS[action] ?? action.replace(/[._]/g, ' ')
}

export interface AuditEventLike {
  actor: string | null
  action: string
  before: unknown
  after: unknown
}

export interface FieldChange {
  field: string
  before: string
  after: string
}

/** A value as a short text: strings as they are, null as "—", the rest as compact JSON. */
export function showValue(value: unknown, max = 120): string {
  let text: string
  if (value === null || value === undefined || value === '') text = '—'
  else if (typeof value === 'string') text = value
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value)
  else text = JSON.stringify(value)
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

/** The fields whose value differs between before and after, in a stable order. */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const b = record(before)
  const a = record(after)
  const names = [...new Set([...Object.keys(b), ...Object.keys(a)])]
  return names
    .filter((name) => JSON.stringify(b[name]) !== JSON.stringify(a[name]))
    .map((name) => ({ field: name.replace(/_/g, ' '), before: showValue(b[name]), after: showValue(a[name]) }))
}

export function describeEvent(event: AuditEventLike): { who: string; what: string; changes: FieldChange[] } {
  return { who: event.actor ?? 'the system', what: actionWords(event.action), changes: fieldChanges(event.before, event.after) }
}

export interface DiffSectionLike {
  added: readonly unknown[]
  removed: readonly unknown[]
  changed: readonly unknown[]
}

export const DIFF_SECTIONS = ['elements', 'flows', 'threats', 'mitigations', 'decisions', 'coverage_notes'] as const

/** "Threats: 2 added, 1 changed" per section that moved; an empty list when nothing did. */
export function diffLines(changes: Partial<Record<(typeof DIFF_SECTIONS)[number], DiffSectionLike>>): string[] {
  const lines: string[] = []
  for (const name of DIFF_SECTIONS) {
    const section = changes[name]
    if (!section) continue
    const parts = (
      [
        [section.added.length, 'added'],
        [section.removed.length, 'removed'],
        [section.changed.length, 'changed'],
      ] as const
    )
      .filter(([count]) => count > 0)
      .map(([count, word]) => `${count} ${word}`)
    if (parts.length > 0) lines.push(`${name.charAt(0).toUpperCase()}${name.slice(1).replace(/_/g, ' ')}: ${parts.join(', ')}`)
  }
  return lines
}

/** A diff record's name: its title, name, key, ref or fingerprint, whichever it has. */
export function recordName(item: unknown): string {
  const r = record(item)
  for (const field of ['title', 'name', 'label', 'ref', 'key', 'fingerprint', 'id']) {
    const value = r[field]
    if (typeof value === 'string' && value) return value
    if (typeof value === 'number') return String(value)
  }
  return showValue(item, 60)
}
