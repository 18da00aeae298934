import { describe, expect, it } from 'vitest'

import { jobState, type JobView } from './import-job'

const job = (change: Partial<JobView>): JobView => ({
  status: 'queued', progress: 0, step: '', reason: '', details: [], result: {}, threat_model: null, ...change,
})

describe('jobState', () => {
  it('says a queued job waits for a worker, or what it waits for', () => {
    expect(jobState(job({}))).toEqual({ kind: 'waiting', text: 'Large file: waiting for a worker to import it…' })
    expect(jobState(job({ reason: 'Waiting for the task queue (Redis)' }))).toEqual({ kind: 'waiting', text: 'Waiting for the task queue (Redis)' })
  })

  it('shows the running step with its progress', () => {
    expect(jobState(job({ status: 'running', step: 'writing the model and analysing it', progress: 50 }))).toEqual({
      kind: 'waiting', text: 'Writing the model and analysing it… (50 %)',
    })
  })

  it('gives the model made and the answer once done', () => {
    const state = jobState(job({ status: 'done', threat_model: 7, result: { format: 'otm', summary: { elements: 3 }, warnings: ['a', 4] } }))
    expect(state).toEqual({ kind: 'done', modelId: 7, format: 'otm', summary: { elements: 3 }, warnings: ['a'] })
  })

  it('gives the refusal with the places in the files', () => {
    const state = jobState(job({ status: 'failed', reason: 'The model is invalid.', details: [{ path: 'diagrams[0]', message: 'bad' }, 'x'] }))
    expect(state).toEqual({ kind: 'failed', message: 'The model is invalid.', details: [{ path: 'diagrams[0]', message: 'bad' }, { path: '$', message: '' }] })
    expect(jobState(job({ status: 'done', threat_model: null }))).toMatchObject({ kind: 'failed' })
  })
})
