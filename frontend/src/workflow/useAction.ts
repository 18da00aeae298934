/**
 * One form's request: busy while it runs, and the server's refusal placed next to the form's
 * fields (or at its top) when it fails. `run` resolves to true when the request succeeded.
 */
import { useCallback, useRef, useState } from 'react'
import { NO_ERRORS, placeErrors, type PlacedErrors } from '../core/form-errors'

export interface Action {
  busy: boolean
  errors: PlacedErrors
  run: (request: () => Promise<unknown>) => Promise<boolean>
  fail: (errors: PlacedErrors) => void
  clear: () => void
}

export function useAction(fields: readonly string[]): Action {
  const [busy, setBusy] = useState(false)
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS)
  const names = useRef(fields)
  names.current = fields
  const run = useCallback(async (request: () => Promise<unknown>) => {
    setBusy(true)
    setErrors(NO_ERRORS)
    try {
      await request()
      return true
    } catch (error) {
      setErrors(placeErrors(error, names.current))
      return false
    } finally {
      setBusy(false)
    }
  }, [])
  const clear = useCallback(() => setErrors(NO_ERRORS), [])
  return { busy, errors, run, fail: setErrors, clear }
}
