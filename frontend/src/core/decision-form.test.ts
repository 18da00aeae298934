import { addDays, decisionBody, decisionProblems, defaultExpiry, emptyDraft, kindRefusal, kindsFor, localToday, type DecisionDraft } from './decision-form'

const policy = { acceptance_max_days: 365, exception_max_days: 90 }
const today = '2026-11-26'
const draft = (over: Partial<DecisionDraft>): DecisionDraft => ({ ...emptyDraft(), ...over })

describe('decision form', () => {
  it('offers the kinds that fit the projected band, the usual answer first', () => {
    expect(kindsFor('unacceptable')).toEqual(['exception', 'transfer', 'not_applicable'])
    expect(kindsFor('tolerable')).toEqual(['acceptance', 'transfer', 'not_applicable'])
    expect(kindsFor('unrated')).toEqual(['transfer', 'not_applicable'])
    expect(kindRefusal('acceptance', 'unacceptable')).toMatch(/cannot be accepted/)
    expect(kindRefusal('exception', 'broadly_acceptable')).toMatch(/unacceptable risks only/)
  })

  it('asks an acceptance for an owner, a justification and an expiry within the policy', () => {
    expect(decisionProblems(draft({}), 'tolerable', policy, today)).toEqual({
      owner: 'Name the risk owner (a member of the team).',
      justification: 'Give the justification.',
      expires_on: 'Required: a date within 365 days.',
    })
    const ok = draft({ owner: 'demo', justification: 'ALARP', expiresOn: '2027-05-01' })
    expect(decisionProblems(ok, 'tolerable', policy, today)).toEqual({})
    expect(decisionProblems({ ...ok, expiresOn: '2027-11-27' }, 'tolerable', policy, today)).toEqual({
      expires_on: 'At most 365 days away (by 2027-11-26).',
    })
    expect(decisionProblems({ ...ok, expiresOn: today }, 'tolerable', policy, today)).toEqual({ expires_on: 'Must be in the future.' })
    expect(decisionProblems(ok, 'unacceptable', policy, today).kind).toMatch(/cannot be accepted/)
  })

  it('holds an exception to 90 days even when the policy allows more, and wants compensating controls', () => {
    const exception = draft({ kind: 'exception', owner: 'demo', justification: 'Vendor fix due', expiresOn: '2027-03-01' })
    expect(decisionProblems(exception, 'unacceptable', { ...policy, exception_max_days: 120 }, today)).toEqual({
      compensating_controls: 'List the compensating controls.',
      expires_on: 'At most 90 days away (by 2027-02-24).',
    })
  })

  it('asks a transfer for a recipient and evidence, and not applicable for a reason', () => {
    expect(Object.keys(decisionProblems(draft({ kind: 'transfer' }), 'unrated', policy, today))).toEqual(['recipient', 'evidence'])
    expect(decisionProblems(draft({ kind: 'transfer', recipient: 'Cloud provider', evidence: 'SLA §4', expiresOn: '2040-01-01' }), 'tolerable', policy, today)).toEqual({})
    expect(decisionProblems(draft({ kind: 'not_applicable' }), 'unrated', policy, today)).toEqual({ justification: 'Say why it does not apply.' })
    expect(decisionProblems(draft({ kind: 'transfer', recipient: 'x', evidence: 'y', expiresOn: '26/11/2027' }), 'tolerable', policy, today)).toEqual({
      expires_on: 'Use a date (YYYY-MM-DD).',
    })
  })

  it('sends only the fields of its kind, trimmed', () => {
    const all = draft({ owner: ' demo ', justification: ' ALARP ', expiresOn: '2027-05-01', recipient: 'stray', compensatingControls: 'stray' })
    expect(decisionBody(12, all)).toEqual({ threat: 12, kind: 'acceptance', owner: 'demo', justification: 'ALARP', expires_on: '2027-05-01' })
    expect(decisionBody(12, { ...all, kind: 'transfer', evidence: 'SLA', expiresOn: '' })).toEqual({
      threat: 12, kind: 'transfer', recipient: 'stray', evidence: 'SLA', expires_on: null,
    })
    expect(decisionBody(3, draft({ kind: 'not_applicable', justification: 'No such data here' }))).toEqual({
      threat: 3, kind: 'not_applicable', justification: 'No such data here',
    })
  })

  it('proposes expiries and counts days in UTC', () => {
    expect(defaultExpiry('acceptance', policy, today)).toBe('2027-05-25')
    expect(defaultExpiry('exception', policy, today)).toBe('2027-02-24')
    expect(defaultExpiry('not_applicable', policy, today)).toBe('')
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(localToday(new Date(2026, 0, 5, 23, 30))).toBe('2026-01-05')
  })
})
