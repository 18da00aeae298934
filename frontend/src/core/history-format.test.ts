import { actionWords, describeEvent, diffLines, fieldChanges, recordName, showValue } from './history-format'

describe('audit events in words', () => {
  it('says who did what and which fields changed', () => {
    const event = {
      actor: 'demo',
      action: 'threat.rate',
      before: { likelihood: null, impact: null, score: null, rationale: '' },
      after: { likelihood: 4, impact: 5, score: 20, rationale: 'Exposed API' },
    }
    expect(describeEvent(event)).toEqual({
      who: 'demo',
      what: 'rated the risk',
      changes: [
        { field: 'likelihood', before: '—', after: '4' },
        { field: 'impact', before: '—', after: '5' },
        { field: 'score', before: '—', after: '20' },
        { field: 'rationale', before: '—', after: 'Exposed API' },
      ],
    })
  })

  it('names the system when nobody acted, and unknown actions plainly', () => {
    expect(describeEvent({ actor: null, action: 'decision.expire', before: null, after: { status: 'expired' } })).toMatchObject({
      who: 'the system',
      what: 'saw a decision expire',
      changes: [{ field: 'status', before: '—', after: 'expired' }],
    })
    expect(actionWords('widget.frobnicate')).toBe('widget frobnicate')
  })

  it('leaves out fields that did not change and shows structured values compactly', () => {
    expect(fieldChanges({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2, 3] })).toEqual([{ field: 'b', before: '[1,2]', after: '[1,2,3]' }])
    expect(showValue('x'.repeat(200), 10)).toBe('xxxxxxxxx…')
    expect(showValue(false)).toBe('false')
  })
})

describe('snapshot diffs in words', () => {
  it('lists the sections that moved', () => {
    const empty = { added: [], removed: [], changed: [] }
    expect(
      diffLines({
        elements: empty,
        threats: { added: [{}, {}], removed: [], changed: [{}] },
        coverage_notes: { added: [], removed: [{}], changed: [] },
      }),
    ).toEqual(['Threats: 2 added, 1 changed', 'Coverage notes: 1 removed'])
    expect(diffLines({ elements: empty })).toEqual([])
  })

  it('names a record by the first name-like field it has', () => {
    expect(recordName({ key: 'web', name: 'Web' })).toBe('Web')
    expect(recordName({ fingerprint: 'K8S-1@web' })).toBe('K8S-1@web')
    expect(recordName({ id: 4 })).toBe('4')
  })
})
