import assert from 'node:assert/strict';
import express from 'express';
import supertest from 'supertest';
import { createApp } from '../src/app';
import type { Channel } from '../src/channels/types';
import { buildServices } from '../src/compose';
import type { NoticeChannel } from '../src/db/notices';
import { requestLog } from '../src/http/middleware/request-log';
import { currentRequestId } from '../src/request-context';
import { capturingLogger } from './support/log-capture';
import { createTestContext, dossierBody, seedBasics, type TestContext } from './support/context';

type Line = { reqId?: string; msg: string; notice?: number; apology?: number };

describe('request context: one id from the HTTP request to the notices it created', function () {
  this.timeout(60_000);

  it('survives the body parser and async work: the handler sees the id the response carries', async () => {
    const { logger } = capturingLogger('silent');
    const app = express();
    app.use(requestLog(logger));
    app.use(express.json());
    app.post('/echo', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 5));
      res.json({ reqId: currentRequestId() });
    });
    const given = await supertest(app).post('/echo').set('X-Request-Id', 'caller-42').send({ a: 1 }).expect(200);
    assert.equal(given.body.reqId, 'caller-42');
    const fresh = await supertest(app).post('/echo').send({ a: 1 }).expect(200);
    assert.equal(fresh.body.reqId, fresh.headers['x-request-id']);
    assert.equal(currentRequestId(), null, 'nothing leaks out of the request');
  });

  describe('an apology issued over the API', () => {
    let ctx: TestContext;
    beforeEach(async () => {
      ctx = await createTestContext('2026-03-02T09:00:00+07:00');
      await seedBasics(ctx);
      await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'RQ-1', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    });
    afterEach(async () => ctx.close());

    it('its log lines, its notices and the outbox worker’s lines about them carry the request’s id', async () => {
      const { logger, lines } = capturingLogger('debug');
      // A letter that cannot be printed and channels that throw: both make the code log about
      // this apology and its notices, inside the use case and inside the outbox worker.
      const sent: string[] = [];
      const throwing = (name: NoticeChannel): Channel => ({
        name,
        simulated: true,
        send: async () => {
          sent.push(name);
          throw new Error(`${name} exploded`);
        },
        close: async () => undefined,
      });
      const channels = new Map<NoticeChannel, Channel>((['zalo', 'email', 'sms', 'print'] as NoticeChannel[]).map((c) => [c, throwing(c)]));
      const pdf = { render: () => Promise.reject(new Error('no browser here')), close: async () => undefined };
      const s = buildServices(ctx.config, ctx.db, ctx.clock, logger, { pdf, channels });
      const http = supertest(createApp(s));
      const auth = { Authorization: `Bearer ${ctx.token}` };

      const drafted = await http.post('/api/v1/dossiers/RQ-1/apologies').set(auth).set('X-Request-Id', 'draft-1').send({}).expect(201);
      ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
      await http.post(`/api/v1/apologies/${drafted.body.id}/approve`).set(auth).set('X-Request-Id', 'issue-1').expect(200);

      const notices = await ctx.db('notices').where({ apology_id: drafted.body.id }).select('id', 'request_id');
      assert.ok(notices.length >= 1, 'issuing queued notices');
      assert.deepEqual(notices.map((n) => n.request_id), notices.map(() => 'issue-1'));

      const parsed = (): Line[] => lines.map((l) => JSON.parse(l) as Line);
      const pdfLine = parsed().find((l) => /letter PDF/.test(l.msg));
      assert.ok(pdfLine, `the use case logged the failed PDF:\n${lines.join('\n')}`);
      assert.equal(pdfLine.reqId, 'issue-1');

      await s.dispatcher.runOnce();
      assert.ok(sent.length >= 1, 'the worker tried the notices');
      const threw = parsed().filter((l) => l.msg === 'channel threw');
      assert.equal(threw.length, sent.length);
      for (const l of threw) assert.equal(l.reqId, 'issue-1', JSON.stringify(l));
      // The worker's own lines that are about no one request carry none.
      for (const l of parsed().filter((x) => x.msg === 'outbox')) assert.equal(l.reqId, undefined, JSON.stringify(l));
    });

    it('a notice created outside any request (the watcher) has no request id', async () => {
      ctx.clock.set(new Date('2026-03-10T10:00:00+07:00'));
      const tick = await ctx.services.watcher.tick();
      const rows = await ctx.db('notices').select('request_id');
      assert.ok(rows.length >= 1, `the watcher queued notices: ${JSON.stringify(tick)}`);
      assert.ok(rows.every((r) => r.request_id === null));
    });
  });
});
