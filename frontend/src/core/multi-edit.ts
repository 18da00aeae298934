/**
 * Editing several selected items at once: the fields they share, each with its one value or
 * "mixed", and one change turned into one batch of ops — one undo step, one request, through the
 * same write path as a single edit. Setting "Encrypted" on six flows is then one choice, not six
 * rounds of click-flow, open-panel, pick.
 *
 * A field is shared when every selected item has it: the properties of the vocabulary common to
 * every item's target (a flow and a data store share "encrypted"), and for flows only, their
 * protocol and direction.
 */
import type { Op } from './ops'
import type { DiagramState, PropValue, VocabularyProperty } from './types'
import type { VocabularyIndex } from './validation'

export type Shared<T> = { mixed: false; value: T } | { mixed: true }

/** One value when all are equal (undefined counts as a value: "not set"), otherwise mixed. */
export function shared<T>(values: readonly T[]): Shared<T> {
  const [first, ...rest] = values
  if (values.length === 0 || rest.some((value) => value !== first)) return { mixed: true }
  return { mixed: false, value: first as T }
}

export interface MultiSelection {
  elements: string[]
  flows: string[]
  /** Vocabulary properties every selected item has, in the first item's order (maps left out). */
  specs: VocabularyProperty[]
}

/** What of the selection can be edited together; null when it holds fewer than two items on this diagram. */
export function multiSelection(state: DiagramState, keys: Iterable<string>, vocab: VocabularyIndex): MultiSelection | null {
  const elements: string[] = []
  const flows: string[] = []
  const targets: string[] = []
  for (const key of keys) {
    const element = state.elements.get(key)
    if (element) {
      elements.push(key)
      targets.push(element.kind)
    } else if (state.flows.has(key)) {
      flows.push(key)
      targets.push('flow')
    }
  }
  if (elements.length + flows.length < 2) return null
  const [first, ...others] = [...new Set(targets)]
  const specs = [...(vocab.get(first ?? '')?.values() ?? [])].filter(
    (spec) => spec.type !== 'map' && others.every((target) => vocab.get(target)?.get(spec.name)?.type === spec.type),
  )
  return { elements, flows, specs }
}

/** The values of one property across the selection (undefined: not set). */
export function sharedProperty(state: DiagramState, selection: MultiSelection, name: string): Shared<PropValue | undefined> {
  return shared([
    ...selection.elements.map((key) => state.elements.get(key)?.properties[name]),
    ...selection.flows.map((key) => state.flows.get(key)?.properties[name]),
  ])
}

export function sharedFlowField<F extends 'protocol' | 'bidirectional'>(state: DiagramState, selection: MultiSelection, field: F): Shared<string | boolean | undefined> {
  return shared(selection.flows.map((key) => state.flows.get(key)?.[field]))
}

/** One property set (null: back to not set) on every selected item that does not already have it. */
export function setPropertyOps(state: DiagramState, selection: MultiSelection, name: string, value: PropValue | null): Op[] {
  const ops: Op[] = []
  const differs = (current: PropValue | undefined) => (value === null ? current !== undefined : current !== value)
  for (const key of selection.elements) {
    if (differs(state.elements.get(key)?.properties[name])) ops.push({ op: 'update_element', key, properties: { [name]: value } })
  }
  for (const key of selection.flows) {
    if (differs(state.flows.get(key)?.properties[name])) ops.push({ op: 'update_flow', key, properties: { [name]: value } })
  }
  return ops
}

/** The protocol or direction set on every selected flow that differs. */
export function setFlowFieldOps(state: DiagramState, selection: MultiSelection, change: { protocol: string } | { bidirectional: boolean }): Op[] {
  const [field, value] = Object.entries(change)[0] as ['protocol' | 'bidirectional', string | boolean]
  return selection.flows.filter((key) => state.flows.get(key)?.[field] !== value).map((key) => ({ op: 'update_flow', key, ...change }) as Op)
}
