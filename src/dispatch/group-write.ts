/**
 * Group commit: items pushed while a write is in progress go together into the next write — one
 * transaction (one commit, one turn of SQLite's single writer lock) for many sends, where one
 * per send made the database the bottleneck of a busy worker. No timer: an item pushed alone
 * is written at once.
 *
 * A failed write is retried after `retryAfter(err, failures)` milliseconds, together with the
 * items pushed meanwhile, until it succeeds; when that answers null instead, every item of the
 * write is failed with the error.
 */
export class GroupWriter<T, R> {
  private readonly pending: Array<{ item: T; done: (r: R) => void; failed: (err: unknown) => void }> = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly retryAfter: (err: unknown, failures: number) => number | null = () => null,
  ) {}

  push(item: T): Promise<R> {
    return new Promise((done, failed) => {
      this.pending.push({ item, done, failed });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    while (this.pending.length) {
      const batch = this.pending.splice(0);
      for (let failures = 0; ; ) {
        try {
          const results = await this.write(batch.map((b) => b.item));
          batch.forEach((b, i) => b.done(results[i] as R));
          break;
        } catch (err) {
          const wait = this.retryAfter(err, ++failures);
          if (wait === null) {
            for (const b of batch) b.failed(err);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, wait));
          batch.push(...this.pending.splice(0));
        }
      }
    }
    this.writing = false;
  }
}
