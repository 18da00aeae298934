/**
 * One request at a time for a refresh that many events ask for: asks that come while it runs are
 * folded into one more run after it, so the last answer always reflects the last ask.
 */
export function coalesced(run: () => Promise<unknown>): () => void {
  let running = false
  let again = false
  const start = (): void => {
    if (running) {
      again = true
      return
    }
    running = true
    void run()
      .catch(() => undefined)
      .finally(() => {
        running = false
        if (again) {
          again = false
          start()
        }
      })
  }
  return start
}
