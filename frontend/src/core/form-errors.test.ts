import { pathIn, placeErrors } from './form-errors'

describe('placing server errors next to fields', () => {
  it('puts each detail on the field its path names', () => {
    const error = {
      message: 'The acceptance is invalid; nothing was changed.',
      details: [
        { path: 'expires_on', message: 'must be in the future' },
        { path: 'owner', message: 'is not a member of the team' },
      ],
    }
    expect(placeErrors(error, ['owner', 'expires_on', 'justification'])).toEqual({
      fields: { expires_on: 'must be in the future', owner: 'is not a member of the team' },
      general: ['The acceptance is invalid; nothing was changed.'],
    })
  })

  it('prefers the most specific field and says which part of it is wrong', () => {
    const error = { message: 'bad', details: [{ path: 'owasp.likelihood.motive', message: 'must be an integer from 0 to 9' }] }
    expect(placeErrors(error, ['owasp', 'owasp.likelihood']).fields).toEqual({ 'owasp.likelihood': 'motive: must be an integer from 0 to 9' })
    expect(placeErrors({ message: 'x', details: [{ path: 'threats[2]', message: 'obsolete' }] }, ['threats']).fields).toEqual({ threats: '[2]: obsolete' })
  })

  it('joins several messages for one field and keeps the rest at the top', () => {
    const error = {
      message: 'nope',
      details: [
        { path: 'title', message: 'is required' },
        { path: 'title', message: 'is too long' },
        { path: 'stage', message: 'approved' },
        { path: '', message: 'general' },
      ],
    }
    expect(placeErrors(error, ['title'])).toEqual({ fields: { title: 'is required is too long' }, general: ['nope', 'stage: approved', 'general'] })
  })

  it('copes with errors that are not the API shape', () => {
    expect(placeErrors(new Error('offline'), ['x'])).toEqual({ fields: {}, general: ['offline'] })
    expect(placeErrors('boom', ['x'])).toEqual({ fields: {}, general: ['Something went wrong.'] })
    expect(pathIn('owner', 'own')).toBe(false)
  })
})
