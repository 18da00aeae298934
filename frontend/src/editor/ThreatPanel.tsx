/**
 * Threats beside the diagram: those of the selection, or of the whole model, narrowed if asked to
 * a heat-map cell or band and to the work the gates ask for (not triaged, not rated, open). Each
 * row shows the STRIDE letter, the title, its band in the shared palette (and its residual band
 * when a mitigation moved it), status and ATT&CK techniques; activating it highlights the element,
 * flow or path on the canvas and opens the threat drawer. Editors can select rows and act on them
 * together (keep, rate, accept, mitigate).
 */
import { memo, useMemo, useState } from 'react'
import { describeKeys } from '../core/actions'
import { asBand, bandClass, type Thresholds } from '../core/bands'
import { applyFilter, filterLabel, type Measure, type Placement, type ThreatFilter } from '../core/heat-map'
import { needs, NEED_LABEL, riskBand, riskScore, STRIDE_NAMES, threatKeys, threatsFor, type EditorThreat, type Need } from '../core/threats'
import type { DiagramState } from '../core/types'
import { BandChip } from '../workflow/BandChip'
import { BulkBar } from '../workflow/BulkBar'
import { QuestionAnswer, type AnswerQuestion } from '../workflow/QuestionAnswer'
import type { Question } from '../core/questions'
import type { BulkKind } from '../core/bulk'
import { useThreatReasons } from './useThreatReasons'

interface Props {
  threats: readonly EditorThreat[] | null
  loadError: string | null
  analysing: boolean
  state: DiagramState
  selection: ReadonlySet<string>
  scope: 'selection' | 'model'
  onScope: (scope: 'selection' | 'model') => void
  activeThreat: number | null
  onActivate: (threat: EditorThreat | null) => void
  policy: Thresholds
  placements: ReadonlyMap<number, Partial<Record<Measure, Placement>>>
  filter: ThreatFilter | null
  onClearFilter: () => void
  canBulk: boolean
  onBulk: (kind: BulkKind, threats: EditorThreat[]) => void
  /** An unconfirmed threat's questions (empty for a confirmed one). */
  questionsOf: (threat: EditorThreat) => Question[]
  canAnswer: boolean
  onAnswer: AnswerQuestion
}

const NEEDS: Need[] = ['all', 'untriaged', 'unrated', 'open', 'unconfirmed']

