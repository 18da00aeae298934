/**
 * A threat's, element's or flow's comments: threads with one level of replies, open ones first,
 * each resolvable; a box to comment with @ suggestions from the team. Everyone in the team reads;
 * reviewers and above write (the server says so too); changes from other browsers arrive through
 * the live room.
 */
import { useRef, useState } from 'react'
import { commentApi, type Comment } from '../api/comments'
import { bodyParts, commentRights, mentionAt, openCount, suggestions, threadsOf, type CommentSubject } from '../core/comments'
import { useCommentsContext } from './comments-context'
import { useComments } from './useComments'

interface Props {
  subject: CommentSubject
  /** What the heading says it is about ("Web", "the threat"). */
  label: string
}

export function CommentsSection({ subject, label }: Props) {
  const context = useCommentsContext()
  if (!context) return null
  return <CommentsLoaded subject={subject} label={label} />
}

function CommentsLoaded({ subject, label }: Props) {
  const { modelId, username, role, members, room } = useCommentsContext()!
  const { comments, error, apply } = useComments(modelId, subject, room)
  const [problem, setProblem] = useState<string | null>(null)
  const rights = commentRights(role, username)
  const threads = comments ? threadsOf(comments) : []
  const headingId = `comments-${'threat' in subject ? `t${subject.threat}` : subject.subject}`

  const run = (promise: Promise<unknown>) =>
    promise.then(() => setProblem(null)).catch((caught: unknown) => setProblem(caught instanceof Error ? caught.message : 'Not saved.'))

  return (
    <section className="drawer-section comments" aria-labelledby={headingId}>
      <h3 id={headingId}>
        Comments <span className="count" aria-label={`${comments ? openCount(comments) : 0} open`}>{comments ? openCount(comments) : 0}</span>
      </h3>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {comments && threads.length === 0 && <p className="muted small-text">No comments on {label} yet.</p>}
      <ol className="comment-threads" aria-label={`Comments on ${label}`}>
        {threads.map((thread) => (
          <li key={thread.first.id} className={`comment-thread${thread.first.resolved ? ' resolved' : ''}`}>
            <CommentItem comment={thread.first} rights={rights} onProblem={setProblem} onChanged={apply} />
            {thread.first.resolved && (
              <p className="muted small-text">
                Resolved{thread.first.resolved_by ? ` by ${thread.first.resolved_by}` : ''}
              </p>
            )}
            {thread.replies.length > 0 && (
              <ol className="comment-replies" aria-label="Replies">
                {thread.replies.map((reply) => (
                  <li key={reply.id}>
                    <CommentItem comment={reply} rights={rights} onProblem={setProblem} onChanged={apply} />
                  </li>
                ))}
              </ol>
            )}
            {rights.comment && (
              <div className="drawer-actions wrap">
                <ReplyBox
                  members={members}
                  onSend={(body) => run(commentApi.reply(modelId, thread.first.id, body).then((c) => apply('created', c)))}
                />
                <button
                  type="button"
                  className="small"
                  onClick={() => run(commentApi.resolve(thread.first.id, !thread.first.resolved).then((c) => apply(c.resolved ? 'resolved' : 'reopened', c)))}
                >
                  {thread.first.resolved ? 'Reopen' : 'Resolve'}
                </button>
              </div>
            )}
          </li>
        ))}
      </ol>
      {rights.comment ? (
        <CommentBox
          label={`Comment on ${label}`}
          button="Comment"
          members={members}
          onSend={(body) => run(commentApi.create(modelId, subject, body).then((c) => apply('created', c)))}
        />
      ) : (
        <p className="muted small-text">Reviewers, editors and owners comment; your role reads.</p>
      )}
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  )
}

