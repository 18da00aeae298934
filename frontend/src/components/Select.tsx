/**
 * A drop-down over a list of options — the form every picker in the app has (team, owner, level,
 * role, stage) — so each dialog names its options instead of spelling out the same markup. The id
 * and ARIA attributes a `Field` hands its control pass through to the `<select>`.
 */
import type { ReactNode, SelectHTMLAttributes } from 'react'
import type { Option } from '../core/options'
import { Field } from './Field'

type Props = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'children'> & {
  value: string | number
  options: readonly Option[]
  /** A first option with the empty value ("— choose —", "Detect from the content"). */
  empty?: string
  onChange: (value: string) => void
  children?: ReactNode
}

export function Select({ value, options, empty, onChange, children, ...rest }: Props) {
  return (
    <select {...rest} value={value} onChange={(event) => onChange(event.target.value)}>
      {empty !== undefined && <option value="">{empty}</option>}
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
      {children}
    </select>
  )
}

interface TeamFieldProps {
  teams: readonly { id: number; name: string }[]
  team: number | null
  onChange: (team: number) => void
}

/** Which team a new model belongs to; shown only to someone in more than one team. */
export function TeamField({ teams, team, onChange }: TeamFieldProps) {
  if (teams.length < 2) return null
  return (
    <Field label="Team">
      <Select value={team ?? ''} options={teams.map((t) => ({ value: t.id, label: t.name }))} onChange={(value) => onChange(Number(value))} />
    </Field>
  )
}
