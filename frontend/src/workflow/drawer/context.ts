/** What every section of the threat drawer needs: who is looking, what they may do, and the catalogues. */
import { createContext, useContext } from 'react'
import type { Assessment, Control, Membership, Mitigation } from '../../api/workflow'
import type { Capabilities } from '../../core/workflow'

export interface DrawerContextValue {
  threatId: number
  modelId: number
  username: string
  caps: Capabilities
  members: readonly Membership[]
  controls: readonly Control[]
  assessment: Assessment
  /** Every mitigation of the model (to link an existing one). */
  modelMitigations: readonly Mitigation[]
  /** The rule's suggested controls and mitigation text, when the threat comes from a rule. */
  rule: { controls: string[]; mitigation: string } | null
  /** Reload the drawer and tell the workspace (gates, heat map, threat list) something changed. */
  changed: () => void
}

export const DrawerContext = createContext<DrawerContextValue | null>(null)

export function useDrawer(): DrawerContextValue {
  const value = useContext(DrawerContext)
  if (!value) throw new Error('useDrawer outside the threat drawer')
  return value
}
