import { blockingSummary, coverageCell, fingerprintTarget, gateTarget, groupItems, itemTargetKey, targetVerb, type GateItemLike, type TargetIndex } from './gate-targets'

const index: TargetIndex = {
  diagramOf: (key) => ({ web: 7, 'f-web-db': 7, worker: 9 })[key] ?? null,
  threatByFingerprint: (fp) => ({ 'K8S-004@web': 12 })[fp] ?? null,
}

const item = (code: string, type: string, id: number | null, key: string | null = null): GateItemLike => ({
  code,
  message: `${code} message`,
  object: { type, id, key, url: null },
})

describe('gate item targets', () => {
  it('selects elements and flows on the diagram that holds them', () => {
    expect(gateTarget(item('required_property_unset', 'element', 3, 'worker'), index)).toEqual({ kind: 'canvas', key: 'worker', diagramId: 9 })
    expect(gateTarget(item('flow_missing_end', 'flow', 4, 'f-web-db'), index)).toEqual({ kind: 'canvas', key: 'f-web-db', diagramId: 7 })
    expect(gateTarget(item('required_property_unset', 'element', 5, 'gone'), index)).toEqual({ kind: 'canvas', key: 'gone', diagramId: null })
  })

  it('opens threats, and the threat of a mitigation or a decision', () => {
    expect(gateTarget(item('threat_not_rated', 'threat', 12, 'K8S-004@web'), index)).toEqual({ kind: 'threat', threatId: 12 })
    expect(gateTarget(item('mitigation_not_verified', 'mitigation', 3, 'M-3'), index)).toEqual({ kind: 'mitigation', mitigationId: 3 })
    expect(gateTarget(item('exception_pending', 'decision', 8, 'K8S-004@web'), index)).toEqual({ kind: 'threat', threatId: 12 })
    expect(gateTarget(item('decision_expired', 'decision', 8, 'unknown@x'), index)).toEqual({ kind: 'decision', decisionId: 8 })
  })

  it('opens the coverage view on a coverage cell, even when the cell is on an element', () => {
    expect(gateTarget(item('coverage_gap', 'element', 3, 'web×R'), index)).toEqual({ kind: 'coverage', target: 'web', stride: 'R' })
    expect(gateTarget(item('coverage_gap', 'flow', null, 'a×b×T'), index)).toEqual({ kind: 'coverage', target: 'a×b', stride: 'T' })
    expect(coverageCell('no-letter×')).toBeNull()
    expect(coverageCell(null)).toBeNull()
  })

  it('offers the step that clears a model-wide item', () => {
    expect(gateTarget(item('analysis_not_current', 'threat_model', 1), index)).toEqual({ kind: 'analyse' })
    expect(gateTarget(item('diagram_changed_since_break', 'threat_model', 1), index)).toEqual({ kind: 'analyse' })
    expect(gateTarget(item('no_trust_boundary', 'threat_model', 1), index)).toEqual({ kind: 'draw-boundary' })
    expect(gateTarget(item('own_work', 'threat_model', 1), index)).toEqual({ kind: 'none' })
    expect(targetVerb({ kind: 'analyse' })).toBe('Run the analysis')
    expect(targetVerb({ kind: 'none' })).toBe('')
  })

  it('does not invent a target for an item without an id', () => {
    expect(gateTarget(item('threat_open', 'threat', null), index)).toEqual({ kind: 'none' })
    expect(gateTarget(item('whatever', 'snapshot', 2), index)).toEqual({ kind: 'none' })
  })
})

describe('where a threat item is', () => {
  it('reads the most specific key of a fingerprint', () => {
    expect(fingerprintTarget('K8S-004@web')).toBe('web')
    expect(fingerprintTarget('INT-001@web@f-web-db')).toBe('f-web-db')
    expect(fingerprintTarget('MANUAL-7')).toBeNull()
    expect(fingerprintTarget('RULE@')).toBeNull()
    expect(fingerprintTarget(null)).toBeNull()
  })

  it('names the target of threat and decision items only', () => {
    expect(itemTargetKey(item('threat_open', 'threat', 1, 'K8S-004@web'))).toBe('web')
    expect(itemTargetKey(item('exception_pending', 'decision', 1, 'K8S-004@web'))).toBe('web')
    expect(itemTargetKey(item('mitigation_not_verified', 'mitigation', 1, 'M-1'))).toBeNull()
  })
})

describe('grouping gate items', () => {
  it('groups by code in working order and keeps the server order inside a group', () => {
    const items = [
      item('threat_not_rated', 'threat', 1),
      item('threat_not_triaged', 'threat', 1),
      item('threat_not_rated', 'threat', 2),
      item('some_new_code', 'threat', 3),
      item('analysis_not_current', 'threat_model', 9),
    ]
    const groups = groupItems(items)
    expect(groups.map((g) => [g.code, g.items.length])).toEqual([
      ['analysis_not_current', 1],
      ['threat_not_triaged', 1],
      ['threat_not_rated', 2],
      ['some_new_code', 1],
    ])
    expect(groups[2]?.items.map((i) => i.object.id)).toEqual([1, 2])
    expect(groups[3]?.title).toBe('some new code')
  })

  it('summarises the count in words', () => {
    expect(blockingSummary(0, 'Design', 'Break')).toBe('Nothing blocks Design → Break.')
    expect(blockingSummary(1, 'Break', 'Fix')).toBe('1 item blocks Break → Fix')
    expect(blockingSummary(160, 'Break', 'Fix')).toBe('160 items block Break → Fix')
    expect(blockingSummary(0, 'Approved', null)).toBe('Approved: nothing blocks.')
  })
})
