/**
 * Re-applying the user's unsaved edits on a newer document after a 409.
 *
 * The server refuses a batch made on a stale version instead of merging it blindly. The editor
 * then reloads the diagram and replays each pending op on it, one by one: whatever still applies
 * is kept (last writer wins per property; the user's own intent is re-sent), whatever no longer
 * applies — an update of an element someone deleted, a flow to a vanished process — is dropped and
 * reported in words. Ops whose effect is already there (a batch that did reach the server before
 * its answer was lost) are recognised and skipped silently, so nothing is applied twice.
 */
import { applyOps, type Op } from './ops'
import type { DiagramState } from './types'
import type { VocabularyIndex } from './validation'

export interface PendingEdit {
  id: number
  label: string
  ops: Op[]
}

export interface DroppedOp {
  edit: PendingEdit
  op: Op
  reason: string
}

export interface RebaseResult {
  state: DiagramState
  kept: PendingEdit[]
  dropped: DroppedOp[]
}

export function rebase(base: DiagramState, edits: readonly PendingEdit[], vocab?: VocabularyIndex): RebaseResult {
  let state = base
  const kept: PendingEdit[] = []
  const dropped: DroppedOp[] = []
  for (const edit of edits) {
    const ops: Op[] = []
    for (const op of edit.ops) {
      if (alreadyApplied(state, op)) continue
      const result = applyOps(state, [op], vocab)
      const error = result.errors[0]
      if (error) {
        dropped.push({ edit, op, reason: error.message })
      } else {
        state = result.state
        ops.push(op)
      }
    }
    if (ops.length > 0) kept.push({ ...edit, ops })
  }
  return { state, kept, dropped }
}

/** True when the op's effect is already in `state`: re-sending it would fail or do nothing. */
function alreadyApplied(state: DiagramState, op: Op): boolean {
  switch (op.op) {
    case 'add_element': {
      const existing = state.elements.get(op.key)
      return existing !== undefined && existing.kind === op.kind && existing.name === op.name.trim()
    }
    case 'add_flow': {
      const existing = state.flows.get(op.key)
      return existing !== undefined && existing.source === op.source && existing.target === op.target
    }
    // A delete whose target is already gone has had its effect: deletes win.
    case 'delete_element':
      return !state.elements.has(op.key)
    case 'delete_flow':
      return !state.flows.has(op.key)
    default:
      return false
  }
}

/** One sentence per dropped op, for the notice the user reads. */
export function describeDropped(dropped: readonly DroppedOp[]): string[] {
  return dropped.map(({ edit, reason }) => `${edit.label}: ${reason}.`)
}
