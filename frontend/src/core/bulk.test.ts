import { runBulk } from './bulk'

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('bulk runs', () => {
  it('tries every item, keeps going after a refusal, and reports in the given order', async () => {
    const progress: number[] = []
    const result = await runBulk(
      [1, 2, 3, 4, 5],
      async (n) => {
        await later(6 - n)
        if (n % 2 === 0) throw new Error(`refused ${n}`)
      },
      { concurrency: 2, onProgress: (finished) => progress.push(finished) },
    )
    expect(result.done).toEqual([1, 3, 5])
    expect(result.failed.map((f) => [f.item, (f.error as Error).message])).toEqual([
      [2, 'refused 2'],
      [4, 'refused 4'],
    ])
    expect(progress).toEqual([1, 2, 3, 4, 5])
  })

  it('never has more requests in flight than asked', async () => {
    let inFlight = 0
    let most = 0
    await runBulk(Array.from({ length: 20 }, (_, i) => i), async () => {
      inFlight += 1
      most = Math.max(most, inFlight)
      await later(1)
      inFlight -= 1
    }, { concurrency: 3 })
    expect(most).toBe(3)
  })

  it('stops starting new items when cancelled', async () => {
    let started = 0
    const result = await runBulk([1, 2, 3, 4], async () => {
      started += 1
    }, { concurrency: 1, cancelled: () => started >= 2 })
    expect(started).toBe(2)
    expect(result.done).toEqual([1, 2])
  })

  it('does nothing for no items', async () => {
    expect(await runBulk([], async () => undefined)).toEqual({ done: [], failed: [] })
  })
})
