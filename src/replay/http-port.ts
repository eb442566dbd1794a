import crypto from 'node:crypto';
import { VIRTUAL_NOW_HEADER } from '../clock';
import type { PortOutcome, ServicePort } from './driver';
import { VIRTUAL_CLOCK_POLL_MS } from './virtual-clock';

/** How long the HTTP port keeps retrying a server that is down (killed and restarting). */
const SERVER_DOWN_PATIENCE_MS = 60_000;
/**
 * Batch requests in flight at once per server: one working while the next travels, few enough
 * that a killed server takes little with it.
 */
const REQUESTS_PER_SERVER = 2;
/** Items per batch request: a step's intake in a few transactions, well within the body limit (100 kB). */
const BATCH_ITEMS = 100;
/** Rounds of items answered "in the future" sent again before the port gives up. */
const FUTURE_ROUNDS = 20;

export interface HttpPortOptions {
  /** The servers' base URLs (http://127.0.0.1:port) now: a restarted server may listen elsewhere. */
  baseUrls: () => string[];
  /** An API token of the integration (installation-wide). */
  token: string;
  /** The virtual now the driver has set (sent so that a server catches up before it answers). */
  virtualNow: () => number;
  /** Requests in flight at once (default REQUESTS_PER_SERVER × servers). */
  concurrency?: number;
  /** Aborted: the servers are being stopped; a request is not tried again. */
  signal?: AbortSignal;
}

/**
 * The JSON API of the server processes, the way a one-stop system synchronises with it: a step's
 * dossiers (`POST /dossier-batches`) and events (`POST /event-batches`) — distinct dossiers, so
 * independent — go in batches of BATCH_ITEMS, a few at once round the servers. A batch that fails
 * (a server being killed) is sent again to the next with the same Idempotency-Key, so a batch
 * sent twice is taken once. A 409 "in progress" is retried with the same key too: the server that
 * claimed the key was killed before it answered, and the claim expires after
 * IDEMPOTENCY_CLAIM_SECONDS (set short by run.ts). A killed server committed a request's work and
 * its answer together or neither (src/http/middleware/idempotency.ts): a retry gets the stored
 * answer, or runs the request afresh.
 *
 * Each request carries the driver's virtual now (VIRTUAL_NOW_HEADER), so that a server reads the
 * shared clock before it judges the items' instants. Items still answered "in the future"
 * (acceptedAt, occurredAt: the server could not read the clock) were not taken: they go again in
 * a batch of their own, under a new key.
 */
export function httpPort(options: HttpPortOptions): ServicePort {
  const { baseUrls, token, virtualNow, signal } = options;
  let turn = 0;
  // At least one server's worth: none may be listening at this instant (one being restarted).
  const slots = new Slots(options.concurrency ?? REQUESTS_PER_SERVER * Math.max(1, baseUrls().length));
  /** POSTs a body until a server answers it (below 500, not "in progress"), round the servers. */
  const post = async (path: string, body: unknown, key: string): Promise<{ status: number; json: Record<string, unknown> }> => {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const urls = baseUrls();
      // None listening: every server is being restarted (or there is one); waited for as one that is down.
      const url = urls.length ? urls[turn++ % urls.length] : null;
      try {
        if (!url) throw new Error('replay: no server is listening');
        const res = await fetch(`${url}/api/v1${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key, [VIRTUAL_NOW_HEADER]: String(virtualNow()) },
          body: JSON.stringify(body),
        });
        const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        const inProgress = res.status === 409 && /idempotency-in-progress/.test(String(json.type));
        if (!inProgress && res.status < 500) return { status: res.status, json };
        if (Date.now() - started > SERVER_DOWN_PATIENCE_MS) throw new Error(`replay: ${path} answered ${res.status} for ${SERVER_DOWN_PATIENCE_MS / 1000} s: ${JSON.stringify(json)}`);
      } catch (err) {
        if (Date.now() - started > SERVER_DOWN_PATIENCE_MS) throw err;
      }
      await new Promise((r) => setTimeout(r, Math.min(500, 20 * 2 ** Math.min(attempt, 5))));
    }
  };
  /**
   * Sends items as batches of BATCH_ITEMS, a few at once; each item's answer in order. Items a
   * server answered "in the future" go again in a batch of their own, under a new key.
   */
  const sendAll = async (path: string, bodies: unknown[]): Promise<BatchItem[]> => {
    const answers: BatchItem[] = new Array(bodies.length);
    let waiting = bodies.map((_, i) => i);
    for (let round = 0; waiting.length; round++) {
      const chunks: number[][] = [];
      for (let i = 0; i < waiting.length; i += BATCH_ITEMS) chunks.push(waiting.slice(i, i + BATCH_ITEMS));
      const again: number[] = [];
      await Promise.all(
        chunks.map((chunk) =>
          slots.run(async () => {
            const body = { items: chunk.map((i) => bodies[i]) };
            const key = `replay-${path.slice(1)}-${crypto.createHash('sha256').update(JSON.stringify(body)).digest('hex')}${round ? `~${round}` : ''}`;
            const { status, json } = await post(path, body, key);
            const items = json.items;
            if (status !== 200 || !Array.isArray(items) || items.length !== chunk.length) throw new Error(`replay: ${path} refused a batch (${status}): ${JSON.stringify(json).slice(0, 2000)}`);
            chunk.forEach((i, k) => {
              const item = items[k] as BatchItem;
              if (inTheFuture(item)) again.push(i);
              else answers[i] = item;
            });
          }),
        ),
      );
      if (again.length && round >= FUTURE_ROUNDS) throw new Error(`replay: ${path}: the servers still answer ${again.length} items "in the future" after ${round + 1} rounds`);
      if (again.length) await new Promise((r) => setTimeout(r, VIRTUAL_CLOCK_POLL_MS));
      waiting = again;
    }
    return answers;
  };
  return {
    receive: async (inputs) =>
      (await sendAll('/dossier-batches', inputs)).map((a, i) => {
        if (a.status !== 201 && a.status !== 200) throw new Error(`replay: dossier ${inputs[i].code} refused (${a.status}): ${JSON.stringify(a.problem)}`);
        return { dueAt: dueOf(a) };
      }),
    record: async (items) =>
      (await sendAll('/event-batches', items.map(({ code, event }) => ({ code, kind: event.kind, occurredAt: event.occurredAt.toISOString() })))).map((a, i): PortOutcome => {
        if (a.status === 409) return { outcome: 'refused', dueAt: null };
        if (a.status !== 201 && a.status !== 200) throw new Error(`replay: event ${items[i].event.kind} on ${items[i].code} refused (${a.status}): ${JSON.stringify(a.problem)}`);
        return { outcome: 'done', dueAt: dueOf(a) };
      }),
  };
}

/** One item's answer in a batch (src/http/api/batches.ts). */
interface BatchItem {
  status: number;
  dossier?: { currentDueAt?: unknown };
  problem?: { errors?: { field: string; message: string }[] };
}

function dueOf(a: BatchItem): number | null {
  return typeof a.dossier?.currentDueAt === 'string' ? Date.parse(a.dossier.currentDueAt) : null;
}

/** Refused because the server's clock has not reached the item's instant (nothing was changed). */
function inTheFuture(a: BatchItem): boolean {
  return a.status === 400 && (a.problem?.errors ?? []).some((e) => (e.field === 'acceptedAt' || e.field === 'occurredAt') && /tương lai/.test(e.message));
}

/** At most `size` tasks at once; the others wait their turn in order. */
class Slots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.busy >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    }
  }
}
