import { coalesced } from './coalesce'

describe('coalesced', () => {
  it('runs once for asks that come while it runs, then once more', async () => {
    const releases: (() => void)[] = []
    const run = vi.fn(() => new Promise<void>((resolve) => releases.push(resolve)))
    const refresh = coalesced(run)
    refresh()
    refresh()
    refresh()
    expect(run).toHaveBeenCalledTimes(1)
    releases.shift()?.()
    await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(2))
    releases.shift()?.()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(run).toHaveBeenCalledTimes(2)
  })

  it('keeps going after a failed run', async () => {
    let calls = 0
    const refresh = coalesced(async () => {
      calls += 1
      if (calls === 1) throw new Error('offline')
    })
    refresh()
    await new Promise((resolve) => setTimeout(resolve, 0))
    refresh()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(calls).toBe(2)
  })
})
