/** Option lists for the drop-downs (`components/Select`) that several forms share. */
import { LEVEL_NAMES } from './bands'

export interface Option {
  value: string | number
  label: string
}

/** The whole numbers from `from` to `to`, each labelled by `label` (the number itself by default). */
export function numberOptions(from: number, to: number, label: (n: number) => string = String): Option[] {
  const options: Option[] = []
  for (let n = from; n <= to; n += 1) options.push({ value: n, label: label(n) })
  return options
}

/** Values that are their own labels (roles, kinds). */
export function plainOptions(values: readonly string[]): Option[] {
  return values.map((value) => ({ value, label: value }))
}

/** Team members by user name, with their role when the choice depends on it (risk owners). */
export function memberOptions(members: readonly { username: string; role?: string | null }[], withRole = false): Option[] {
  return members.map((m) => ({ value: m.username, label: withRole ? `${m.username} (${m.role ?? 'no role'})` : m.username }))
}

/** Likelihood and impact levels 1–5 with their names. */
export const LEVEL_OPTIONS: readonly Option[] = numberOptions(1, 5, (level) => `${level} · ${LEVEL_NAMES[level]}`)
