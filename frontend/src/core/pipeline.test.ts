import { checkLine, guardrailsUrl, type CheckRunLike } from './pipeline'

const run: CheckRunLike = {
  result: 'failed', commit: '3f2a9c1', run_by: 'ci-bot', via_token: true, findings: 12, failures: 3, accepted: 2,
  new: null, model_version: 7, created_at: '2026-12-03T10:00:00Z',
}

describe('check runs in words', () => {
  it('says the verdict, the counts, the commit and who ran it', () => {
    const line = checkLine(run, 'en-GB')
    expect(line.startsWith('Failed · 3 of 12 findings fail, 2 accepted · commit 3f2a9c1 · by ci-bot with a token · model v7 · ')).toBe(true)
  })
  it('leaves out what the run did not have', () => {
    const line = checkLine({ ...run, result: 'passed', commit: '', via_token: false, accepted: 0, failures: 0, findings: 1, new: 0 }, 'en-GB')
    expect(line.startsWith('Passed · 0 of 1 finding fail, 0 new · by ci-bot · model v7')).toBe(true)
  })
  it('names a run whose account is gone', () => {
    expect(checkLine({ ...run, run_by: null })).toContain('by a removed account with a token')
  })
})

describe('guardrails links', () => {
  it('downloads everything or one kind', () => {
    expect(guardrailsUrl(4)).toBe('/api/v1/threat-models/4/guardrails/')
    expect(guardrailsUrl(4, 'vap')).toBe('/api/v1/threat-models/4/guardrails/?kind=vap')
  })
})
