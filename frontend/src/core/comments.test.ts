import { describe, expect, it } from 'vitest'
import { bodyParts, commentRights, isAbout, mentionAt, merged, openCount, suggestions, threadsOf, type CommentLike } from './comments'

function c(id: number, extra: Partial<CommentLike> = {}): CommentLike {
  return { id, threat: null, subject_key: 'web', parent: null, body: `c${id}`, author: 'ana', mentions: [], created_at: '', resolved: false, ...extra }
}

describe('threads', () => {
  it('puts replies under their thread in the order written and resolved threads last', () => {
    const list = [c(4, { parent: 1 }), c(1, { resolved: true }), c(2), c(3, { parent: 1 })]
    const threads = threadsOf(list)
    expect(threads.map((t) => t.first.id)).toEqual([2, 1])
    expect(threads[1]!.replies.map((r) => r.id)).toEqual([3, 4])
    expect(openCount(list)).toBe(1)
  })

  it('tells a threat’s comments from an element’s', () => {
    expect(isAbout(c(1, { threat: 7, subject_key: '' }), { threat: 7 })).toBe(true)
    expect(isAbout(c(1), { threat: 7 })).toBe(false)
    expect(isAbout(c(1), { subject: 'web' })).toBe(true)
    expect(isAbout(c(1, { threat: 7, subject_key: '' }), { subject: '' })).toBe(false)
  })
})

describe('live changes', () => {
  it('adds a new comment once, replaces an edited one and drops a deleted thread with its replies', () => {
    const list = [c(1), c(2, { parent: 1 }), c(3)]
    expect(merged(list, 'created', c(4)).map((x) => x.id)).toEqual([1, 2, 3, 4])
    expect(merged(merged(list, 'created', c(4)), 'created', c(4)).map((x) => x.id)).toEqual([1, 2, 3, 4])
    expect(merged(list, 'edited', c(3, { body: 'new' }))[2]!.body).toBe('new')
    expect(merged(list, 'deleted', c(1)).map((x) => x.id)).toEqual([3])
  })
})

describe('rights', () => {
  it('lets reviewers and above comment, only the author edit, and the author or an owner delete', () => {
    const mine = c(1, { author: 'ana' })
    const theirs = c(2, { author: 'bo' })
    expect(commentRights('viewer', 'ana').comment).toBe(false)
    expect(commentRights('viewer', 'ana').edit(mine)).toBe(false)
    const reviewer = commentRights('reviewer', 'ana')
    expect([reviewer.comment, reviewer.edit(mine), reviewer.edit(theirs), reviewer.remove(theirs)]).toEqual([true, true, false, false])
    const owner = commentRights('owner', 'zed')
    expect([owner.edit(theirs), owner.remove(theirs)]).toEqual([false, true])
  })
})

describe('mentions', () => {
  it('marks only the names the server listed, leaving e-mail addresses and unknown names as text', () => {
    expect(bodyParts('Hi @ana and @nobody, mail ops@x.io. Thanks @Ana.', ['ana'])).toEqual([
      { text: 'Hi ' },
      { text: '@ana', mention: 'ana' },
      { text: ' and @nobody, mail ops@x.io. Thanks ' },
      { text: '@Ana', mention: 'Ana' },
      { text: '.' },
    ])
    expect(bodyParts('plain', [])).toEqual([{ text: 'plain' }])
  })

  it('finds the partial mention at the caret and completes it from the members', () => {
    expect(mentionAt('ask @re', 7)).toEqual({ start: 4, query: 're' })
    expect(mentionAt('ask @', 5)).toEqual({ start: 4, query: '' })
    expect(mentionAt('mail a@re', 9)).toBeNull()
    expect(mentionAt('done ', 5)).toBeNull()
    expect(suggestions('re', ['editor', 'reviewer', 'owner', 'area'])).toEqual(['reviewer', 'area'])
  })
})
