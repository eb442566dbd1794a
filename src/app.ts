import crypto from 'node:crypto';
import express, { type Express } from 'express';
import pinoHttp from 'pino-http';
import type { Services } from './services';
import { apiRouter } from './http/api/routes';
import { openApiDocument } from './http/api/openapi';
import { errorHandler, notFound } from './http/middleware/errors';
import { citizenRouter } from './http/citizen/routes';
import { handleZaloWebhook } from './channels/zalo';

/** Builds the Express app from already-built services: the composition root of the web side. */
export function createApp(s: Services): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger: s.logger,
      genReqId: (req, res) => {
        const id = req.headers['x-request-id'];
        const reqId = typeof id === 'string' && /^[\w.-]{1,64}$/.test(id) ? id : crypto.randomUUID();
        res.setHeader('X-Request-Id', reqId);
        return reqId;
      },
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/ready' },
    }),
  );
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
  app.use(express.json({ limit: s.config.bodyLimit, type: ['application/json', 'application/*+json'] }));

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
  app.use('/api/v1', apiRouter(s));
  app.use(citizenRouter(s));
  app.use(notFound);
  app.use(errorHandler(s.logger));
  return app;
}
