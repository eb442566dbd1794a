import { AppError } from './errors';
import express, { type Express } from 'express';
import type { Services } from './compose';
import { apiRouter } from './http/api/routes';
import { openApiDocument } from './http/api/openapi';
import { errorHandler, notFound } from './http/middleware/errors';
import { requestLog } from './http/middleware/request-log';
import { virtualNowCatchUp } from './http/middleware/virtual-now';
import { citizenRouter } from './http/citizen/routes';
import { handleZaloWebhook } from './channels/zalo';
import { gatewayOf, handleSmsCallback } from './channels/sms';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import compression from 'compression';
import { TEMPLATES_DIR } from './documents/renderer';
import { ViewRenderer } from './http/views';
import { loadPageStyle } from './http/page-style';
import { loadSession } from './http/staff/session';
import { staffRouter } from './http/staff/routes';
import { multipartBody } from './http/multipart';
import { staffPageGroups } from './http/staff';

/**
 * No inline script anywhere, and styles only from our own stylesheet (linked, or inline on
 * citizen pages and allowed by its hash). Issued letters are the
 * one exception (see LETTER_CSP): they carry their own <style> so that the stored HTML is the
 * whole document.
 */
function securityHeaders(https: boolean, inlineStyle: string) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", inlineStyle],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 31_536_000 } : false,
  });
}

/** Builds the Express app from already-built services: the composition root of the web side. */
export function createApp(s: Services): Express {
  const app = express();
  app.disable('x-powered-by');
  // Pages and API answers are per person and not cached (no-store); hashing every body for an
  // ETag no client can use cost ~2% of a citizen page. Static files keep theirs (serve-static).
  app.set('etag', false);
  // Whose X-Forwarded-For / -Proto to believe (TRUST_PROXY): they decide req.ip — the look-up and
  // sign-in buckets — and req.secure — Secure cookies.
  app.set('trust proxy', s.config.trustProxy);
  app.use(requestLog(s.logger));
  const style = loadPageStyle(path.join(TEMPLATES_DIR, 'static', 'app.css'));
  app.use(securityHeaders(s.config.publicBaseUrl.startsWith('https:'), style.cspSource));
  // Pages, letters (150 KB with their fonts) and the stylesheet reach a citizen's phone on a slow
  // network: gzip them (bodies from 1 KB on; PDFs and images are compressed already).
  app.use(compression());
  app.use('/static', express.static(path.join(TEMPLATES_DIR, 'static'), { maxAge: '1h', index: false }));
  // Everything else may carry personal data (API answers and exports, staff and citizen pages):
  // no browser or proxy may keep a copy. Routes that send files say it again for themselves.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  // Before the JSON parser: the signature covers the exact bytes Zalo sent.
  app.post('/webhooks/zalo', express.raw({ type: '*/*', limit: '64kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const answer = await handleZaloWebhook(
      { db: s.db, config: s.config.zalo, now: s.clock.now(), logger: s.logger },
      raw,
      req.get('X-ZEvent-Signature'),
    );
    res.status(answer.status).json(answer.body);
  });
  // The SMS gateway's delivery reports: a GET whose path carries the installation's secret token.
  app.get('/webhooks/sms/:token', async (req, res) => {
    const answer = await handleSmsCallback(
      { db: s.db, gateway: gatewayOf(s.config.sms), callbackToken: s.config.sms.callbackToken, now: s.clock.now(), logger: s.logger },
      String(req.params.token),
      req.query as Record<string, unknown>,
    );
    res.status(answer.status).json(answer.body);
  });
  // A remote-signing service's callback (one URL per agency account): raw, since its signature
  // covers the exact bytes. A forged one is refused (401) and changes nothing; any other only
  // wakes the letter, whose outcome is then read from the service.
  app.post('/webhooks/ky-so/:agency', express.raw({ type: '*/*', limit: '64kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    try {
      await s.apologyWorkflow.signatureCallback(String(req.params.agency), raw, req.headers);
      res.json({ status: 0, message: 'ok' });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      res.status(err.status).type('application/problem+json').json({ type: 'about:blank', title: err.message, status: err.status, code: err.code });
    }
  });
  app.use(express.json({ limit: s.config.bodyLimit, type: ['application/json', 'application/*+json'] }));
  const views = new ViewRenderer(path.join(TEMPLATES_DIR, 'views'), style.css);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    try {
      await s.db.raw('select 1');
      res.json({ status: 'ready', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'not-ready', database: 'unreachable' });
    }
  });
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use('/api/v1', virtualNowCatchUp(s.clock), apiRouter(s));
  app.use(['/api', '/webhooks'], notFound(views));

  // Before the form parser and the cookies: citizen pages read no session, and their one form
  // (the look-up) parses its own body.
  const form = express.urlencoded({ extended: false, limit: s.config.bodyLimit });
  app.use(citizenRouter(s, views, form));
  app.use(form);
  app.use('/quan-tri/ky-so', multipartBody(2 * 1024 * 1024));
  app.use(cookieParser());
  app.use(loadSession(s.users));
  app.use(staffRouter(s, views, staffPageGroups(s, views)));
  app.use(notFound(views));
  app.use(errorHandler(s.logger, views));
  return app;
}
