import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../logger';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: the caller's X-Request-Id when it is a sane one, a fresh UUID otherwise. */
    id: string;
  }
}

const CALLER_ID = /^[\w.-]{1,64}$/;
const QUIET = new Set(['/health', '/ready']);

/**
 * Request ids and one log line per request. Every response carries X-Request-Id and the error
 * handler logs with it; the line for each request (method, path, status, time, id — no headers,
 * so neither tokens nor cookies) is written at `info`, or at `error` for a 5xx.
 *
 * pino-http did the same but built a child logger with the serialised request (all headers) on
 * every request, whatever the level: ~10–15% of a citizen page's server time. Here nothing is
 * built unless the line's level is enabled.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && CALLER_ID.test(given) ? given : crypto.randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    if (QUIET.has(req.url)) return next();
    const started = performance.now();
    res.once('close', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const aborted = !res.writableFinished;
      logger[level](
        {
          reqId: id,
          req: { method: req.method, url: req.originalUrl, remoteAddress: req.socket.remoteAddress },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
          ...(aborted ? { aborted } : {}),
        },
        aborted ? 'request aborted' : status >= 500 ? 'request errored' : 'request completed',
      );
    });
    next();
  };
}
