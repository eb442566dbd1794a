import { rowsOf, type Db } from './connection';

/** Fixed-window request counters in the database, so that every instance counts the same hits. */
export class RateLimitRepository {
  constructor(private readonly db: Db) {}

  /** Counts one hit for `key` in the window starting at `windowStart`; answers the window's hits so far. */
  async hit(key: string, windowStart: number): Promise<number> {
    // One statement, atomic on both databases: a hit in a newer window starts the count again.
    const result = await this.db.raw(
      `insert into rate_limits (key, window_start, hits) values (?, ?, 1)
       on conflict (key) do update set
         hits = case when rate_limits.window_start = excluded.window_start then rate_limits.hits + 1 else 1 end,
         window_start = excluded.window_start
       returning hits`,
      [key, windowStart],
    );
    return Number(rowsOf(result)[0]?.hits);
  }

  /** Takes back one hit of the current window (a request the limiter decided not to count). */
  async unhit(key: string, windowStart: number): Promise<void> {
    await this.db('rate_limits').where({ key, window_start: windowStart }).where('hits', '>', 0).decrement('hits', 1);
  }

  async reset(key: string): Promise<void> {
    await this.db('rate_limits').where({ key }).del();
  }

  /** Deletes the counters of windows that ended; answers how many. */
  async forgetBefore(windowStart: number): Promise<number> {
    return this.db('rate_limits').where('window_start', '<', windowStart).del();
  }
}
