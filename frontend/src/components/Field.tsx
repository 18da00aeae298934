/** A labelled form control with its hint and the server's (or the form's) message beside it. */
import { cloneElement, isValidElement, useId, type ReactElement, type ReactNode } from 'react'

interface Props {
  /** An id for the control; one is made up when not given. */
  id?: string | undefined
  label: ReactNode
  error?: string | undefined
  hint?: ReactNode
  children: ReactElement<Record<string, unknown>>
  className?: string
}

export function Field({ id: given, label, error, hint, children, className }: Props) {
  const made = useId()
  const id = given ?? made
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  const control = isValidElement(children)
    ? cloneElement(children, { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': described })
    : children
  return (
    <div className={`field${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {control}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  )
}

/** The messages of a refused request that no field claims. */
export function FormErrors({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null
  return (
    <div className="form-errors" role="alert">
      {messages.map((message, i) => (
        <p key={i} className="form-error">
          {message}
        </p>
      ))}
    </div>
  )
}
