import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../logger';
import { withRequestId } from '../../request-context';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: the caller's X-Request-Id when it is a sane one, a fresh UUID otherwise. */
    id: string;
  }
}

const CALLER_ID = /^[\w.-]{1,64}$/;
const QUIET = new Set(['/health', '/ready']);
/** Secrets in a path: a citizen's link (the key to the letter), the SMS gateway's report address (the installation's token). */
const SECRET_PATHS: Array<[RegExp, string]> = [
  [/^\/c\/[^/?]+/, '/c/:token'],
  [/^\/webhooks\/sms\/[^/?]+/, '/webhooks/sms/:token'],
];

/**
 * The address as logged: the citizen's token replaced by `:token`, and of the query only its
 * keys — values are search terms (names, phone numbers, e-mail addresses), look-up codes and
 * digits, or form fields.
 */
export function loggedUrl(url: string): string {
  const q = url.indexOf('?');
  const path = SECRET_PATHS.reduce((p, [secret, shown]) => p.replace(secret, shown), q < 0 ? url : url.slice(0, q));
  if (q < 0) return path;
  const keys = [...new Set(new URLSearchParams(url.slice(q + 1)).keys())];
  return keys.length ? `${path}?${keys.map(encodeURIComponent).join('&')}` : path;
}

/**
 * Request ids and one log line per request. Every response carries X-Request-Id, and whatever
 * the request sets off runs in its request context: every log line written meanwhile has `reqId`,
 * every notice created keeps it. The line for each request (method, address as `loggedUrl` shapes
 * it, status, time, id — no headers, so neither tokens nor cookies, and not the client's IP
 * address) is written at `info`, or at `error` for a 5xx.
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
    // The rest of the request runs as part of it: the log lines of the use cases it starts carry its id.
    if (QUIET.has(req.url)) return withRequestId(id, next);
    const started = performance.now();
    res.once('close', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const aborted = !res.writableFinished;
      logger[level](
        {
          reqId: id,
          req: { method: req.method, url: loggedUrl(req.originalUrl) },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
          ...(aborted ? { aborted } : {}),
        },
        aborted ? 'request aborted' : status >= 500 ? 'request errored' : 'request completed',
      );
    });
    withRequestId(id, next);
  };
}