export const ThreatPanel = memo(function ThreatPanel({
  threats,
  loadError,
  analysing,
  state,
  selection,
  scope,
  onScope,
  activeThreat,
  onActivate,
  policy,
  placements,
  filter,
  onClearFilter,
  canBulk,
  onBulk,
  questionsOf,
  canAnswer,
  onAnswer,
}: Props) {
  const [need, setNeed] = useState<Need>('all')
  const [checked, setChecked] = useState<ReadonlySet<number>>(new Set())
  const inScope = useMemo(
    () => (threats ? threatsFor(threats, scope === 'model' || filter ? new Set<string>() : selection) : []),
    [threats, scope, selection, filter],
  )
  const shown = useMemo(() => applyFilter(inScope, filter).filter((threat) => needs(threat, need)), [inScope, filter, need])
  // A large model has thousands of threats; rows are added a page at a time, so the panel never
  // puts them all into the page at once.
  const [limit, setLimit] = useState(PAGE)
  const visible = shown.length > limit ? shown.slice(0, limit) : shown
  const picked = useMemo(() => shown.filter((threat) => checked.has(threat.id)), [shown, checked])
  const unconfirmed = useMemo(() => shown.filter((threat) => !threat.confirmed).length, [shown])
  const opened = useMemo(() => threats?.find((threat) => threat.id === activeThreat) ?? null, [threats, activeThreat])
  const reasons = useThreatReasons(opened)
  const heading = filter
    ? 'Threats in the heat-map filter'
    : scope === 'model' || selection.size === 0
      ? 'All threats of the model'
      : `Threats of ${describeKeys(state, selection)}`

  const toggle = (id: number, on: boolean) =>
    setChecked((prev) => {
      const next = new Set(prev)
      if (on) next.add(id)
      else next.delete(id)
      return next
    })

  return (
    <div className="panel-body threat-panel">
      <div className="threat-controls">
        <div className="segmented" role="group" aria-label="Which threats">
          <button type="button" aria-pressed={scope === 'selection' && !filter} onClick={() => onScope('selection')}>
            Selection
          </button>
          <button type="button" aria-pressed={scope === 'model' || Boolean(filter)} onClick={() => onScope('model')}>
            Whole model
          </button>
        </div>
        <label className="need-select">
          <span className="sr-only">Show</span>
          <select value={need} onChange={(event) => setNeed(event.target.value as Need)} aria-label="Show threats that need">
            {NEEDS.map((n) => (
              <option key={n} value={n}>
                {NEED_LABEL[n]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {filter && (
        <p className="filter-chip" role="status">
          <span>
            Heat map: {filterLabel(filter)} <span className="count">{filter.ids.size}</span>
          </span>
          <button type="button" className="small" onClick={onClearFilter}>
            Clear filter
          </button>
        </p>
      )}
      <h2 className="panel-subtitle">
        {heading} <span className="count">({shown.length})</span>
        {unconfirmed > 0 && need !== 'unconfirmed' && (
          <button type="button" className="link small-text unconfirmed-count" onClick={() => setNeed('unconfirmed')}>
            {unconfirmed} unconfirmed
          </button>
        )}
      </h2>
      {analysing && (
        <p className="muted" role="status">
          The analysis of this large model is running; the list updates when it is done.
        </p>
      )}
      {loadError && (
        <p className="form-error" role="alert">
          Threats could not be loaded: {loadError}
        </p>
      )}
      {threats === null && !loadError && <p className="muted">Loading threats…</p>}
      {threats !== null && shown.length === 0 && (
        <p className="muted">
          {threats.length === 0
            ? 'No threats yet. They appear here as soon as the analysis has run on the diagram.'
            : need !== 'all'
              ? `No threat here is ${NEED_LABEL[need].toLowerCase()}.`
              : 'No threats for this selection.'}
        </p>
      )}
      {canBulk && shown.length > 0 && <BulkBar shown={shown} picked={picked} onPick={setChecked} onBulk={onBulk} />}
      <ul className="threat-list" aria-label="Threats">
        {visible.map((threat) => {
          const score = riskScore(threat)
          const band = riskBand(threat, policy)
          const on = threat.id === activeThreat
          const where = threatKeys(threat).filter((key) => state.elements.has(key) || state.flows.has(key))
          const placed = placements.get(threat.id)
          const residual = placed?.verified ?? placed?.projected
          const showResidual = residual && placed?.inherent && residual.score !== placed.inherent.score ? residual : null
          const asks = threat.confirmed ? [] : questionsOf(threat)
          return (
            <li key={threat.id} className="threat-item">
              {canBulk && (
                <input
                  type="checkbox"
                  className="threat-check"
                  aria-label={`Select “${threat.title}”`}
                  checked={checked.has(threat.id)}
                  onChange={(event) => toggle(threat.id, event.target.checked)}
                />
              )}
              <div className="threat-stack">
                <button
                  type="button"
                  className={`threat-row${on ? ' is-active' : ''}${threat.confirmed ? '' : ' is-unconfirmed'}`}
                  aria-pressed={on}
                  onClick={() => onActivate(on ? null : threat)}
                  data-fingerprint={threat.fingerprint}
                  data-threat={threat.id}
                >
                  <span className={`stride stride-${threat.stride}`} title={STRIDE_NAMES[threat.stride] ?? threat.stride} aria-label={STRIDE_NAMES[threat.stride] ?? threat.stride}>
                    {threat.stride}
                  </span>
                  <span className="threat-main">
                    <span className="threat-title">{threat.title}</span>
                    <span className="threat-meta">
                      <span className={`status status-${threat.status}`}>{threat.status.replace(/_/g, ' ')}</span>
                      <span className={`risk band-chip ${bandClass(band, band === 'unrated' || threat.suggested)}`} data-band={band} title={threat.suggested ? 'Likelihood × impact suggested by the rule; not rated yet' : 'Likelihood × impact'}>
                        {score === null ? 'risk not rated' : `risk ${score} (${threat.likelihood}×${threat.impact})${threat.suggested ? ' suggested' : ''}`}
                      </span>
                      {showResidual && <BandChip band={asBand(showResidual.band)} score={showResidual.score} label={placed?.verified ? 'verified' : 'projected'} compact />}
                      {!threat.triaged && !threat.duplicate && threat.status !== 'not_applicable' && <span className="todo">not triaged</span>}
                      {threat.duplicate && <span className="todo">duplicate</span>}
                      {!threat.confirmed && (
                        <span className="unconfirmed-tag" title="Waits on an answer: no ATT&CK claim and one likelihood level lower until it is confirmed">
                          unconfirmed
                        </span>
                      )}
                      {threat.techniques.map((technique) => (
                        <span key={technique} className="technique">
                          {technique}
                        </span>
                      ))}
                      <span className="threat-target">{where.length === 0 ? 'on another diagram' : `on ${targetName(state, threat)}`}</span>
                    </span>
                    {on && reasons.length > 0 && (
                      <span className="threat-why">
                        <span className="sr-only">Why: </span>
                        {reasons.join('; ')}
                      </span>
                    )}
                  </span>
                </button>
                {!threat.confirmed && (
                  <div className="threat-questions" aria-label={`Questions of “${threat.title}”`}>
                    {asks.length > 0
                      ? asks.map((question) => (
                          <QuestionAnswer key={question.id} question={question} canAnswer={canAnswer} onAnswer={onAnswer} />
                        ))
                      : threat.questions.map((text) => (
                          <p key={text} className="question-text small-text">
                            {text}
                          </p>
                        ))}
                  </div>
                )}
              </div>
            </li>
          )
        })}
      </ul>
      {shown.length > visible.length && (
        <button type="button" onClick={() => setLimit((n) => n + PAGE)}>
          Show {Math.min(PAGE, shown.length - visible.length)} more ({shown.length - visible.length} not shown)
        </button>
      )}
    </div>
  )
})

const PAGE = 100

function targetName(state: DiagramState, threat: EditorThreat): string {
  if (threat.flow && state.flows.has(threat.flow)) return describeKeys(state, [threat.flow])
  if (threat.element && state.elements.has(threat.element)) return describeKeys(state, [threat.element])
  return describeKeys(state, threatKeys(threat).filter((key) => state.elements.has(key) || state.flows.has(key)).slice(0, 1))
}
