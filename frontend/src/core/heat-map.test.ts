import { bandOf } from './bands'
import {
  applyFilter,
  bandFilter,
  bandTotal,
  cellFilter,
  cellLabel,
  filterLabel,
  heatGrid,
  placements,
  refreshFilter,
  stageMeasure,
  type HeatCell,
  type HeatMapLike,
} from './heat-map'

function map(place: Record<string, { inherent?: number[]; projected?: number[]; verified?: number[] }>): HeatMapLike {
  const cells: HeatCell[] = []
  // The server's order (likelihood 5 → 1, impact 1 → 5), shuffled to prove the grid does not rely on it.
  for (const l of [1, 3, 5, 2, 4]) {
    for (const i of [5, 1, 4, 2, 3]) {
      const ids = place[`${l}:${i}`] ?? {}
      const threats = { inherent: ids.inherent ?? [], projected: ids.projected ?? [], verified: ids.verified ?? [] }
      cells.push({
        likelihood: l,
        impact: i,
        score: l * i,
        level: '',
        band: bandOf(l, i),
        counts: { inherent: threats.inherent.length, projected: threats.projected.length, verified: threats.verified.length },
        threats,
      })
    }
  }
  return { cells, band_totals: { inherent: { unacceptable: 3, tolerable: 1 } }, unrated: [] }
}

const sample = map({
  '4:5': { inherent: [1, 2], verified: [1] },
  '3:5': { inherent: [3] },
  '2:3': { inherent: [4], projected: [1, 2, 3], verified: [2, 3] },
  '1:2': { projected: [4], verified: [4] },
})

describe('heat map', () => {
  it('lays the grid out with likelihood 5 on top and impact 1 on the left', () => {
    const grid = heatGrid(sample)
    expect(grid.map((row) => row.map((cell) => `${cell?.likelihood}${cell?.impact}`).join(' '))).toEqual([
      '51 52 53 54 55',
      '41 42 43 44 45',
      '31 32 33 34 35',
      '21 22 23 24 25',
      '11 12 13 14 15',
    ])
    expect(heatGrid({ cells: [], band_totals: {}, unrated: [] })[0]?.[0]).toBeNull()
  })

  it('filters the threat list to a cell, per measure', () => {
    const threats = [1, 2, 3, 4, 5].map((id) => ({ id }))
    const cell = sample.cells.find((c) => c.likelihood === 2 && c.impact === 3)!
    expect(applyFilter(threats, cellFilter(cell, 'inherent')).map((t) => t.id)).toEqual([4])
    expect(applyFilter(threats, cellFilter(cell, 'verified')).map((t) => t.id)).toEqual([2, 3])
    expect(applyFilter(threats, null)).toHaveLength(5)
  })

  it('filters to every cell of a band', () => {
    expect([...bandFilter(sample, 'inherent', 'unacceptable').ids].sort()).toEqual([1, 2, 3])
    expect([...bandFilter(sample, 'verified', 'unacceptable').ids]).toEqual([1])
    expect([...bandFilter(sample, 'verified', 'broadly_acceptable').ids]).toEqual([4])
  })

  it('describes the filter in words, so it can be shown and cleared', () => {
    const cell = sample.cells.find((c) => c.likelihood === 4 && c.impact === 5)!
    expect(filterLabel(cellFilter(cell, 'inherent'))).toBe('inherent risk likelihood 4 × impact 5')
    expect(filterLabel(bandFilter(sample, 'projected', 'tolerable'))).toBe('projected residual risk tolerable')
  })

  it('recomputes a filter on a fresh map', () => {
    const cell = sample.cells.find((c) => c.likelihood === 4 && c.impact === 5)!
    const moved = map({ '4:5': { inherent: [2] } })
    expect([...refreshFilter(moved, cellFilter(cell, 'inherent')).ids]).toEqual([2])
    expect([...refreshFilter(moved, bandFilter(sample, 'inherent', 'unacceptable')).ids]).toEqual([2])
  })

  it('places each threat per measure', () => {
    const where = placements(sample)
    expect(where.get(1)).toEqual({
      inherent: { likelihood: 4, impact: 5, score: 20, band: 'unacceptable' },
      projected: { likelihood: 2, impact: 3, score: 6, band: 'tolerable' },
      verified: { likelihood: 4, impact: 5, score: 20, band: 'unacceptable' },
    })
    expect(where.get(4)?.verified?.band).toBe('broadly_acceptable')
    expect(where.get(99)).toBeUndefined()
  })

  it('shows each stage the measure its gate reads', () => {
    expect(['design', 'break', 'fix', 'verify', 'approved'].map(stageMeasure)).toEqual(['inherent', 'inherent', 'projected', 'verified', 'verified'])
  })

  it('reads band totals and labels cells for screen readers', () => {
    expect(bandTotal(sample, 'inherent', 'unacceptable')).toBe(3)
    expect(bandTotal(sample, 'verified', 'tolerable')).toBe(0)
    const cell = sample.cells.find((c) => c.likelihood === 4 && c.impact === 5)!
    expect(cellLabel(cell, 'inherent')).toBe('Likelihood 4 (High) × impact 5 (Very high): score 20, Unacceptable; 2 threats')
  })
})
