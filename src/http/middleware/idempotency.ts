import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { IdempotencyRepository } from '../../db/tokens';
import { ConflictError, RuleError } from '../../errors';
import { realTimeOf, type Clock } from '../../clock';
import { actorOf } from './auth';

/**
 * `Idempotency-Key` on a POST makes a retry safe: the first completed answer is stored and
 * replayed for the same key and the same request; the same key with another request is refused.
 * A request still running holds the key (a duplicate is answered 409) for at most `claimMs` of
 * real time: a server killed before answering must not leave the key claimed for ever, so a retry
 * after that takes the key over and runs the request (the use cases make a re-run safe: a dossier
 * re-sent with the same content is answered 200, an event already recorded 409). The first
 * request, should it still finish, no longer stores its answer over the retry's.
 */
export function idempotency(repo: IdempotencyRepository, clock: Clock, claimMs: number): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || !key) return next();
    if (key.length > 255) throw new RuleError('idempotency-key', 'Idempotency-Key dài tối đa 255 ký tự');
    const actor = actorOf(req);
    const hash = crypto.createHash('sha256').update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`).digest('hex');
    const realNow = realTimeOf(clock).now().getTime();
    const claim = await repo.claim(actor.tokenId, key, hash, { now: clock.now().getTime(), realNow, expiredBefore: realNow - claimMs });
    if (!('claimToken' in claim)) {
      if (claim.requestHash !== hash) {
        throw new RuleError('idempotency-key-reused', 'Idempotency-Key này đã dùng cho một yêu cầu khác');
      }
      if (claim.status === null) throw new ConflictError('idempotency-in-progress', 'Yêu cầu cùng Idempotency-Key đang được xử lý');
      res.status(claim.status).set('Idempotent-Replayed', 'true').type('application/json').send(claim.body);
      return;
    }
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      const status = res.statusCode;
      const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
      // Only answers that changed something (or say it exists) are replayed; a failure may be retried.
      const settle = status < 500 && status !== 409 && status !== 429 ? repo.complete(actor.tokenId, key, claim, status, text) : repo.release(actor.tokenId, key, claim);
      // The client sees the answer only once it is stored, so an immediate retry replays it.
      settle.then(
        () => send(body),
        () => send(body),
      );
      return res;
    };
    next();
  };
}
