/**
 * What opens over or beside the diagram, each from the store: the threat drawer, a bulk action on
 * the selected threats, the coverage view, the report and history. Changes made in them are
 * reported back: a threat the drawer changed comes with its fresh row, a bulk action has the
 * list catch up, a coverage note changes the gates only.
 */
import type { ApiThreat } from '../api/workflow'
import { asBand } from '../core/bands'
import type { Measure, Placement } from '../core/heat-map'
import type { Capabilities } from '../core/workflow'
import type { DecisionPolicy } from '../core/decision-form'
import type { WorkspaceState, WorkspaceStore } from '../core/workspace-store'
import { ReportDialog } from '../interop/ReportDialog'
import { BulkDialog } from '../workflow/BulkDialog'
import { CoverageView } from '../workflow/CoverageView'
import { ThreatDrawer, type DrawerQuestions } from '../workflow/drawer/ThreatDrawer'
import { VersionsDialog } from '../workflow/VersionsDialog'

interface Common {
  store: WorkspaceStore
  state: WorkspaceState
  modelId: number
  caps: Capabilities
}

interface DrawerProps extends Common {
  username: string
  nameOf: (key: string) => string
  onThreatChanged: (row: ApiThreat) => void
  onChanged: () => void
  questions: DrawerQuestions
}

export function WorkspaceDrawer({ store, state, modelId, caps, username, nameOf, onThreatChanged, onChanged, questions }: DrawerProps) {
  const { drawer } = state
  if (!drawer) return null
  return (
    <ThreatDrawer
      key={drawer.threatId}
      threatId={drawer.threatId}
      modelId={modelId}
      username={username}
      caps={caps}
      members={state.members}
      controls={state.controls}
      threats={state.threats ?? []}
      nameOf={nameOf}
      questions={questions}
      focusMitigation={drawer.mitigation}
      onClose={() => store.dispatch({ type: 'drawerClosed' })}
      onChanged={onChanged}
      onThreatChanged={onThreatChanged}
      onOpenCoverage={(target, stride) => store.dispatch({ type: 'coverageOpened', focus: { target, stride } })}
      onOpenAudit={() => store.dispatch({ type: 'historyOpened', tab: 'audit' })}
    />
  )
}

interface DialogProps extends Common {
  canWrite: boolean
  policy: DecisionPolicy | null
  placements: ReadonlyMap<number, Partial<Record<Measure, Placement>>>
  /** After a bulk action: the threats it changed, and the workflow. */
  onBulkDone: () => void
  refreshWorkflow: () => void
}

export function WorkspaceDialogs({ store, state, modelId, caps, canWrite, policy, placements, onBulkDone, refreshWorkflow }: DialogProps) {
  const { bulk, coverage, reportOpen, history } = state
  return (
    <>
      {bulk && (
        <BulkDialog
          kind={bulk.kind}
          threats={bulk.threats}
          modelId={modelId}
          members={state.members}
          controls={state.controls}
          policy={policy ?? { acceptance_max_days: 365, exception_max_days: 90 }}
          projectedBand={(id) => asBand(placements.get(id)?.projected?.band)}
          onClose={() => store.dispatch({ type: 'bulkClosed' })}
          onDone={onBulkDone}
        />
      )}
      {coverage !== false && (
        <CoverageView
          modelId={modelId}
          canEdit={caps.edit}
          focus={coverage}
          onOpenThreat={(id) => {
            store.dispatch({ type: 'coverageClosed' })
            store.dispatch({ type: 'threatOpened', threatId: id })
          }}
          onClose={() => store.dispatch({ type: 'coverageClosed' })}
          onChanged={refreshWorkflow}
        />
      )}
      {reportOpen && <ReportDialog modelId={modelId} onClose={() => store.dispatch({ type: 'reportClosed' })} />}
      {history && <VersionsDialog modelId={modelId} canSave={canWrite} initialTab={history} onClose={() => store.dispatch({ type: 'historyClosed' })} />}
    </>
  )
}
