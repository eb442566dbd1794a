import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { IdempotencyRepository } from '../../db/tokens';
import { ConflictError, RuleError } from '../../errors';
import { realTimeOf, type Clock } from '../../clock';
import { actorOf } from './auth';

/** Only answers that changed something (or say it exists) are replayed; a failure may be retried. */
const replayable = (status: number): boolean => status < 500 && status !== 409 && status !== 429;

/**
 * `Idempotency-Key` on a POST makes a retry safe: the first completed answer is stored and
 * replayed for the same key and the same request; the same key with another request is refused.
 *
 * The request runs in one transaction (the use cases' own transactions join it) and its answer is
 * stored in that transaction before it commits: a server killed at any point either committed the
 * work with its answer, which a retry replays, or committed neither, and a retry runs the request
 * afresh. A re-run therefore never meets its own earlier work (a dossier "already there", an event
 * "out of turn"). The client sees the answer only once it is committed.
 *
 * A request still running holds the key (a duplicate is answered 409) for at most `claimMs` of
 * real time, so that a key whose server died is not blocked for ever: a retry after that takes the
 * key over and runs. The first request, should it still finish, then cannot store its answer, and
 * its work is undone with it.
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
    // The answer is held back until it is committed: by send (json calls it) or, without a body, end.
    const send = res.send.bind(res);
    const end = res.end.bind(res);
    const restore = () => {
      res.send = send;
      res.end = end;
    };
    let answer: Answer | undefined;
    try {
      await repo.unitOfWork(async () => {
        const given = new Promise<Answer>((resolve) => {
          res.send = (body?: unknown) => {
            resolve({ body, status: res.statusCode, by: send });
            return res;
          };
          res.end = (() => {
            resolve({ body: undefined, status: res.statusCode, by: () => end() });
            return res;
          }) as typeof res.end;
        });
        next();
        answer = await given;
        // Not an answer to replay: the key is freed for a retry, and whatever the request wrote on
        // purpose (a refused payload recorded for the administrator) is kept.
        if (!replayable(answer.status)) return repo.release(actor.tokenId, key, claim);
        const text = typeof answer.body === 'string' ? answer.body : Buffer.isBuffer(answer.body) ? answer.body.toString('utf8') : answer.body === undefined ? '' : JSON.stringify(answer.body);
        if (!(await repo.complete(actor.tokenId, key, claim, answer.status, text))) {
          throw new ConflictError('idempotency-in-progress', 'Yêu cầu cùng Idempotency-Key đang được xử lý');
        }
      });
    } catch (err) {
      // Taken over by a retry (its answer stands; this request's work is undone), or the database
      // failed: the key stays claimed until it expires, and a retry then finds the answer if the
      // commit went through after all, or runs the request.
      restore();
      res.removeHeader('Location');
      throw err;
    }
    restore();
    const { by, body } = answer as Answer;
    by(body);
  };
}

interface Answer {
  body: unknown;
  status: number;
  /** Sends it for real once it is committed (or refused). */
  by: (body: unknown) => void;
}
