import { describe, expect, it } from 'vitest'
import { problemTexts, problemsOfDetails, ruleTemplate } from './team-rules'

describe('team rule problems', () => {
  it('lists problems in line order, unplaced first', () => {
    const texts = problemTexts([
      { path: 'fixture.quiet', line: 19, message: 'the rule fires or asks on nonroot' },
      { path: 'condition.property.name', line: 6, message: "'x' is not in the property vocabulary" },
      { path: '$', line: null, message: 'a rule file holds one mapping' },
    ])
    expect(texts).toEqual([
      'a rule file holds one mapping',
      "line 6 · condition.property.name: 'x' is not in the property vocabulary",
      'line 19 · fixture.quiet: the rule fires or asks on nonroot',
    ])
  })

  it('reads the line back out of a refused write', () => {
    expect(problemsOfDetails([{ path: 'fixture.fires', message: 'line 18: the rule does not fire on rooted' }, { path: 'id', message: 'is taken' }])).toEqual([
      { path: 'fixture.fires', line: 18, message: 'the rule does not fire on rooted' },
      { path: 'id', line: null, message: 'is taken' },
    ])
  })

  it('starts a rule under the team prefix', () => {
    expect(ruleTemplate('payments_eu').startsWith('id: TEAM-PAYMENTS-EU-001\n')).toBe(true)
  })
})
