/** The room's own work in one dialog: the threats people wrote, the model's About, the assumptions. */
import { useMemo, useState } from 'react'
import type { EditorThreat } from '../core/threats'
import { STRIDE_NAMES, type SubjectOption } from '../core/threat-statement'
import { Modal } from '../workflow/Modal'
import { AboutPanel } from './AboutPanel'
import { AssumptionsPanel } from './AssumptionsPanel'
import type { RoomThreat } from './roomApi'
import { RiskPolicyPanel } from './RiskPolicyPanel'
import { TeamPanel } from './TeamPanel'
import { ThreatFormPanel } from './ThreatFormPanel'

export type WorkshopTab = 'threats' | 'about' | 'assumptions' | 'team' | 'policy'

interface Props {
  modelId: number
  canEdit: boolean
  /** The model's team, whether the user owns it, and their name (for the Team tab). */
  team: { id: number; isOwner: boolean; me: string } | null
  initialTab: WorkshopTab
  /** Open the form for a new threat at once. */
  startNew?: boolean
  subjects: readonly SubjectOption[]
  threats: readonly EditorThreat[]
  nameOf: (key: string) => string
  onThreatSaved: (row: RoomThreat) => void
  onThreatDeleted: (id: number) => void
  onOpenThreat: (id: number) => void
  onReopened: (ids: number[]) => void
  /** Bands changed (a new risk policy): the heat map and gates reload. */
  onModelChanged: () => void
  onClose: () => void
}

const TABS: [WorkshopTab, string][] = [
  ['threats', 'Our threats'],
  ['about', 'About'],
  ['assumptions', 'Assumptions'],
  ['team', 'Team'],
  ['policy', 'Risk policy'],
]

export function WorkshopDialog(props: Props) {
  const { modelId, canEdit, subjects, threats, nameOf } = props
  const [tab, setTab] = useState<WorkshopTab>(props.initialTab)
  const [form, setForm] = useState<number | 'new' | null>(props.startNew ? 'new' : null)
  const manual = useMemo(() => threats.filter((t) => !t.ruleId && t.status !== 'obsolete'), [threats])

  return (
    <Modal title="Workshop" onClose={props.onClose} wide closeOnBackdrop={false}>
      <div className="tabs" role="tablist" aria-label="Workshop">
        {TABS.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} className={tab === id ? 'is-active' : ''} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      <div className="workshop-body" role="tabpanel">
        {tab === 'team' && (props.team ? <TeamPanel teamId={props.team.id} isOwner={props.team.isOwner} me={props.team.me} /> : <p className="muted">No team.</p>)}
        {tab === 'policy' && (props.team ? <RiskPolicyPanel teamId={props.team.id} isOwner={props.team.isOwner} onChanged={props.onModelChanged} /> : <p className="muted">No team.</p>)}
        {tab === 'about' && <AboutPanel modelId={modelId} canEdit={canEdit} />}
        {tab === 'assumptions' && (
          <AssumptionsPanel modelId={modelId} canEdit={canEdit} subjects={subjects} threats={threats} nameOf={nameOf} onReopened={props.onReopened} />
        )}
        {tab === 'threats' &&
          (form !== null ? (
            <ThreatFormPanel
              key={String(form)}
              modelId={modelId}
              threatId={form === 'new' ? null : form}
              subjects={subjects}
              onSaved={(row) => {
                props.onThreatSaved(row)
                setForm(null)
              }}
              onDeleted={(id) => {
                props.onThreatDeleted(id)
                setForm(null)
              }}
              onCancel={() => setForm(null)}
            />
          ) : (
            <div className="room-threats">
              <p className="muted">Threats the room wrote itself, beside the generated ones. They are never made obsolete by a re-analysis.</p>
              {manual.length === 0 && <p className="muted">None yet.</p>}
              <ul className="assumption-list">
                {manual.map((t) => (
                  <li key={t.id}>
                    <div>
                      <span className="chip" title={STRIDE_NAMES[t.stride]}>
                        {t.stride}
                      </span>{' '}
                      {t.title}
                    </div>
                    <div className="muted">
                      {(t.element ?? t.flow) ? nameOf(t.element ?? t.flow ?? '') : 'The model as a whole'} · {t.status.replace('_', ' ')}
                    </div>
                    <div className="row-actions">
                      <button type="button" className="small" onClick={() => props.onOpenThreat(t.id)}>
                        Open
                      </button>
                      {canEdit && (
                        <button type="button" className="small" onClick={() => setForm(t.id)}>
                          Edit
                        </button>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
              {canEdit && (
                <button type="button" className="primary" onClick={() => setForm('new')}>
                  Write a threat
                </button>
              )}
            </div>
          ))}
      </div>
    </Modal>
  )
}
