/**
 * One question an unconfirmed finding waits on, answerable where it is shown (threat list, drawer,
 * the model's questions): yes / no, or a choice. An answer is an ordinary property edit of the
 * element or flow (the workspace sends it through that diagram's session); the analysis after the
 * save confirms or drops the findings, and until then the question says it was answered.
 */
import { useId, useState } from 'react'
import type { Question } from '../core/questions'
import type { PropValue } from '../core/types'

/** Sets the property through the diagram's write path; returns why it could not, or null. */
export type AnswerQuestion = (question: Question, value: PropValue) => string | null

interface Props {
  question: Question
  canAnswer: boolean
  onAnswer: AnswerQuestion
  /** Say how many findings wait on the answer. */
  showCount?: boolean
}

const BUTTONS_UP_TO = 5

export function QuestionAnswer({ question, canAnswer, onAnswer, showCount = false }: Props) {
  const [problem, setProblem] = useState<string | null>(null)
  const id = useId()
  const answer = (value: PropValue) => setProblem(onAnswer(question, value))
  const said = question.answered !== undefined ? (question.choices.find((c) => c.value === question.answered)?.label ?? String(question.answered)) : null
  return (
    <div className={`question${said !== null ? ' is-answered' : ''}`} data-question={question.id} role="group" aria-labelledby={id}>
      <p className="question-text" id={id}>
        <span aria-hidden="true" className="question-mark">?</span> {question.text}
        {showCount && question.threats.length > 1 && <span className="muted small-text"> ({question.threats.length} findings wait on it)</span>}
      </p>
      {said !== null ? (
        <p className="small-text question-answered" role="status">
          Answered: <strong>{said}</strong>. The analysis follows the save.
        </p>
      ) : canAnswer ? (
        <div className="question-choices">
          {question.choices.length <= BUTTONS_UP_TO ? (
            question.choices.map((choice) => (
              <button key={String(choice.value)} type="button" className="small" onClick={() => answer(choice.value)}>
                {choice.label}
              </button>
            ))
          ) : (
            <select aria-label={`Answer: ${question.label}`} value="" onChange={(event) => {
              const picked = question.choices.find((choice) => String(choice.value) === event.target.value)
              if (picked) answer(picked.value)
            }}>
              <option value="">Answer…</option>
              {question.choices.map((choice) => (
                <option key={String(choice.value)} value={String(choice.value)}>
                  {choice.label}
                </option>
              ))}
            </select>
          )}
        </div>
      ) : (
        <p className="muted small-text">An editor of the team can answer it.</p>
      )}
      {problem && (
        <p className="form-error small-text" role="alert">
          {problem}
        </p>
      )}
    </div>
  )
}
