/**
 * A per-key promise chain: tasks that share a key run one after another, in
 * call order; tasks on different keys run concurrently.
 *
 * LevelDB has no transactions, so read-then-write sequences (pick the next
 * seq, check an email is free) are only correct if nothing else touching the
 * same keys runs in between. Within one process this lock provides that.
 */
export class KeyedLock {
  /** The settled-when-done tail of each key's chain; absent when the key is idle. */
  readonly #tails = new Map<string, Promise<void>>()

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    const result = previous.then(task)
    // The chain must keep going after a failed task; the caller still sees the failure.
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(key, tail)
    void tail.then(() => {
      // Forget idle keys so the map doesn't grow with every document ever touched.
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return result
  }

  /** Resolves once every task queued so far, and any queued while waiting, has settled. */
  async drain(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values())
  }
}
