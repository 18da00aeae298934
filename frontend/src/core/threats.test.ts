import { editorThreat as t } from './test-threats'
import { needs, openCounts, pathFromExplanation, patchThreats, riskBand, threatsFor } from './threats'

describe('threats', () => {
  const threats = [
    t({ id: 1, element: 'web', stride: 'E', likelihood: 4, impact: 5, title: 'Escape' }),
    t({ id: 2, element: 'web', stride: 'S', likelihood: 1, impact: 2, status: 'mitigated' }),
    t({ id: 3, flow: 'f1', element: 'web', stride: 'I', likelihood: 3, impact: 3 }),
    t({ id: 4, element: 'db', stride: 'I', path: ['user', 'f1', 'web', 'f2', 'db'] }),
  ]

  it('counts open threats on their element or flow', () => {
    expect(openCounts(threats)).toEqual(new Map([['web', 1], ['f1', 1], ['db', 1]]))
  })

  it('lists the selection’s threats, riskiest first, including paths through it', () => {
    expect(threatsFor(threats, new Set(['web'])).map((x) => x.id)).toEqual([1, 3, 2, 4])
    expect(threatsFor(threats, new Set(['f2'])).map((x) => x.id)).toEqual([4])
    expect(threatsFor(threats, new Set()).map((x) => x.id)).toEqual([1, 3, 2, 4])
  })

  it('bands risk like the policy, the default one unless told', () => {
    expect(threats.map((x) => riskBand(x))).toEqual(['unacceptable', 'broadly_acceptable', 'tolerable', 'unrated'])
    expect(riskBand(t({ likelihood: 1, impact: 4 }))).toBe('tolerable')
    expect(riskBand(t({ likelihood: 3, impact: 4 }), { unacceptable_at: 12, acceptable_max: 4, impact_floor: 4 })).toBe('unacceptable')
  })

  it('narrows to the work the gates ask for, leaving duplicates and not-applicable threats out', () => {
    const list = [
      t({ id: 1 }),
      t({ id: 2, triaged: true }),
      t({ id: 3, triaged: true, rated: true, status: 'accepted' }),
      t({ id: 4, duplicate: true }),
      t({ id: 5, status: 'not_applicable' }),
    ]
    const ids = (need: Parameters<typeof needs>[1]) => list.filter((x) => needs(x, need)).map((x) => x.id)
    expect(ids('all')).toEqual([1, 2, 3, 4, 5])
    expect(ids('untriaged')).toEqual([1])
    expect(ids('unrated')).toEqual([1, 2])
    expect(ids('open')).toEqual([1, 2])
  })

  it('reads a path from an explanation of either shape', () => {
    expect(pathFromExplanation({ path: ['a', { key: 'b' }, 3] })).toEqual(['a', 'b'])
    expect(pathFromExplanation({ path: ['user', 'web', 'db'], flows: ['f1', 'f2'], matched: ['x'] })).toEqual(['user', 'web', 'db', 'f1', 'f2'])
    expect(pathFromExplanation(null)).toEqual([])
  })
})

describe('patching the threat list', () => {
  const list = [t({ id: 1, title: 'a' }), t({ id: 2, title: 'b' }), t({ id: 3, title: 'c' })]

  it('replaces rows by id in place, adds new ones at the end and drops obsolete ones', () => {
    const patched = patchThreats(list, [t({ id: 2, title: 'B' }), t({ id: 3, status: 'obsolete' }), t({ id: 4, title: 'd' })])
    expect(patched.map((x) => [x.id, x.title])).toEqual([[1, 'a'], [2, 'B'], [4, 'd']])
    expect(list.map((x) => x.title)).toEqual(['a', 'b', 'c'])
  })

  it('gives the same list back when nothing changed, so nothing re-renders', () => {
    expect(patchThreats(list, [])).toBe(list)
    expect(patchThreats(list, [t({ id: 9, status: 'obsolete' })])).toBe(list)
  })

  it('brings a revived threat back', () => {
    expect(patchThreats(list, [t({ id: 7, status: 'open' })]).map((x) => x.id)).toEqual([1, 2, 3, 7])
  })
})
