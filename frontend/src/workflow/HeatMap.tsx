/**
 * The 5×5 heat map: likelihood up, impact across, each cell in its band's colour with the number
 * of threats it holds for the chosen measure (inherent, projected or verified residual). A cell or
 * a band total is a button that narrows the threat list to those threats.
 */
import { memo } from 'react'
import type { HeatMap as HeatMapData } from '../api/workflow'
import { asBand, BAND_LABEL, bandClass, BANDS, LEVEL_NAMES } from '../core/bands'
import { bandFilter, bandTotal, cellCount, cellFilter, cellLabel, heatGrid, MEASURE_LABEL, MEASURES, type Measure, type ThreatFilter } from '../core/heat-map'

interface Props {
  map: HeatMapData | null
  measure: Measure
  onMeasure: (measure: Measure) => void
  filter: ThreatFilter | null
  onFilter: (filter: ThreatFilter) => void
}

export const HeatMap = memo(function HeatMap({ map, measure, onMeasure, filter, onFilter }: Props) {
  if (!map) return <p className="muted">Loading the heat map…</p>
  const grid = heatGrid(map)
  const selected = (l: number, i: number) => filter?.kind === 'cell' && filter.measure === measure && filter.likelihood === l && filter.impact === i
  return (
    <section className="heat" aria-label="Risk heat map">
      <div className="segmented heat-measures" role="group" aria-label="Which risk">
        {MEASURES.map((m) => (
          <button key={m} type="button" aria-pressed={measure === m} onClick={() => onMeasure(m)}>
            {m === 'inherent' ? 'Inherent' : m === 'projected' ? 'Projected' : 'Verified'}
          </button>
        ))}
      </div>
      <p className="muted small-text heat-caption">{MEASURE_LABEL[measure]} risk: threats per likelihood × impact. Click a cell to list them.</p>
      <div className="heat-grid" role="group" aria-label={`${MEASURE_LABEL[measure]} risk heat map`}>
        <div className="heat-axis-y" aria-hidden="true">
          Likelihood
        </div>
        {grid.map((row, r) => (
          <div className="heat-row" key={r}>
            <span className="heat-level" aria-hidden="true" title={LEVEL_NAMES[5 - r]}>
              {5 - r}
            </span>
            {row.map((cell, c) => {
              if (!cell) return <span key={c} className="heat-cell is-missing" />
              const count = cellCount(cell, measure)
              const band = asBand(cell.band)
              return (
                <span key={c}>
                  <button
                    type="button"
                    className={`heat-cell ${bandClass(band, count === 0)}${selected(cell.likelihood, cell.impact) ? ' is-selected' : ''}`}
                    aria-label={cellLabel(cell, measure)}
                    aria-pressed={selected(cell.likelihood, cell.impact)}
                    disabled={count === 0}
                    data-cell={`${cell.likelihood}x${cell.impact}`}
                    onClick={() => onFilter(cellFilter(cell, measure))}
                  >
                    <span className="heat-count">{count > 0 ? count : ''}</span>
                    <span className="heat-score">{cell.score}</span>
                  </button>
                </span>
              )
            })}
          </div>
        ))}
        <div className="heat-row heat-foot" aria-hidden="true">
          <span className="heat-level" />
          {[1, 2, 3, 4, 5].map((i) => (
            <span key={i} className="heat-level" title={LEVEL_NAMES[i]}>
              {i}
            </span>
          ))}
        </div>
        <div className="heat-axis-x" aria-hidden="true">
          Impact →
        </div>
      </div>
      <ul className="band-totals" aria-label="Threats per band">
        {BANDS.map((band) => {
          const total = bandTotal(map, measure, band)
          const on = filter?.kind === 'band' && filter.band === band && filter.measure === measure
          return (
            <li key={band}>
              <button
                type="button"
                className={`band-total ${bandClass(band, total === 0)}${on ? ' is-selected' : ''}`}
                aria-pressed={on}
                disabled={total === 0}
                onClick={() => onFilter(bandFilter(map, measure, band))}
              >
                {BAND_LABEL[band]} <strong>{total}</strong>
              </button>
            </li>
          )
        })}
      </ul>
      {map.unrated.length > 0 && (
        <p className="muted small-text">
          {map.unrated.length} threat{map.unrated.length === 1 ? '' : 's'} not rated yet (not on the map).
        </p>
      )}
      <p className="muted small-text">
        Bands of risk policy v{map.risk_policy.version}: unacceptable from {map.risk_policy.unacceptable_at}; broadly acceptable up to{' '}
        {map.risk_policy.acceptable_max} unless impact ≥ {map.risk_policy.impact_floor}.
      </p>
    </section>
  )
})
