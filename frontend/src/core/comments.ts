/**
 * Workshop comments, client side and pure: threads from the flat list the API answers, a live
 * event merged into that list, who may do what, and a body split into text and @mentions for
 * display. The server decides who is mentioned (members of the team only); the display marks only
 * the names the server listed, so an unknown `@word` stays plain text here too.
 */

export interface CommentLike {
  readonly id: number
  readonly threat: number | null
  readonly subject_key: string
  readonly parent: number | null
  readonly body: string
  readonly author: string | null
  readonly mentions: readonly string[]
  readonly created_at: string
  readonly resolved: boolean
}

export interface Thread<C extends CommentLike> {
  first: C
  replies: C[]
}

/** What a comment is about: a threat, or an element or flow by key. */
export type CommentSubject = { threat: number } | { subject: string }

export function isAbout(comment: CommentLike, subject: CommentSubject): boolean {
  return 'threat' in subject ? comment.threat === subject.threat : comment.threat === null && comment.subject_key === subject.subject
}

/** Threads in the order they were started, each reply under its thread in the order written; open threads first. */
export function threadsOf<C extends CommentLike>(comments: readonly C[]): Thread<C>[] {
  const byId = new Map<number, Thread<C>>()
  const ordered = [...comments].sort((a, b) => a.id - b.id)
  for (const comment of ordered) if (comment.parent === null) byId.set(comment.id, { first: comment, replies: [] })
  for (const comment of ordered) if (comment.parent !== null) byId.get(comment.parent)?.replies.push(comment)
  const threads = [...byId.values()]
  return [...threads.filter((t) => !t.first.resolved), ...threads.filter((t) => t.first.resolved)]
}

/** The number of open threads (the badge). */
export function openCount(comments: readonly CommentLike[]): number {
  return comments.filter((c) => c.parent === null && !c.resolved).length
}

export type CommentAction = 'created' | 'edited' | 'resolved' | 'reopened' | 'deleted'

/** The list after a change the room announced (or this browser made); a deleted thread takes its replies. */
export function merged<C extends CommentLike>(comments: readonly C[], action: CommentAction, comment: C): C[] {
  if (action === 'deleted') return comments.filter((c) => c.id !== comment.id && c.parent !== comment.id)
  const at = comments.findIndex((c) => c.id === comment.id)
  if (at === -1) return [...comments, comment]
  return comments.map((c, i) => (i === at ? comment : c))
}

export interface CommentRights {
  /** Write, reply and resolve: reviewers, editors and owners. */
  comment: boolean
  edit: (comment: CommentLike) => boolean
  remove: (comment: CommentLike) => boolean
}

const RANK: Record<string, number> = { viewer: 0, reviewer: 1, editor: 2, owner: 3 }

export function commentRights(role: string | null | undefined, username: string): CommentRights {
  const comment = (RANK[role ?? ''] ?? -1) >= 1
  return {
    comment,
    edit: (c) => comment && c.author === username,
    remove: (c) => comment && (c.author === username || role === 'owner'),
  }
}

export type BodyPart = { text: string; mention?: string }

/** The body as text and mentions, a mention only where the server listed the name. */
export function bodyParts(body: string, mentions: readonly string[]): BodyPart[] {
  const known = new Set(mentions.map((m) => m.toLowerCase()))
  const parts: BodyPart[] = []
  const pattern = /(?<![\w@])@([\w.+-]{1,150})/gu
  let last = 0
  for (const match of body.matchAll(pattern)) {
    const name = (match[1] ?? '').replace(/[.-]+$/u, '')
    if (!known.has(name.toLowerCase())) continue
    const start = match.index ?? 0
    if (start > last) parts.push({ text: body.slice(last, start) })
    parts.push({ text: `@${name}`, mention: name })
    last = start + 1 + name.length
  }
  if (last < body.length) parts.push({ text: body.slice(last) })
  return parts
}

/** The `@partial` being typed at the caret, for suggestions (null when the caret is not in one). */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret)
  const match = /(?:^|[^\w@])@([\w.+-]{0,150})$/u.exec(before)
  if (!match) return null
  const query = match[1] ?? ''
  return { start: caret - query.length - 1, query }
}

/** The member names that complete a partial mention, best first, at most `most`. */
export function suggestions(query: string, usernames: readonly string[], most = 6): string[] {
  const q = query.toLowerCase()
  const starts = usernames.filter((u) => u.toLowerCase().startsWith(q))
  const contains = usernames.filter((u) => !u.toLowerCase().startsWith(q) && u.toLowerCase().includes(q))
  return [...starts, ...contains].slice(0, most)
}
