/** Test helpers for code that takes its timers as parameters: a clock the test advances by hand. */

/** Let pending promise callbacks run (a few microtask turns). */
export const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve()
}

/** Timers the test fires by hand. */
export class Clock {
  now = 0
  private queue: { at: number; fn: () => void; id: number }[] = []
  private next = 1
  schedule = (fn: () => void, ms: number): unknown => {
    const id = this.next++
    this.queue.push({ at: this.now + ms, fn, id })
    return id
  }
  cancel = (handle: unknown): void => {
    this.queue = this.queue.filter((t) => t.id !== handle)
  }
  /** Run every timer due within `ms`, letting promises settle in between. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms
    for (;;) {
      await settle()
      const due = this.queue.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.queue = this.queue.filter((t) => t !== due)
      this.now = due.at
      due.fn()
    }
    this.now = until
    await settle()
  }
}
