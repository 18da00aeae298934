/**
 * Diagram operations: the same objects the server applies (docs/operations.md), and a pure
 * mirror of the server's rules so the editor can apply an edit at once, invert it for undo and
 * re-apply it on a newer document after a conflict.
 *
 * The server stays authoritative; this mirror exists so the canvas never waits for the network
 * and so a refused re-application can be explained to the user in words.
 */
import { isBoundary, type DiagramState, type Element, type ElementKind, type Flow, type PropValue } from './types'
import { checkProperties, type VocabularyIndex } from './validation'

export interface AddElementOp {
  op: 'add_element'
  key: string
  kind: ElementKind
  name: string
  description?: string
  properties?: Record<string, PropValue>
  parent?: string | null
  x?: number
  y?: number
  width?: number | null
  height?: number | null
}
export interface UpdateElementOp {
  op: 'update_element'
  key: string
  name?: string
  description?: string
  /** Merged property by property; null removes a property (back to "never set"). */
  properties?: Record<string, PropValue | null>
}
export interface MoveElementOp {
  op: 'move_element'
  key: string
  x: number
  y: number
  width?: number | null
  height?: number | null
}
export interface SetParentOp {
  op: 'set_parent'
  key: string
  parent: string | null
  x?: number
  y?: number
}
export interface DeleteElementOp {
  op: 'delete_element'
  key: string
}
export interface AddFlowOp {
  op: 'add_flow'
  key: string
  source: string
  target: string
  label?: string
  protocol?: string
  bidirectional?: boolean
  description?: string
  properties?: Record<string, PropValue>
}
export interface UpdateFlowOp {
  op: 'update_flow'
  key: string
  source?: string
  target?: string
  label?: string
  protocol?: string
  bidirectional?: boolean
  description?: string
  properties?: Record<string, PropValue | null>
}
export interface DeleteFlowOp {
  op: 'delete_flow'
  key: string
}

export type Op =
  | AddElementOp
  | UpdateElementOp
  | MoveElementOp
  | SetParentOp
  | DeleteElementOp
  | AddFlowOp
  | UpdateFlowOp
  | DeleteFlowOp

/** A refused operation: `field` is the op's field at fault ("properties.encrypted", "key"…). */
export interface OpError {
  index: number
  field: string
  message: string
}

export interface ApplyResult {
  state: DiagramState
  errors: OpError[]
}

// The server's limits (dfd/limits.py); dfd/tests/test_frontend_ops_contract.py holds these to them.
export const KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,79}$'
export const KEY_RE = new RegExp(KEY_PATTERN)
export const NAME_MAX = 200
export const LABEL_MAX = 200
export const PROTOCOL_MAX = 60
export const DESCRIPTION_MAX = 10_000
export const MAX_COORD = 1_000_000

class OpFailure extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
  }
}

/** A working copy whose maps are copied once per batch, not once per operation. */
interface Work {
  elements: Map<string, Element>
  flows: Map<string, Flow>
  keysElsewhere: ReadonlySet<string>
}

/**
 * Apply `ops` in order. Like the server, an invalid op is reported and skipped; callers that need
 * all-or-nothing check `errors` and keep the old state.
 */
export function applyOps(state: DiagramState, ops: readonly Op[], vocab?: VocabularyIndex): ApplyResult {
  const work: Work = { elements: new Map(state.elements), flows: new Map(state.flows), keysElsewhere: state.keysElsewhere }
  const errors: OpError[] = []
  ops.forEach((op, index) => {
    try {
      applyOne(work, op, vocab)
    } catch (error) {
      if (!(error instanceof OpFailure)) throw error
      errors.push({ index, field: error.field, message: error.message })
    }
  })
  return { state: work, errors }
}

/** Apply one op, or say in words why it cannot be applied (null when it can). */
export function tryApply(state: DiagramState, op: Op, vocab?: VocabularyIndex): { state: DiagramState; error: string | null } {
  const result = applyOps(state, [op], vocab)
  const error = result.errors[0]
  return error ? { state, error: error.message } : { state: result.state, error: null }
}

