/**
 * Waking the outbox workers when notices are queued (PostgreSQL's LISTEN/NOTIFY), so that a
 * dispatcher neither waits out its polling interval for a new notice nor has to poll often to
 * answer quickly. The notification is sent in the transaction that queues the notice: it reaches
 * the listeners when that commits, never for a notice rolled back. Polling stays the safety net
 * (a notice that becomes due later, a notification missed while the listener reconnected).
 */
import pg from 'pg';
import type { Logger } from '../logger';

/** The channel of the notifications (one per database). */
export const OUTBOX_CHANNEL = 'henlai_outbox';

export interface OutboxWakeups {
  /** Calls `onWake` at each notification, and on each (re)connection; until the returned function is called. */
  listen(onWake: () => void): () => Promise<void>;
}

/** The listening connection's name in pg_stat_activity (what an operator sees beside the pool's). */
export const LISTENER_APPLICATION_NAME = 'henlai-outbox-wakeups';

/** How long the listener waits before it connects again after losing the database. */
const RECONNECT_MS = 1_000;

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
