import { advanceLabel, asStage, capabilities, earlierStages, mayTakeNextStep, nextStage, verifyRefusal } from './workflow'

describe('workflow stages', () => {
  it('walks design → break → fix → verify → approved', () => {
    expect(nextStage('design')).toBe('break')
    expect(nextStage('verify')).toBe('approved')
    expect(nextStage('approved')).toBeNull()
    expect(asStage('nonsense')).toBe('design')
  })

  it('reopens only to earlier stages', () => {
    expect(earlierStages('design')).toEqual([])
    expect(earlierStages('fix')).toEqual(['design', 'break'])
    expect(earlierStages('approved')).toEqual(['design', 'break', 'fix', 'verify'])
  })

  it('calls the last step a sign-off', () => {
    expect(advanceLabel('break')).toBe('Move to Fix')
    expect(advanceLabel('verify')).toBe('Approve (sign off)')
    expect(advanceLabel('approved')).toBeNull()
  })
})

describe('capabilities', () => {
  it('lets a viewer see but change nothing', () => {
    const caps = capabilities('viewer', 'fix')
    expect(Object.values(caps).some(Boolean)).toBe(false)
  })

  it('lets editors work and move the model but not sign it off', () => {
    const caps = capabilities('editor', 'verify')
    expect(caps.edit && caps.verify && caps.reopen).toBe(true)
    expect(caps.signOff).toBe(false)
    expect(mayTakeNextStep(caps, 'verify')).toBe(false)
    expect(mayTakeNextStep(capabilities('editor', 'break'), 'break')).toBe(true)
  })

  it('lets reviewers verify and sign off, but not rate or move earlier stages', () => {
    const caps = capabilities('reviewer', 'verify')
    expect(caps).toMatchObject({ edit: false, verify: true, advance: false, signOff: true, reopen: false })
    expect(capabilities('reviewer', 'fix').signOff).toBe(false)
  })

  it('lets the team owner approve exceptions and sign off', () => {
    expect(capabilities('owner', 'fix').approveExceptions).toBe(true)
    expect(capabilities('editor', 'fix').approveExceptions).toBe(false)
    expect(capabilities('owner', 'verify').signOff).toBe(true)
  })

  it('freezes everything but reopening once approved', () => {
    const caps = capabilities('owner', 'approved')
    expect(caps).toEqual({ edit: false, verify: false, advance: false, signOff: false, approveExceptions: false, reopen: true })
    expect(capabilities(null, 'design').reopen).toBe(false)
  })
})

describe('verifying a mitigation', () => {
  const reviewer = capabilities('reviewer', 'verify')
  it('needs an implemented mitigation and someone other than its implementer', () => {
    expect(verifyRefusal(reviewer, { status: 'implemented', implemented_by: 'demo' }, 'reviewer')).toBeNull()
    expect(verifyRefusal(reviewer, { status: 'implemented', implemented_by: 'reviewer' }, 'reviewer')).toMatch(/someone else/)
    expect(verifyRefusal(reviewer, { status: 'planned', implemented_by: null }, 'reviewer')).toMatch(/implemented/)
    expect(verifyRefusal(reviewer, { status: 'verified', implemented_by: 'demo' }, 'reviewer')).toMatch(/Already/)
    expect(verifyRefusal(capabilities('viewer', 'verify'), { status: 'implemented', implemented_by: 'demo' }, 'v')).toMatch(/reviewer/)
  })
})
