/**
 * The model's open questions in one place: what its unconfirmed findings wait on, one question per
 * property of an element or flow (several findings asking the same thing are asked once), grouped
 * by the element or flow, each answerable here. Each group can be shown on the canvas, and each
 * finding that waits on a question opens in the drawer.
 */
import { memo, useState } from 'react'
import type { ModelQuestions, Subject } from '../core/questions'
import { KIND_LABEL } from '../core/stencils'
import { STRIDE_NAMES } from '../core/threats'
import { QuestionAnswer, type AnswerQuestion } from '../workflow/QuestionAnswer'

interface Props {
  questions: ModelQuestions
  loading: boolean
  canAnswer: boolean
  onAnswer: AnswerQuestion
  /** Select and centre an element or flow (on whichever diagram holds it). */
  onShow: (key: string) => void
  onOpenThreat: (id: number) => void
}

export const QuestionsPanel = memo(function QuestionsPanel({ questions, loading, canAnswer, onAnswer, onShow, onOpenThreat }: Props) {
  const [findings, setFindings] = useState(false)
  const { groups, open, unconfirmed } = questions
  return (
    <div className="panel-body questions-panel">
      <h2 className="panel-subtitle">
        Open questions <span className="count" data-testid="open-questions">{open}</span>
      </h2>
      <p className="muted small-text">
        {unconfirmed === 0
          ? 'No finding waits on an answer.'
          : `${unconfirmed} unconfirmed finding${unconfirmed === 1 ? '' : 's'} wait${unconfirmed === 1 ? 's' : ''} on these answers. An unconfirmed finding claims no ATT&CK technique and scores one likelihood level lower; answering sets the property, and the analysis then confirms the finding or drops it.`}
      </p>
      {loading && <p className="muted">Loading threats…</p>}
      {groups.length > 0 && (
        <label className="check-line small-text">
          <input type="checkbox" checked={findings} onChange={(event) => setFindings(event.target.checked)} /> Show the findings that wait on each question
        </label>
      )}
      {groups.map((group) => (
        <section key={group.subject.key} className="question-group" aria-label={`Questions about ${group.subject.name}`}>
          <h3>
            <span className={`kind-chip kind-${group.subject.kind}`}>{kindLabel(group.subject)}</span> {group.subject.name}
            <button type="button" className="link small-text" onClick={() => onShow(group.subject.key)}>
              Show
            </button>
          </h3>
          {group.questions.map((question) => (
            <div key={question.id}>
              <QuestionAnswer question={question} canAnswer={canAnswer} onAnswer={onAnswer} showCount />
              {findings && (
                <ul className="question-findings small-text">
                  {question.threats.map((threat) => (
                    <li key={threat.id}>
                      <button type="button" className="link" onClick={() => onOpenThreat(threat.id)} title={STRIDE_NAMES[threat.stride]}>
                        {threat.stride} · {threat.title}
                      </button>{' '}
                      <span className="muted">({threat.ruleId})</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ))}
        </section>
      ))}
    </div>
  )
})

function kindLabel(subject: Subject): string {
  return subject.kind === 'flow' ? 'Data flow' : KIND_LABEL[subject.kind]
}
