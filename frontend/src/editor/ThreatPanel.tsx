/**
 * Threats beside the diagram: those of the selection, or of the whole model. Each row shows the
 * STRIDE letter, the title, ATT&CK techniques, status and risk; activating it highlights the
 * element, flow or path it is about on the canvas.
 */
import { memo, useMemo, useState } from 'react'
import { describeKeys } from '../core/actions'
import { riskBand, riskScore, STRIDE_NAMES, threatKeys, threatsFor, type EditorThreat } from '../core/threats'
import type { DiagramState } from '../core/types'

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
}

export const ThreatPanel = memo(function ThreatPanel({ threats, loadError, analysing, state, selection, scope, onScope, activeThreat, onActivate }: Props) {
  const shown = useMemo(() => (threats ? threatsFor(threats, scope === 'model' ? new Set<string>() : selection) : []), [threats, scope, selection])
  // A large model has thousands of threats; rows are added a page at a time, so the panel never
  // puts them all into the page at once.
  const [limit, setLimit] = useState(PAGE)
  const visible = shown.length > limit ? shown.slice(0, limit) : shown
  const heading = scope === 'model' || selection.size === 0 ? 'All threats of the model' : `Threats of ${describeKeys(state, selection)}`
  return (
    <div className="panel-body threat-panel">
      <div className="segmented" role="group" aria-label="Which threats">
        <button type="button" aria-pressed={scope === 'selection'} onClick={() => onScope('selection')}>
          Selection
        </button>
        <button type="button" aria-pressed={scope === 'model'} onClick={() => onScope('model')}>
          Whole model
        </button>
      </div>
      <h2 className="panel-subtitle">
        {heading} <span className="count">({shown.length})</span>
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
            : 'No threats for this selection.'}
        </p>
      )}
      <ul className="threat-list" aria-label="Threats">
        {visible.map((threat) => {
          const score = riskScore(threat)
          const band = riskBand(threat)
          const on = threat.id === activeThreat
          const where = threatKeys(threat).filter((key) => state.elements.has(key) || state.flows.has(key))
          return (
            <li key={threat.id}>
              <button
                type="button"
                className={`threat-row${on ? ' is-active' : ''}`}
                aria-pressed={on}
                onClick={() => onActivate(on ? null : threat)}
                data-fingerprint={threat.fingerprint}
              >
                <span className={`stride stride-${threat.stride}`} title={STRIDE_NAMES[threat.stride] ?? threat.stride} aria-label={STRIDE_NAMES[threat.stride] ?? threat.stride}>
                  {threat.stride}
                </span>
                <span className="threat-main">
                  <span className="threat-title">{threat.title}</span>
                  <span className="threat-meta">
                    <span className={`status status-${threat.status}`}>{threat.status.replace(/_/g, ' ')}</span>
                    <span className={`risk risk-${band}`} title={threat.suggested ? 'Likelihood × impact suggested by the rule; not rated yet' : 'Likelihood × impact'}>
                      {score === null ? 'risk not rated' : `risk ${score} (${threat.likelihood}×${threat.impact})${threat.suggested ? ' suggested' : ''}`}
                    </span>
                    {threat.techniques.map((technique) => (
                      <span key={technique} className="technique">
                        {technique}
                      </span>
                    ))}
                    <span className="threat-target">{where.length === 0 ? 'on another diagram' : `on ${targetName(state, threat)}`}</span>
                  </span>
                  {on && threat.matched.length > 0 && (
                    <span className="threat-why">
                      <span className="sr-only">Why: </span>
                      {threat.matched.join('; ')}
                    </span>
                  )}
                </span>
              </button>
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
