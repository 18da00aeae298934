/**
 * The drawer's threat when it is unconfirmed: it waits on answers about its element or flow (or a
 * flow's end), each answerable here. It follows the threat list: once the analysis after the save
 * has confirmed the finding the section goes (the drawer reloads it), and if the answer made the
 * rule not apply, it says so.
 */
import { threatQuestions, type SubjectLookup } from '../../core/questions'
import type { EditorThreat } from '../../core/threats'
import type { VocabularyIndex } from '../../core/validation'
import { QuestionAnswer, type AnswerQuestion } from '../QuestionAnswer'

interface Props {
  /** The threat as the list has it now; null when it left the list (obsolete). */
  listed: EditorThreat | null
  /** The threat as the drawer loaded it was unconfirmed. */
  wasUnconfirmed: boolean
  lookup: SubjectLookup
  vocab: VocabularyIndex
  canAnswer: boolean
  onAnswer: AnswerQuestion
}

export function QuestionsSection({ listed, wasUnconfirmed, lookup, vocab, canAnswer, onAnswer }: Props) {
  if (!listed) {
    if (!wasUnconfirmed) return null
    return (
      <section className="drawer-section questions-section" aria-label="Questions">
        <h3>Unconfirmed</h3>
        <p className="small-text" role="status">
          The answer settled it: the rule does not apply here, and the finding is kept as obsolete.
        </p>
      </section>
    )
  }
  if (listed.confirmed) return null
  const questions = threatQuestions(listed, lookup, vocab)
  return (
    <section className="drawer-section questions-section" aria-label="Questions">
      <h3>Unconfirmed: it waits on {questions.length === 1 ? 'an answer' : `${questions.length} answers`}</h3>
      <p className="muted small-text">
        Until it is confirmed it claims no ATT&CK technique and its suggested likelihood is one level lower. Answering sets the
        property; the analysis then confirms the finding or drops it.
      </p>
      {questions.length === 0 &&
        listed.questions.map((text) => (
          <p key={text} className="question-text">
            {text}
          </p>
        ))}
      {questions.map((question) => (
        <QuestionAnswer key={question.id} question={question} canAnswer={canAnswer} onAnswer={onAnswer} />
      ))}
    </section>
  )
}
