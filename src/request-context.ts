import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request a piece of work was started by, carried by the asynchronous call chain
 * (AsyncLocalStorage) rather than passed to every function: the HTTP layer opens it, the logger
 * stamps its id on every line written inside it (`reqId`), and a notice created inside it keeps
 * the id (notices.request_id) so that the outbox worker's lines about that notice carry it too —
 * one id from the HTTP request to the message it sent.
 */
const current = new AsyncLocalStorage<{ reqId: string }>();

/** Runs `work` as part of request `reqId` (no request: `work` as it is). */
export function withRequestId<T>(reqId: string | null, work: () => T): T {
  return reqId ? current.run({ reqId }, work) : work();
}

/** The id of the request the running code is part of, if any. */
export function currentRequestId(): string | null {
  return current.getStore()?.reqId ?? null;
}
