import crypto from 'node:crypto';
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import type { RateLimitRepository } from '../../db/rate-limits';
import { realTimeOf, type Clock } from '../../clock';

/**
 * express-rate-limit's counters in the database (fixed windows), so that a limit holds across
 * every instance of the service rather than once per instance. Keys are stored hashed with the
 * limiter's name: the table never holds a citizen's address. Each instance deletes the counters
 * of ended windows once per window.
 */
export class DatabaseRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private sweptWindow = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly counters: RateLimitRepository,
    private readonly clock: Clock,
    /** Tells the limiters apart: the same address has its own count with each. */
    private readonly limiter: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const start = this.windowStart();
    if (start !== this.sweptWindow) {
      this.sweptWindow = start;
      await this.counters.forgetBefore(start);
    }
    return { totalHits: await this.counters.hit(this.keyOf(key), start), resetTime: new Date(start + this.windowMs) };
  }

  async decrement(key: string): Promise<void> {
    await this.counters.unhit(this.keyOf(key), this.windowStart());
  }

  async resetKey(key: string): Promise<void> {
    await this.counters.reset(this.keyOf(key));
  }

  private windowStart(): number {
    // A limit holds off real clients: real minutes, even on a replay's virtual clock.
    const now = realTimeOf(this.clock).now().getTime();
    return now - (now % this.windowMs);
  }

  private keyOf(key: string): string {
    return crypto.createHash('sha256').update(`${this.limiter}\0${key}`).digest('hex');
  }
}
