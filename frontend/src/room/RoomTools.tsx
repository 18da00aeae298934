/**
 * The toolbar's Workshop menu, the entry to the room's own work: the Workshop dialog (our threats,
 * writing one, About, assumptions) and the attack-path panel that outlines a path on the canvas.
 */
import { useCallback, useMemo, useState } from 'react'
import { useDismissableMenu } from '../components/useDismissableMenu'
import type { ApiThreat } from '../api/workflow'
import { subjectOptions } from '../core/threat-statement'
import type { WorkspaceState, WorkspaceStore } from '../core/workspace-store'
import { AttackPathsPanel } from './AttackPathsPanel'
import type { RoomThreat } from './roomApi'
import { WorkshopDialog, type WorkshopTab } from './WorkshopDialog'

interface Props {
  store: WorkspaceStore
  state: WorkspaceState
  modelId: number
  canEdit: boolean
  nameOf: (key: string) => string
  onThreatChanged: (row: ApiThreat) => void
  /** Threats changed across the model (a falsified assumption reopened some). */
  onModelWide: () => void
  onHighlight: (keys: ReadonlySet<string> | null) => void
  /** The signed-in user's name and role in the model's team. */
  me: string
  role: string | null
}

export function RoomTools({ store, state, modelId, canEdit, nameOf, onThreatChanged, onModelWide, onHighlight, me, role }: Props) {
  const [workshop, setWorkshop] = useState<{ tab: WorkshopTab; startNew: boolean } | null>(null)
  const [paths, setPaths] = useState(false)
  const menu = useDismissableMenu()
  const subjects = useMemo(() => subjectOptions(state.doc?.diagrams ?? []), [state.doc])
  const threats = state.threats ?? []
  const openThreat = useCallback((id: number) => store.dispatch({ type: 'threatOpened', threatId: id }), [store])

  const deleted = (id: number) => {
    const list = (state.threats ?? []).filter((t) => t.id !== id)
    store.dispatch({ type: 'threatsReplaced', threats: list, version: state.threatsVersion })
    if (state.drawer?.threatId === id) store.dispatch({ type: 'drawerClosed' })
    onModelWide()
  }

  return (
    <>
      <details className="menu room-menu" ref={menu}>
        <summary title="The room's own threats, the model's About, assumptions and attack paths">Workshop</summary>
        <div className="menu-items" role="menu" onClick={(event) => (event.target as HTMLElement).closest('details')?.removeAttribute('open')}>
          <button type="button" role="menuitem" onClick={() => setWorkshop({ tab: 'threats', startNew: false })}>
            Our threats
          </button>
          {canEdit && (
            <button type="button" role="menuitem" onClick={() => setWorkshop({ tab: 'threats', startNew: true })}>
              Write a threat…
            </button>
          )}
          <button type="button" role="menuitem" onClick={() => setWorkshop({ tab: 'about', startNew: false })}>
            About the model
          </button>
          <button type="button" role="menuitem" onClick={() => setWorkshop({ tab: 'assumptions', startNew: false })}>
            Assumptions
          </button>
          <button type="button" role="menuitem" onClick={() => setWorkshop({ tab: 'team', startNew: false })}>
            Team and roles
          </button>
          <button type="button" role="menuitem" onClick={() => setWorkshop({ tab: 'policy', startNew: false })}>
            Risk policy
          </button>
          <button type="button" role="menuitem" aria-pressed={paths} onClick={() => setPaths((on) => !on)}>
            {paths ? 'Hide attack paths' : 'Attack paths'}
          </button>
        </div>
      </details>
      {workshop && (
        <WorkshopDialog
          modelId={modelId}
          canEdit={canEdit}
          team={state.doc ? { id: state.doc.team, isOwner: role === 'owner', me } : null}
          initialTab={workshop.tab}
          startNew={workshop.startNew}
          subjects={subjects}
          threats={threats}
          nameOf={nameOf}
          onThreatSaved={(row: RoomThreat) => {
            onThreatChanged(row)
            onModelWide()
          }}
          onThreatDeleted={deleted}
          onOpenThreat={(id) => {
            setWorkshop(null)
            openThreat(id)
          }}
          onReopened={(ids) => ids.length && onModelWide()}
          onModelChanged={onModelWide}
          onClose={() => setWorkshop(null)}
        />
      )}
      {paths && (
        <AttackPathsPanel
          modelId={modelId}
          threats={threats}
          nameOf={nameOf}
          onHighlight={onHighlight}
          onOpenThreat={openThreat}
          onClose={() => setPaths(false)}
        />
      )}
    </>
  )
}
