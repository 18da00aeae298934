import { answersFrom, groupComplete, missingFactors, OWASP_FACTORS, OWASP_QUESTION, owaspBody } from './owasp'

const all = (group: 'likelihood' | 'impact', value: number) => Object.fromEntries(OWASP_FACTORS[group].map((f) => [f, value]))

describe('OWASP helper answers', () => {
  it('words every factor the server asks for', () => {
    for (const factor of [...OWASP_FACTORS.likelihood, ...OWASP_FACTORS.impact]) expect(OWASP_QUESTION[factor]).toBeDefined()
  })

  it('sends only complete groups', () => {
    expect(owaspBody({})).toBeNull()
    expect(owaspBody({ likelihood: { skill_level: 5 } })).toBeNull()
    expect(owaspBody({ likelihood: all('likelihood', 6), impact: { loss_of_integrity: 2 } })).toEqual({ likelihood: all('likelihood', 6) })
    expect(owaspBody({ likelihood: all('likelihood', 1), impact: all('impact', 9) })).toEqual({ likelihood: all('likelihood', 1), impact: all('impact', 9) })
  })

  it('refuses out-of-range answers as incomplete', () => {
    expect(groupComplete({ impact: { ...all('impact', 3), privacy_violation: 10 } }, 'impact')).toBe(false)
    expect(groupComplete({ impact: { ...all('impact', 3), privacy_violation: 2.5 } }, 'impact')).toBe(false)
    expect(groupComplete({ impact: all('impact', 0) }, 'impact')).toBe(true)
  })

  it('lists what is missing in a started group only', () => {
    expect(missingFactors({}, 'likelihood')).toEqual([])
    expect(missingFactors({ likelihood: { ...all('likelihood', 2), awareness: undefined } }, 'likelihood')).toEqual(['awareness'])
  })

  it('reads stored answers back, ignoring anything else', () => {
    expect(answersFrom({ likelihood: { motive: 4, bogus: 9, size: 'x' }, extra: {} })).toEqual({ likelihood: { motive: 4 } })
    expect(answersFrom(null)).toEqual({})
  })
})
