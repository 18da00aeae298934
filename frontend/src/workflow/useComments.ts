/**
 * The comments on one threat, element or flow: loaded once, then kept current from the live room
 * (anyone's change, this browser's own included) and from this browser's own answers — whichever
 * arrives first; `merged` makes the second a no-op.
 */
import { useCallback, useEffect, useState } from 'react'
import { commentApi, type Comment } from '../api/comments'
import { isAbout, merged, type CommentAction, type CommentSubject } from '../core/comments'
import type { LiveRoom } from '../core/live'

export function useComments(modelId: number, subject: CommentSubject, room: LiveRoom | null) {
  const [comments, setComments] = useState<Comment[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const key = 'threat' in subject ? `t${subject.threat}` : `s${subject.subject}`

  useEffect(() => {
    let cancelled = false
    setComments(null)
    commentApi
      .list(modelId, subject)
      .then((list) => !cancelled && (setComments(list), setError(null)))
      .catch((caught: unknown) => !cancelled && setError(caught instanceof Error ? caught.message : 'The comments could not be loaded.'))
    return () => {
      cancelled = true
    }
    // `key` stands for `subject`, a new object on every render.
  }, [modelId, key])

  const apply = useCallback((action: CommentAction, comment: Comment) => setComments((list) => (list ? merged(list, action, comment) : list)), [])

  useEffect(() => {
    if (!room) return
    return room.onEvent('comment', (message) => {
      const comment = message.comment as Comment | undefined
      if (comment && isAbout(comment, subject)) apply(message.action as CommentAction, comment)
    })
  }, [room, key, apply])

  return { comments, error, apply }
}
