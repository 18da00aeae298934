/**
 * Helpers that let a test "draw" a diagram with the same operations the editor sends.
 */
import { applyOps, type Op } from './ops'
import { emptyState, type DiagramState } from './types'
import { indexVocabulary, type VocabularyIndex } from './validation'
import type { Vocabulary } from './types'

export function draw(ops: Op[], base: DiagramState = emptyState()): DiagramState {
  const result = applyOps(base, ops)
  if (result.errors.length > 0) throw new Error(`could not draw: ${JSON.stringify(result.errors)}`)
  return result.state
}

/** A small DFD: a user outside, web and db inside an app boundary. */
export const SMALL: Op[] = [
  { op: 'add_element', key: 'tb-app', kind: 'trust_boundary', name: 'App', x: 300, y: 0, width: 400, height: 300 },
  { op: 'add_element', key: 'user', kind: 'external_entity', name: 'User', x: 0, y: 40 },
  { op: 'add_element', key: 'web', kind: 'process', name: 'Web', parent: 'tb-app', x: 20, y: 30 },
  { op: 'add_element', key: 'db', kind: 'data_store', name: 'DB', parent: 'tb-app', x: 200, y: 30, properties: { encrypted: true } },
  { op: 'add_flow', key: 'f1', source: 'user', target: 'web', label: 'HTTPS' },
  { op: 'add_flow', key: 'f2', source: 'web', target: 'db', label: 'SQL' },
]

/** A slice of the server's vocabulary, in its document shape. */
const VOCABULARY: Vocabulary = {
  version: 1,
  unknown: 'unknown',
  kinds: ['external_entity', 'process', 'data_store', 'trust_boundary'],
  targets: {
    process: [
      { name: 'privileged', type: 'bool', label: 'Privileged', description: '', group: 'container', values: [true, false, 'unknown'], required: false, default: 'unknown' },
      { name: 'component', type: 'enum', label: 'Component', description: '', group: 'general', values: ['generic', 'workload', 'unknown'], required: false, default: 'unknown' },
      { name: 'technology', type: 'text', label: 'Technology', description: '', group: 'general', values: [], required: false, default: 'unknown', max_length: 120 },
    ],
    data_store: [
      { name: 'encrypted', type: 'bool', label: 'Encrypted', description: '', group: 'general', values: [true, false, 'unknown'], required: true, default: 'unknown' },
    ],
    external_entity: [],
    trust_boundary: [],
    flow: [
      { name: 'encrypted', type: 'bool', label: 'Encrypted', description: '', group: 'general', values: [true, false, 'unknown'], required: true, default: 'unknown' },
    ],
  },
}

export const vocab: VocabularyIndex = indexVocabulary(VOCABULARY)
export { VOCABULARY }
