/**
 * What the questions need from the workspace: each element or flow as drawn now, on whichever
 * diagram holds it (the diagram's session, so unsaved edits count), and a way to answer — an
 * ordinary property edit through that diagram's session, the one write path every edit takes.
 */
import { useCallback, useMemo } from 'react'
import type { DiagramSession } from '../core/diagram-session'
import { answerLabel, answerOps, subjectIn, type Question, type SubjectLookup } from '../core/questions'
import type { DocumentModel, PropValue } from '../core/types'

export interface QuestionTools {
  lookup: SubjectLookup
  answer: (question: Question, value: PropValue) => string | null
}

export function useQuestions(
  doc: DocumentModel | null,
  sessionFor: (id: number) => DiagramSession | null,
  diagramOf: (key: string) => number | null,
): QuestionTools {
  // Which diagram holds each key, read once per document (a key drawn since is found by diagramOf).
  const holders = useMemo(() => {
    const map = new Map<string, number>()
    for (const diagram of doc?.diagrams ?? []) {
      for (const element of diagram.elements) map.set(element.key, diagram.id)
      for (const flow of diagram.flows) map.set(flow.key, diagram.id)
    }
    return map
  }, [doc])

  const sessionOf = useCallback(
    (key: string): DiagramSession | null => {
      const held = holders.get(key)
      const first = held !== undefined ? sessionFor(held) : null
      if (first && (first.state.elements.has(key) || first.state.flows.has(key))) return first
      const id = diagramOf(key) // drawn since the document was read, or moved
      return id === null ? null : sessionFor(id)
    },
    [holders, diagramOf, sessionFor],
  )

  const lookup = useCallback<SubjectLookup>(
    (key) => {
      const session = sessionOf(key)
      return session ? subjectIn(session.state, key) : null
    },
    [sessionOf],
  )

  const answer = useCallback(
    (question: Question, value: PropValue): string | null => {
      const session = sessionOf(question.subject.key)
      if (!session || !subjectIn(session.state, question.subject.key)) return 'That element or flow is no longer on any diagram.'
      return session.edit(answerLabel(question, value), answerOps(question, value))
    },
    [sessionOf],
  )

  return { lookup, answer }
}
