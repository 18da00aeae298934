/**
 * Running one request per item for many items (rate, keep, accept the selected threats), a few at
 * a time, without stopping at the first refusal: every item is tried, the failures come back with
 * their reasons, and progress is reported as it goes.
 */

/** What the threat list's selection can be given to at once. */
export type BulkKind = 'keep' | 'rate' | 'accept' | 'mitigate'

export interface BulkFailure<T> {
  item: T
  error: unknown
}

export interface BulkResult<T> {
  done: T[]
  failed: BulkFailure<T>[]
}

export interface BulkOptions {
  /** Requests in flight at once (the server is shared; a handful is plenty). */
  concurrency?: number
  onProgress?: (finished: number, total: number) => void
  /** Stop starting new items once this says so (a cancel button). */
  cancelled?: () => boolean
}

export async function runBulk<T>(items: readonly T[], task: (item: T) => Promise<unknown>, options: BulkOptions = {}): Promise<BulkResult<T>> {
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const done: T[] = []
  const failed: BulkFailure<T>[] = []
  let next = 0
  let finished = 0
  const worker = async () => {
    while (next < items.length && !options.cancelled?.()) {
      const item = items[next++] as T
      try {
        await task(item)
        done.push(item)
      } catch (error) {
        failed.push({ item, error })
      }
      finished += 1
      options.onProgress?.(finished, items.length)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  // Report in the order the items were given, whatever order the requests finished in.
  const order = new Map(items.map((item, i) => [item, i]))
  done.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))
  failed.sort((a, b) => (order.get(a.item) ?? 0) - (order.get(b.item) ?? 0))
  return { done, failed }
}
