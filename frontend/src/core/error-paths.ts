/**
 * Maps the server's error paths back to what the user edited. A refused batch answers
 * `details: [{path: "ops[3].properties.encrypted", message}]`; the editor knows which edit put
 * op 3 in the batch and which element or flow it was about, so the message can sit next to the
 * field the user touched.
 */
import type { Op } from './ops'

export interface ErrorDetail {
  path: string
  message: string
}

export interface OpErrorRef {
  /** Index of the op in the batch. */
  index: number
  /** The op's field at fault: "properties.encrypted", "name", or "" for the op as a whole. */
  field: string
  message: string
}

const OP_PATH = /^ops\[(\d+)\](?:\.(.+))?$/

export function parseOpErrors(details: readonly ErrorDetail[]): { ops: OpErrorRef[]; other: ErrorDetail[] } {
  const ops: OpErrorRef[] = []
  const other: ErrorDetail[] = []
  for (const detail of details) {
    const match = OP_PATH.exec(detail.path)
    if (match) ops.push({ index: Number(match[1]), field: match[2] ?? '', message: detail.message })
    else other.push(detail)
  }
  return { ops, other }
}

/** A field error as the property panel shows it: on element/flow `key`, field `field`. */
export interface FieldError {
  key: string
  field: string
  message: string
}

export function fieldErrorFor(op: Op, ref: OpErrorRef): FieldError {
  return { key: op.key, field: ref.field || 'key', message: ref.message }
}
