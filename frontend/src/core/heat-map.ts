/**
 * The 5×5 heat map as the workspace shows it, and the threat-list filter a click on it sets.
 *
 * The server counts threats per likelihood × impact cell for three measures (inherent, projected
 * residual, verified residual) and lists their ids; this module lays the cells out (likelihood 5 at
 * the top, impact 1 on the left, whatever order they came in), turns a cell or a band total into a
 * filter of the threat list, and indexes each threat's cell per measure so a threat row can show
 * its residual risk without another request.
 */
import { asBand, BAND_LABEL, LEVEL_NAMES, type Band, type BandOrUnrated } from './bands'

export type Measure = 'inherent' | 'projected' | 'verified'
export const MEASURES: readonly Measure[] = ['inherent', 'projected', 'verified']
export const MEASURE_LABEL: Record<Measure, string> = {
  inherent: 'Inherent',
  projected: 'Projected residual',
  verified: 'Verified residual',
}

/** The measure a stage's gate reads: inherent while rating, projected in fix, verified from verify on. */
export function stageMeasure(stage: string): Measure {
  return stage === 'fix' ? 'projected' : stage === 'verify' || stage === 'approved' ? 'verified' : 'inherent'
}

export interface HeatCell {
  likelihood: number
  impact: number
  score: number
  level: string
  band: string
  counts: Record<string, number>
  threats: Record<string, number[]>
}

export interface HeatMapLike {
  cells: HeatCell[]
  band_totals: Record<string, Record<string, number>>
  unrated: number[]
}

/** Rows of the grid, likelihood 5 → 1, each with impact 1 → 5; a missing cell is null. */
export function heatGrid(map: HeatMapLike): (HeatCell | null)[][] {
  const byPlace = new Map(map.cells.map((cell) => [`${cell.likelihood}:${cell.impact}`, cell]))
  return [5, 4, 3, 2, 1].map((l) => [1, 2, 3, 4, 5].map((i) => byPlace.get(`${l}:${i}`) ?? null))
}

export function cellCount(cell: HeatCell, measure: Measure): number {
  return cell.counts[measure] ?? 0
}

export function cellIds(cell: HeatCell, measure: Measure): number[] {
  return cell.threats[measure] ?? []
}

export type ThreatFilter =
  | { kind: 'cell'; measure: Measure; likelihood: number; impact: number; ids: ReadonlySet<number> }
  | { kind: 'band'; measure: Measure; band: Band; ids: ReadonlySet<number> }

export function cellFilter(cell: HeatCell, measure: Measure): ThreatFilter {
  return { kind: 'cell', measure, likelihood: cell.likelihood, impact: cell.impact, ids: new Set(cellIds(cell, measure)) }
}

/** Every threat whose `measure` falls in `band` (the cells of that band, put together). */
export function bandFilter(map: HeatMapLike, measure: Measure, band: Band): ThreatFilter {
  const ids = new Set<number>()
  for (const cell of map.cells) if (cell.band === band) for (const id of cellIds(cell, measure)) ids.add(id)
  return { kind: 'band', measure, band, ids }
}

export function filterLabel(filter: ThreatFilter): string {
  const what = MEASURE_LABEL[filter.measure].toLowerCase()
  if (filter.kind === 'band') return `${what} risk ${BAND_LABEL[filter.band].toLowerCase()}`
  return `${what} risk likelihood ${filter.likelihood} × impact ${filter.impact}`
}

export function applyFilter<T extends { id: number }>(threats: readonly T[], filter: ThreatFilter | null): T[] {
  return filter ? threats.filter((threat) => filter.ids.has(threat.id)) : [...threats]
}

/** The same filter recomputed on a fresh heat map (after a change moved threats between cells). */
export function refreshFilter(map: HeatMapLike, filter: ThreatFilter): ThreatFilter {
  if (filter.kind === 'band') return bandFilter(map, filter.measure, filter.band)
  const cell = map.cells.find((c) => c.likelihood === filter.likelihood && c.impact === filter.impact)
  return cell ? cellFilter(cell, filter.measure) : { ...filter, ids: new Set() }
}

export interface Placement {
  likelihood: number
  impact: number
  score: number
  band: BandOrUnrated
}

/** threat id → its cell per measure (a measure is absent while the threat is not rated). */
export function placements(map: HeatMapLike): Map<number, Partial<Record<Measure, Placement>>> {
  const out = new Map<number, Partial<Record<Measure, Placement>>>()
  for (const cell of map.cells) {
    for (const measure of MEASURES) {
      for (const id of cellIds(cell, measure)) {
        const entry = out.get(id) ?? {}
        entry[measure] = { likelihood: cell.likelihood, impact: cell.impact, score: cell.score, band: asBand(cell.band) }
        out.set(id, entry)
      }
    }
  }
  return out
}

export function bandTotal(map: HeatMapLike, measure: Measure, band: Band): number {
  return map.band_totals[measure]?.[band] ?? 0
}

/** The accessible name of a cell: where it is, its band, and how many threats it holds. */
export function cellLabel(cell: HeatCell, measure: Measure): string {
  const count = cellCount(cell, measure)
  const band = BAND_LABEL[asBand(cell.band)]
  return (
    `Likelihood ${cell.likelihood} (${LEVEL_NAMES[cell.likelihood] ?? ''}) × impact ${cell.impact} (${LEVEL_NAMES[cell.impact] ?? ''}): ` +
    `score ${cell.score}, ${band}; ${count} threat${count === 1 ? '' : 's'}`
  )
}
