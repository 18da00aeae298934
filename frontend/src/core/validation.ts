/**
 * Checks the editor makes before an edit leaves the browser: the vocabulary's types and the
 * DFD's structural rules. Text lengths and anything subtler stay the server's call; its 400
 * answers come back to the field at fault (see error-paths.ts), so there is one source of truth.
 */
import { isBoundary, type DiagramState, type PropValue, type Vocabulary, type VocabularyProperty } from './types'

export type VocabularyIndex = ReadonlyMap<string, ReadonlyMap<string, VocabularyProperty>>

export const UNKNOWN = 'unknown'

export function indexVocabulary(vocabulary: Vocabulary): VocabularyIndex {
  const index = new Map<string, Map<string, VocabularyProperty>>()
  for (const [target, specs] of Object.entries(vocabulary.targets)) {
    index.set(target, new Map(specs.map((spec) => [spec.name, spec])))
  }
  return index
}

/** `{name: message}` for each property value `target` cannot take (null = unset, when allowed). */
export function checkProperties(
  vocab: VocabularyIndex,
  target: string,
  values: Readonly<Record<string, PropValue | null>>,
  allowUnset: boolean,
): Record<string, string> {
  const specs = vocab.get(target)
  const problems: Record<string, string> = {}
  for (const [name, value] of Object.entries(values)) {
    const spec = specs?.get(name)
    if (!spec) {
      problems[name] = `is not a property of ${target.replace('_', ' ')}`
      continue
    }
    if (value === null) {
      if (!allowUnset) problems[name] = 'must have a value'
      continue
    }
    if (value === UNKNOWN) continue
    if (spec.type === 'bool' && typeof value !== 'boolean') problems[name] = 'must be yes, no or unknown'
    if (spec.type === 'enum' && !spec.values.includes(value)) problems[name] = `must be one of ${spec.values.join(', ')}`
    if (spec.type === 'text' && typeof value !== 'string') problems[name] = 'must be text'
  }
  return problems
}

/** Why a flow from `source` to `target` cannot be drawn, or null when it can. */
export function connectionProblem(state: DiagramState, source: string, target: string): string | null {
  if (source === target) return 'A flow needs two different elements.'
  const from = state.elements.get(source)
  const to = state.elements.get(target)
  if (!from || !to) return 'Both ends of a flow must be on this diagram.'
  if (isBoundary(from) || isBoundary(to)) return 'Flows connect entities, processes and stores, not trust boundaries.'
  return null
}
