/**
 * Readers waiting for a stream's next record (a long-poll): each waits until `wake()` or its time is up, whichever
 * comes first. What a waiter holds is a timer and a callback, nothing of the stream.
 */
export class Waiters {
  readonly #waiting = new Set<() => void>();

  get size(): number {
    return this.#waiting.size;
  }

  /** Resolves at the next `wake()`, or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiting.add(done);
    });
  }

  /** Wakes every waiter: a record, the end, or the stream gone. */
  wake(): void {
    if (this.#waiting.size === 0) return;
    for (const done of [...this.#waiting]) done();
  }
}