function applyOne(work: Work, op: Op, vocab?: VocabularyIndex): void {
  switch (op.op) {
    case 'add_element': {
      requireFreeKey(work, op.key)
      if (!['external_entity', 'process', 'data_store', 'trust_boundary'].includes(op.kind)) {
        throw new OpFailure('kind', `unknown kind ${String(op.kind)}`)
      }
      const name = text(op.name, 'name', NAME_MAX, true)
      const properties = props(op.kind, op.properties ?? {}, vocab, false) as Record<string, PropValue>
      const parent = op.parent ?? null
      if (parent !== null) requireBoundary(work, parent, 'parent')
      work.elements.set(op.key, {
        key: op.key,
        kind: op.kind,
        name,
        description: text(op.description ?? '', 'description', DESCRIPTION_MAX),
        properties,
        parent,
        x: coord(op.x),
        y: coord(op.y),
        width: size(op.width, 'width'),
        height: size(op.height, 'height'),
      })
      return
    }
    case 'update_element': {
      const before = element(work, op.key)
      let after: Element = before
      if (op.name !== undefined) after = { ...after, name: text(op.name, 'name', NAME_MAX, true) }
      if (op.description !== undefined) after = { ...after, description: text(op.description, 'description', DESCRIPTION_MAX) }
      if (op.properties !== undefined) {
        after = { ...after, properties: merge(before.properties, props(before.kind, op.properties, vocab, true)) }
      }
      work.elements.set(op.key, after)
      return
    }
    case 'move_element': {
      const before = element(work, op.key)
      let after: Element = { ...before, x: coord(op.x), y: coord(op.y) }
      if (op.width !== undefined) after = { ...after, width: size(op.width, 'width') }
      if (op.height !== undefined) after = { ...after, height: size(op.height, 'height') }
      work.elements.set(op.key, after)
      return
    }
    case 'set_parent': {
      const before = element(work, op.key)
      const parent = op.parent
      if (parent !== null) {
        if (parent === op.key) throw new OpFailure('parent', 'an element cannot be its own parent')
        requireBoundary(work, parent, 'parent')
        if (isDescendant(work.elements, parent, op.key)) {
          throw new OpFailure('parent', `“${label(work, parent)}” is inside “${before.name}”; a boundary cannot be nested in itself`)
        }
      }
      work.elements.set(op.key, {
        ...before,
        parent,
        x: op.x !== undefined ? coord(op.x) : before.x,
        y: op.y !== undefined ? coord(op.y) : before.y,
      })
      return
    }
    case 'delete_element': {
      const before = element(work, op.key)
      for (const [key, flow] of work.flows) {
        if (flow.source === op.key || flow.target === op.key) work.flows.delete(key)
      }
      // Children of a deleted boundary move up to its parent and stay where they were on screen.
      for (const [key, child] of work.elements) {
        if (child.parent === op.key) {
          work.elements.set(key, { ...child, parent: before.parent, x: child.x + before.x, y: child.y + before.y })
        }
      }
      work.elements.delete(op.key)
      return
    }
    case 'add_flow': {
      requireFreeKey(work, op.key)
      requireEndpoint(work, op.source, 'source')
      requireEndpoint(work, op.target, 'target')
      if (op.source === op.target) throw new OpFailure('target', 'a flow must connect two different elements')
      work.flows.set(op.key, {
        key: op.key,
        source: op.source,
        target: op.target,
        label: text(op.label ?? '', 'label', LABEL_MAX),
        protocol: text(op.protocol ?? '', 'protocol', PROTOCOL_MAX),
        bidirectional: op.bidirectional ?? false,
        description: text(op.description ?? '', 'description', DESCRIPTION_MAX),
        properties: props('flow', op.properties ?? {}, vocab, false) as Record<string, PropValue>,
      })
      return
    }
    case 'update_flow': {
      const before = work.flows.get(op.key)
      if (!before) throw new OpFailure('key', `the flow ${op.key} no longer exists`)
      let after: Flow = before
      if (op.source !== undefined) {
        requireEndpoint(work, op.source, 'source')
        after = { ...after, source: op.source }
      }
      if (op.target !== undefined) {
        requireEndpoint(work, op.target, 'target')
        after = { ...after, target: op.target }
      }
      if (after.source === after.target) throw new OpFailure('target', 'a flow must connect two different elements')
      if (op.label !== undefined) after = { ...after, label: text(op.label, 'label', LABEL_MAX) }
      if (op.protocol !== undefined) after = { ...after, protocol: text(op.protocol, 'protocol', PROTOCOL_MAX) }
      if (op.bidirectional !== undefined) after = { ...after, bidirectional: op.bidirectional }
      if (op.description !== undefined) after = { ...after, description: text(op.description, 'description', DESCRIPTION_MAX) }
      if (op.properties !== undefined) after = { ...after, properties: merge(before.properties, props('flow', op.properties, vocab, true)) }
      work.flows.set(op.key, after)
      return
    }
    case 'delete_flow': {
      if (!work.flows.has(op.key)) throw new OpFailure('key', `the flow ${op.key} no longer exists`)
      work.flows.delete(op.key)
      return
    }
  }
}

