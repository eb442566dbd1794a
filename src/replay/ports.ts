import type { Services } from '../compose';
import type { Actor } from '../domain/actor';
import { ConflictError } from '../errors';
import type { DossierInput } from '../services/dossiers';
import type { PortEvent, PortOutcome, ServicePort } from './driver';

/** One-stop intake acting for the whole province (an installation-wide integration). */
const INTAKE: Actor = { name: 'một cửa (replay)', agencyId: null, role: 'integration' };

/**
 * The use cases in the driver's own process (SQLite, one process): a step's dossiers registered
 * as one batch and its events recorded as one, as a one-stop system's synchronisation is.
 */
export function inProcessPort(s: Services): ServicePort {
  return {
    receive: async (inputs) =>
      (await s.dossiers.createMany(inputs, INTAKE)).map((o) => {
        if ('refused' in o) throw o.refused;
        return { dueAt: o.view.dossier.currentDueAt };
      }),
    record: async (items) =>
      (await s.dossiers.recordEvents(items)).map((o): PortOutcome => {
        if (!('refused' in o)) return { outcome: 'done', dueAt: o.view.dossier.currentDueAt };
        if (o.refused instanceof ConflictError && o.refused.code === 'invalid-transition') return { outcome: 'refused', dueAt: null };
        throw o.refused;
      }),
  };
}

/** How long the HTTP port keeps retrying a server that is down (killed and restarting). */
const SERVER_DOWN_PATIENCE_MS = 60_000;

/**
 * The JSON API of the server processes, the way a one-stop system and the staff's software use
 * it: requests go round the servers; one that fails (a server being killed) is sent again to the
 * next with the same Idempotency-Key, so a dossier sent twice is received once. A 409 "in
 * progress" is retried with the same key too: the server that claimed the key was killed before
 * it answered, and the claim expires after IDEMPOTENCY_CLAIM_SECONDS (set short by run.ts).
 * One answer makes the client send again under a new key, which the use cases make safe (a
 * dossier re-sent with the same content is answered 200, an event already recorded 409): 400 "in
 * the future" (acceptedAt, occurredAt): the server's virtual clock has not caught up with the
 * driver's yet (it follows within 50 ms); nothing was changed, but the answer is stored under the key.
 */
export function httpPort(baseUrls: () => string[], token: string): ServicePort {
  let turn = 0;
  const call = async (path: string, body: unknown, key: string): Promise<{ status: number; json: Record<string, unknown> }> => {
    const started = Date.now();
    let keyNo = 0;
    for (let attempt = 0; ; attempt++) {
      const urls = baseUrls();
      const url = urls[turn++ % urls.length];
      try {
        const res = await fetch(`${url}/api/v1${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': keyNo ? `${key}~${keyNo}` : key },
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
    receive: async (inputs) => {
      const answers: { dueAt: number | null }[] = [];
      for (const input of inputs) answers.push(await receiveOne(input));
      return answers;
    },
    record: async (items) => {
      const answers: PortOutcome[] = [];
      for (const item of items) answers.push(await recordOne(item));
      return answers;
    },
  };
}
