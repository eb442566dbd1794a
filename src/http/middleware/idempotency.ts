import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { IdempotencyRepository } from '../../db/tokens';
import { ConflictError, RuleError } from '../../errors';
import type { Clock } from '../../clock';
import { actorOf } from './auth';

/**
 * `Idempotency-Key` on a POST makes a retry safe: the first completed answer is stored and
 * replayed for the same key and the same request; the same key with another request is refused.
 */
export function idempotency(repo: IdempotencyRepository, clock: Clock): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || !key) return next();
    if (key.length > 255) throw new RuleError('idempotency-key', 'Idempotency-Key dài tối đa 255 ký tự');
    const actor = actorOf(req);
    const hash = crypto.createHash('sha256').update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`).digest('hex');
    const earlier = await repo.claim(actor.tokenId, key, hash, clock.now().getTime());
    if (earlier) {
      if (earlier.requestHash !== hash) {
        throw new RuleError('idempotency-key-reused', 'Idempotency-Key này đã dùng cho một yêu cầu khác');
      }
      if (earlier.status === null) throw new ConflictError('idempotency-in-progress', 'Yêu cầu cùng Idempotency-Key đang được xử lý');
      res.status(earlier.status).set('Idempotent-Replayed', 'true').type('application/json').send(earlier.body);
      return;
    }
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      const status = res.statusCode;
      const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
      // Only answers that changed something (or say it exists) are replayed; a failure may be retried.
      const settle = status < 500 && status !== 409 && status !== 429 ? repo.complete(actor.tokenId, key, status, text) : repo.release(actor.tokenId, key);
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
