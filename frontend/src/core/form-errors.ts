/**
 * A refused request's errors, placed next to the fields they name.
 *
 * The API answers every 4xx as `{error: {code, message, details: [{path, message}]}}`; a path names
 * the field at fault (`expires_on`, `owasp.likelihood.motive`, `threats[3]`). A form lists the
 * fields it shows; each detail goes to the field its path starts with, and what fits no field is
 * shown at the top of the form together with the error's message, so nothing the server said is
 * lost.
 */

export interface DetailLike {
  path: string
  message: string
}

export interface ErrorLike {
  message: string
  details?: readonly DetailLike[]
}

export interface PlacedErrors {
  /** field path → its message(s), joined. */
  fields: Record<string, string>
  /** The error's message and the details no field of the form claims. */
  general: string[]
}

export const NO_ERRORS: PlacedErrors = { fields: {}, general: [] }

/** Does `path` belong to `field`? (`owasp.impact.x` belongs to `owasp.impact` and to `owasp`.) */
export function pathIn(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`)
}

export function placeErrors(error: unknown, fields: readonly string[]): PlacedErrors {
  if (!isErrorLike(error)) return { fields: {}, general: ['Something went wrong.'] }
  const out: PlacedErrors = { fields: {}, general: [error.message] }
  // The most specific field wins: `owasp.impact` before `owasp`.
  const bySpecificity = [...fields].sort((a, b) => b.length - a.length)
  for (const detail of error.details ?? []) {
    const field = bySpecificity.find((name) => pathIn(detail.path, name))
    if (field === undefined) {
      out.general.push(detail.path ? `${detail.path}: ${detail.message}` : detail.message)
      continue
    }
    const text = detail.path === field ? detail.message : `${detail.path.slice(field.length).replace(/^\./, '')}: ${detail.message}`
    out.fields[field] = out.fields[field] ? `${out.fields[field]} ${text}` : text
  }
  return out
}

function isErrorLike(error: unknown): error is ErrorLike {
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string'
}