function merge(before: Readonly<Record<string, PropValue>>, patch: Record<string, PropValue | null>): Record<string, PropValue> {
  const merged: Record<string, PropValue> = { ...before }
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete merged[name]
    else merged[name] = value
  }
  return merged
}

function props(
  target: string,
  values: Record<string, PropValue | null>,
  vocab: VocabularyIndex | undefined,
  allowUnset: boolean,
): Record<string, PropValue | null> {
  if (vocab) {
    const problems = checkProperties(vocab, target, values, allowUnset)
    const first = Object.entries(problems)[0]
    if (first) throw new OpFailure(`properties.${first[0]}`, first[1])
  }
  return { ...values }
}

function text(value: string, field: string, max: number, required = false): string {
  const result = field === 'name' ? value.trim() : value
  if (required && !result) throw new OpFailure(field, 'must not be empty')
  if (result.length > max) throw new OpFailure(field, `must be at most ${max} characters (got ${result.length})`)
  return result
}

function coord(value: number | undefined): number {
  if (value === undefined) return 0
  if (!Number.isFinite(value) || Math.abs(value) > MAX_COORD) throw new OpFailure('x', `must be a finite number within ±${MAX_COORD}`)
  return value
}

function size(value: number | null | undefined, field: string): number | null {
  if (value === undefined || value === null) return null
  if (!Number.isFinite(value) || value <= 0) throw new OpFailure(field, 'must be greater than 0')
  return value
}

function element(work: Work, key: string): Element {
  const found = work.elements.get(key)
  if (!found) throw new OpFailure('key', `the element ${key} no longer exists`)
  return found
}

function label(work: Work, key: string): string {
  return work.elements.get(key)?.name ?? key
}

function requireFreeKey(work: Work, key: string): void {
  if (!KEY_RE.test(key)) throw new OpFailure('key', 'must be 1-80 characters: letters, digits and _ . : -')
  if (work.elements.has(key) || work.flows.has(key) || work.keysElsewhere.has(key)) {
    throw new OpFailure('key', `the key ${key} is already used`)
  }
}

function requireBoundary(work: Work, key: string, field: string): void {
  const found = work.elements.get(key)
  if (!found) throw new OpFailure(field, `the boundary ${key} no longer exists`)
  if (!isBoundary(found)) throw new OpFailure(field, `“${found.name}” is not a trust boundary`)
}

function requireEndpoint(work: Work, key: string, field: string): void {
  const found = work.elements.get(key)
  if (!found) throw new OpFailure(field, `the element ${key} no longer exists`)
  if (isBoundary(found)) throw new OpFailure(field, 'flows connect entities, processes and stores, not boundaries')
}

/** True when `candidate` sits, at any depth, inside element `of` (or is it). */
export function isDescendant(elements: ReadonlyMap<string, Element>, candidate: string, of: string): boolean {
  const seen = new Set<string>()
  let current: string | null = candidate
  while (current !== null && !seen.has(current)) {
    if (current === of) return true
    seen.add(current)
    current = elements.get(current)?.parent ?? null
  }
  return false
}

/** The key an operation is about (every op has one). */
export const opKey = (op: Op): string => op.key
