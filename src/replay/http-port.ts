import type { DossierInput } from '../services/dossiers';
import { VIRTUAL_NOW_HEADER } from '../clock';
import type { PortEvent, PortOutcome, ServicePort } from './driver';

/** How long the HTTP port keeps retrying a server that is down (killed and restarting). */
const SERVER_DOWN_PATIENCE_MS = 60_000;
/**
 * Requests in flight at once per server: enough to keep each server's connection pool and the
 * database busy while another request waits for its answer, few enough that a killed server
 * takes little with it.
 */
const REQUESTS_PER_SERVER = 4;

export interface HttpPortOptions {
  /** The servers' base URLs (http://127.0.0.1:port). */
  baseUrls: () => string[];
  /** An API token of the integration (installation-wide). */
  token: string;
  /** The virtual now the driver has set (sent so that a server catches up before it answers). */
  virtualNow: () => number;
  /** Requests in flight at once (default REQUESTS_PER_SERVER × servers). */
  concurrency?: number;
}

/**
 * The JSON API of the server processes, the way a one-stop system and the staff's software use
 * it: a step's dossiers and events (distinct dossiers, so independent) go round the servers a few
 * at a time; one that fails (a server being killed) is sent again to the next with the same
 * Idempotency-Key, so a dossier sent twice is received once. A 409 "in progress" is retried with
 * the same key too: the server that claimed the key was killed before it answered, and the claim
 * expires after IDEMPOTENCY_CLAIM_SECONDS (set short by run.ts).
 *
 * Each request carries the driver's virtual now (VIRTUAL_NOW_HEADER), so that a server reads the
 * shared clock before it judges the dossier's instants. Should one still answer 400 "in the
 * future" (acceptedAt, occurredAt) — it could not read the clock —, nothing was changed but the
 * answer is stored under the key: the request is sent again under a new key, which the use cases
 * make safe (a dossier re-sent with the same content is answered 200, an event already recorded 409).
 */
export function httpPort(options: HttpPortOptions): ServicePort {
  const { baseUrls, token, virtualNow } = options;
  let turn = 0;
  const slots = new Slots(options.concurrency ?? REQUESTS_PER_SERVER * baseUrls().length);
  const call = async (path: string, body: unknown, key: string): Promise<{ status: number; json: Record<string, unknown> }> => {
    const started = Date.now();
    let keyNo = 0;
    for (let attempt = 0; ; attempt++) {
      const urls = baseUrls();
      const url = urls[turn++ % urls.length];
      try {
        const res = await fetch(`${url}/api/v1${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'idempotency-key': keyNo ? `${key}~${keyNo}` : key,
            [VIRTUAL_NOW_HEADER]: String(virtualNow()),
          },
          body: JSON.stringify(body),
        });
        const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        const future = (res.status === 400 || res.status === 422) && /"field":"(acceptedAt|occurredAt)","message":"[^"]*tương lai/.test(JSON.stringify(json));
        const inProgress = res.status === 409 && /idempotency-in-progress/.test(String(json.type));
        if (!future && !inProgress && res.status < 500) return { status: res.status, json };
        if (future) keyNo++;
        if (Date.now() - started > SERVER_DOWN_PATIENCE_MS) throw new Error(`replay: ${path} answered ${res.status} for ${SERVER_DOWN_PATIENCE_MS / 1000} s: ${JSON.stringify(json)}`);
      } catch (err) {
        if (Date.now() - started > SERVER_DOWN_PATIENCE_MS) throw err;
      }
      await new Promise((r) => setTimeout(r, Math.min(500, 20 * 2 ** Math.min(attempt, 5))));
    }
  };
  const dueOf = (json: Record<string, unknown>): number | null => (typeof json.currentDueAt === 'string' ? Date.parse(json.currentDueAt) : null);
  const receiveOne = async (input: DossierInput): Promise<{ dueAt: number | null }> => {
    const { status, json } = await call('/dossiers', input, `replay-dossier-${input.code}`);
    if (status !== 201 && status !== 200) throw new Error(`replay: dossier ${input.code} refused (${status}): ${JSON.stringify(json)}`);
    return { dueAt: dueOf(json) };
  };
  const recordOne = async ({ code, event }: PortEvent): Promise<PortOutcome> => {
    const path = `/dossiers/${encodeURIComponent(code)}/events`;
    const { status, json } = await call(path, { kind: event.kind, occurredAt: event.occurredAt.toISOString() }, `replay-event-${code}-${event.kind}-${event.occurredAt.getTime()}`);
    if (status === 409) return { outcome: 'refused', dueAt: null };
    if (status !== 201 && status !== 200) throw new Error(`replay: event ${event.kind} on ${code} refused (${status}): ${JSON.stringify(json)}`);
    return { outcome: 'done', dueAt: dueOf(json) };
  };
  return {
    receive: (inputs) => Promise.all(inputs.map((input) => slots.run(() => receiveOne(input)))),
    record: (items) => Promise.all(items.map((item) => slots.run(() => recordOne(item)))),
  };
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