function CommentItem({
  comment,
  rights,
  onProblem,
  onChanged,
}: {
  comment: Comment
  rights: ReturnType<typeof commentRights>
  onProblem: (message: string | null) => void
  onChanged: (action: 'edited' | 'deleted', comment: Comment) => void
}) {
  const { members } = useCommentsContext()!
  const [editing, setEditing] = useState(false)
  const fail = (caught: unknown) => onProblem(caught instanceof Error ? caught.message : 'Not saved.')
  return (
    <article className="comment" aria-label={`Comment by ${comment.author ?? 'a former member'}`}>
      <p className="comment-meta small-text">
        <strong>{comment.author ?? 'a former member'}</strong>{' '}
        <time dateTime={comment.created_at}>{new Date(comment.created_at).toLocaleString()}</time>
        {comment.edited_at && <span className="muted"> · edited</span>}
      </p>
      {editing ? (
        <CommentBox
          label="Edit the comment"
          button="Save"
          initial={comment.body}
          members={members}
          onSend={(body) =>
            commentApi
              .edit(comment.id, body)
              .then((c) => (onChanged('edited', c), setEditing(false), onProblem(null)))
              .catch(fail)
          }
          onCancel={() => setEditing(false)}
        />
      ) : (
        <p className="comment-body">
          {bodyParts(comment.body, comment.mentions).map((part, i) =>
            part.mention ? (
              <span key={i} className="mention">
                {part.text}
              </span>
            ) : (
              <span key={i}>{part.text}</span>
            ),
          )}
        </p>
      )}
      {!editing && (rights.edit(comment) || rights.remove(comment)) && (
        <p className="comment-tools">
          {rights.edit(comment) && (
            <button type="button" className="link small-text" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
          {rights.remove(comment) && (
            <button
              type="button"
              className="link small-text"
              onClick={() => {
                if (!window.confirm(comment.parent === null ? 'Delete this comment and its replies?' : 'Delete this reply?')) return
                commentApi.remove(comment.id).then(() => (onChanged('deleted', comment), onProblem(null))).catch(fail)
              }}
            >
              Delete
            </button>
          )}
        </p>
      )}
    </article>
  )
}

function ReplyBox({ members, onSend }: { members: readonly string[]; onSend: (body: string) => Promise<unknown> }) {
  const [open, setOpen] = useState(false)
  if (!open)
    return (
      <button type="button" className="small" onClick={() => setOpen(true)}>
        Reply
      </button>
    )
  return (
    <div className="grow">
      <CommentBox label="Reply" button="Reply" members={members} onSend={(body) => onSend(body).then(() => setOpen(false))} onCancel={() => setOpen(false)} />
    </div>
  )
}

/** A text box that sends on its button (or Ctrl/⌘+Enter) and suggests members after an @. */
function CommentBox({
  label,
  button,
  members,
  initial = '',
  onSend,
  onCancel,
}: {
  label: string
  button: string
  members: readonly string[]
  initial?: string
  onSend: (body: string) => Promise<unknown> | void
  onCancel?: () => void
}) {
  const [text, setText] = useState(initial)
  const [caret, setCaret] = useState(initial.length)
  const [busy, setBusy] = useState(false)
  const box = useRef<HTMLTextAreaElement>(null)
  const partial = mentionAt(text, caret)
  const offered = partial ? suggestions(partial.query, members).filter((name) => name !== partial.query) : []

  const send = () => {
    if (!text.trim() || busy) return
    setBusy(true)
    Promise.resolve(onSend(text.trim()))
      .then(() => initial === '' && setText(''))
      .finally(() => setBusy(false))
  }
  const complete = (name: string) => {
    if (!partial) return
    const next = `${text.slice(0, partial.start)}@${name} ${text.slice(caret)}`
    const at = partial.start + name.length + 2
    setText(next)
    setCaret(at)
    requestAnimationFrame(() => box.current?.setSelectionRange(at, at))
    box.current?.focus()
  }

  return (
    <div className="comment-box">
      <textarea
        ref={box}
        aria-label={label}
        value={text}
        maxLength={5000}
        rows={2}
        placeholder="Write a comment; @name tells a teammate"
        onChange={(event) => (setText(event.target.value), setCaret(event.target.selectionStart))}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) (event.preventDefault(), send())
          if (event.key === 'Escape' && onCancel) (event.stopPropagation(), onCancel())
        }}
      />
      {offered.length > 0 && (
        <ul className="mention-suggestions" aria-label="Mention">
          {offered.map((name) => (
            <li key={name}>
              <button type="button" className="link small-text" onMouseDown={(event) => event.preventDefault()} onClick={() => complete(name)}>
                @{name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="drawer-actions">
        {onCancel && (
          <button type="button" className="small" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="button" className="small primary" disabled={!text.trim() || busy} onClick={send}>
          {button}
        </button>
      </div>
    </div>
  )
}
