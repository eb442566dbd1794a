/**
 * Waking the outbox workers when notices are queued, so that a dispatcher neither waits out its
 * polling interval for a new notice nor has to poll often to answer quickly. PostgreSQL has
 * LISTEN/NOTIFY; SQLite, a wake file beside the database. Either way the wake-up reaches the
 * workers once the transaction that queued the notice commits, never for a notice rolled back.
 * Polling stays the safety net (a notice that becomes due later, a wake-up missed while the
 * listener was getting its channel back).
 */
import fs from 'node:fs';
import pg from 'pg';
import type { Logger } from '../logger';
import type { DatabaseSettings } from './connection';

/** The channel of the notifications (one per database). */
export const OUTBOX_CHANNEL = 'henlai_outbox';

export interface OutboxWakeups {
  /** Calls `onWake` at each notification, and on each (re)connection; until the returned function is called. */
  listen(onWake: () => void): () => Promise<void>;
}

/** The listening connection's name in pg_stat_activity (what an operator sees beside the pool's). */
export const LISTENER_APPLICATION_NAME = 'henlai-outbox-wakeups';

/** How long the listener waits before it listens again after losing its channel. */
const RECONNECT_MS = 1_000;

/** The wake-ups of the outbox workers on `database`; none for a SQLite database in memory (no other process sees it). */
export function outboxWakeups(database: DatabaseSettings, logger: Logger, retryMs = RECONNECT_MS): OutboxWakeups | undefined {
  if (database.client === 'pg') return pgOutboxWakeups(database.url, logger, retryMs);
  const file = wakeFileOf(database.filename);
  return file === null ? undefined : sqliteOutboxWakeups(file, logger, retryMs);
}

/**
 * A listening connection of its own (outside the pool: a pooled connection is lent to others
 * between queries). It connects again after a loss, and wakes the worker once it is back, for
 * what was queued meanwhile.
 */
export function pgOutboxWakeups(url: string, logger: Logger, reconnectMs = RECONNECT_MS): OutboxWakeups {
  return {
    listen(onWake) {
      let stopped = false;
      let client: pg.Client | null = null;
      let retry: NodeJS.Timeout | null = null;
      const again = () => {
        if (stopped || retry) return;
        retry = setTimeout(() => {
          retry = null;
          void connect();
        }, reconnectMs);
        retry.unref();
      };
      const connect = async () => {
        const c = new pg.Client({ connectionString: url, application_name: LISTENER_APPLICATION_NAME });
        client = c;
        // A lost connection emits 'error' (an unhandled one would end the process), then 'end'.
        c.on('error', (err) => logger.warn({ err }, 'outbox wake-ups: the listening connection failed; polling goes on'));
        c.on('end', () => {
          if (client === c) client = null;
          again();
        });
        c.on('notification', () => onWake());
        try {
          await c.connect();
          await c.query(`listen ${OUTBOX_CHANNEL}`);
          if (stopped) await c.end();
          else onWake();
        } catch (err) {
          logger.warn({ err }, 'outbox wake-ups: could not listen; polling goes on');
          // Its 'end', if it comes, must not start a second connection beside the next one.
          if (client === c) client = null;
          void c.end().catch(() => undefined);
          again();
        }
      };
      void connect();
      return async () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        await client?.end().catch(() => undefined);
      };
    },
  };
}

/**
 * The wake file of a SQLite database, beside it like its `-wal` and `-shm` files; null for a
 * database in memory.
 */
export function wakeFileOf(filename: string): string | null {
  return filename === ':memory:' || filename === '' ? null : `${filename}-wake`;
}

/**
 * Tells the workers watching `file` to look for due notices (after the commit: see
 * NoticeRepository.wakeWorkers). A change of the file's times is all it takes. No file: no
 * worker watches (a listener makes it). Never fails: a wake-up lost is what polling covers.
 */
export async function touchWakeFile(file: string): Promise<void> {
  const now = new Date();
  await fs.promises.utimes(file, now, now).catch(() => undefined);
}

/**
 * Every process on a SQLite database runs on the database's machine (its locks and its WAL index
 * live in shared memory), so the file system can carry the wake-up: the worker watches the wake
 * file (fs.watch: inotify on Linux), and a queuing process touches it once it committed. A file
 * removed or replaced is made and watched again, and the worker woken then, like a PostgreSQL
 * listener that connected again.
 */
export function sqliteOutboxWakeups(file: string, logger: Logger, rewatchMs = RECONNECT_MS): OutboxWakeups {
  return {
    listen(onWake) {
      let stopped = false;
      let watcher: fs.FSWatcher | null = null;
      let retry: NodeJS.Timeout | null = null;
      const again = () => {
        watcher?.close();
        watcher = null;
        if (stopped || retry) return;
        retry = setTimeout(() => {
          retry = null;
          watch();
        }, rewatchMs);
        retry.unref();
      };
      const watch = () => {
        try {
          fs.closeSync(fs.openSync(file, 'a')); // made if missing, never emptied
          // Not persistent: like the polling timer, watching alone keeps no process alive.
          const w = fs.watch(file, { persistent: false });
          watcher = w;
          w.on('change', (event) => {
            // 'rename': the file was removed or replaced, and this watch will hear nothing more.
            if (event === 'change') onWake();
            else again();
          });
          w.on('error', (err) => {
            logger.warn({ err }, 'outbox wake-ups: watching the wake file failed; polling goes on');
            again();
          });
          onWake();
        } catch (err) {
          logger.warn({ err }, 'outbox wake-ups: could not watch the wake file; polling goes on');
          again();
        }
      };
      watch();
      return async () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        watcher?.close();
        watcher = null;
      };
    },
  };
}
