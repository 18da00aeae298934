import { checkLine, evidenceHeadline, evidenceMitigationLines, evidenceOutcome, guardrailsUrl, type CheckRunLike, type EvidenceAnswerLike } from './pipeline'

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

const answer: EvidenceAnswerLike = {
  format: 'policyreport', source: 'kyverno', report: 'default/polr', file: 'report.yaml',
  summary: { results: 12, matched: 8, unmatched: 4, verified: 1, reopened: 1, unchanged: 1 },
  mitigations: [
    { mitigation: 'M-2', title: 'Run as non-root', did: 'verified', reason: 'Verified from the report', passed: 3, failed: 0 },
    { mitigation: 'M-9', title: 'Seccomp', did: 'unchanged', reason: 'already verified', passed: 1, failed: 0 },
    { mitigation: 'M-4', title: 'No privileged pods', did: 'reopened', reason: '2 result(s) fail; 3 threat(s) open again', passed: 1, failed: 2 },
  ],
}

describe('evidence in words', () => {
  it('names the report and what matched', () => {
    expect(evidenceHeadline(answer)).toBe('The Kyverno PolicyReport “report.yaml” (kyverno): 12 results, 8 matched to mitigations, 4 matched none.')
    expect(evidenceHeadline({ ...answer, format: 'sarif', summary: { ...answer.summary, results: 1, unmatched: 0 } })).toBe(
      'The SARIF log “report.yaml” (kyverno): 1 result, 8 matched to mitigations.',
    )
  })
  it('counts what the upload did, or says it touched nothing', () => {
    expect(evidenceOutcome(answer)).toBe('1 mitigation verified, 1 reopened, 1 unchanged')
    expect(evidenceOutcome({ ...answer, summary: { ...answer.summary, verified: 0, reopened: 0, unchanged: 0 } })).toBe(
      'No mitigation of this model uses a control these results check.',
    )
  })
  it('lists reopened mitigations first, then verified, then unchanged', () => {
    const lines = evidenceMitigationLines(answer)
    expect(lines.map((l) => l.key)).toEqual(['M-4', 'M-2', 'M-9'])
    expect(lines[0]?.text).toBe('M-4 No privileged pods — reopened (1 pass, 2 fail): 2 result(s) fail; 3 threat(s) open again')
  })
})
