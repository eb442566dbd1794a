import assert from 'node:assert/strict';
import type { Attachment, Channel, OutgoingNotice, SendResult } from '../../src/channels/types';
import { DispatchWorkerRepository } from '../../src/db/dispatch-workers';
import { NoticeRepository, type NoticeChannel } from '../../src/db/notices';
import { Dispatcher, type DispatchSettings } from '../../src/dispatch/dispatcher';
import { createLogger } from '../../src/logger';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/** A channel whose answers the test scripts per recipient, recording every send. */
class ScriptedChannel implements Channel {
  readonly simulated = true;
  readonly sent: { id: number; recipient: string; payload: Record<string, unknown>; attachments: string[] }[] = [];
  constructor(
    readonly name: NoticeChannel,
    private readonly script: (n: OutgoingNotice) => SendResult = () => ({ outcome: 'sent', providerAnswer: 'ok', providerMessageId: 'm' }),
  ) {}
  async send(n: OutgoingNotice, attachments: () => Promise<Attachment[]>): Promise<SendResult> {
    const files = this.name === 'email' && n.apologyId ? (await attachments()).map((a) => a.filename) : [];
    this.sent.push({ id: n.id, recipient: n.recipient, payload: n.payload, attachments: files });
    return this.script(n);
  }
  async close(): Promise<void> {}
}

const SETTINGS: DispatchSettings = {
  concurrency: 4,
  retryWindowMs: 24 * 3_600_000,
  sendingTimeoutMs: 300_000,
  leaseMs: 10_000,
  sendWindow: { start: 6 * 60, end: 22 * 60 },
  channelDownRetryMs: 600_000,
};

describe('dispatch: the outbox worker', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let repo: NoticeRepository;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-10T08:00:00+07:00');
    await seedBasics(ctx);
    repo = new NoticeRepository(ctx.db);
  });
  afterEach(async () => ctx.close());

  /** Issues an apology for a slipped dossier through the watcher; returns its notice. */
  async function issue(code: string, overrides: Record<string, unknown> = {}) {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00', ...overrides })).expect(201);
    const d = await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({}).expect(201);
    const a = await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    return a.body.notices[0] as { id: number; channel: string };
  }

  const dispatcher = (channels: Channel[], settings: Partial<DispatchSettings> = {}, random = () => 0.5) =>
    new Dispatcher({
      notices: repo,
      workers: new DispatchWorkerRepository(ctx.db),
      channels: new Map(channels.map((c) => [c.name, c])),
      attachments: (batch) => ctx.services.apologyFiles.noticeAttachments(batch),
      clock: ctx.clock,
      logger: createLogger('silent'),
      settings: { ...SETTINGS, ...settings },
      random,
    });

  const status = async (id: number) => (await repo.byId(id))?.status;

  it('sends a due notice once, with its own rendering, and records the attempt', async () => {
    const n = await issue('A-1');
    const zalo = new ScriptedChannel('zalo', () => ({ outcome: 'sent', providerAnswer: '{"error":0}', providerMessageId: 'msg-1' }));
    const r = await dispatcher([zalo]).runOnce();
    assert.equal(r.sent, 1);
    assert.equal(await status(n.id), 'sent');
    assert.ok((zalo.sent[0].payload as { params?: unknown }).params, 'the Zalo channel receives the Zalo parameters');
    await dispatcher([zalo]).runOnce();
    assert.equal(zalo.sent.length, 1, 'a sent notice is never sent again');
    const detail = await ctx.api('get', `/api/v1/messages/${n.id}`).expect(200);
    assert.equal(detail.body.attemptsLog.length, 1);
    assert.equal(detail.body.attemptsLog[0].providerMessageId, 'msg-1');
    assert.equal(detail.body.statusLabel, 'Đã gửi');
  });

  it('holds citizen messages outside 06:00–21:59 but still sends staff digests', async () => {
    const n = await issue('NIGHT');
    await ctx.services.watcher.tick(); // queues the SXD digest (A due soon) if any
    ctx.clock.set(new Date('2026-03-10T22:30:00+07:00'));
    const zalo = new ScriptedChannel('zalo');
    const email = new ScriptedChannel('email');
    await dispatcher([zalo, email]).runOnce();
    assert.equal(zalo.sent.length, 0, 'no Zalo message at 22:30');
    assert.equal(await status(n.id), 'created');
    ctx.clock.set(new Date('2026-03-11T06:00:00+07:00'));
    await dispatcher([zalo, email]).runOnce();
    assert.equal(zalo.sent.length, 1, 'sent when the window opens at 06:00');
  });

  it('retries temporary failures with backoff, then gives up after the retry window and falls back to the counter', async () => {
    const n = await issue('FLAKY', { consent: { zalo: true, email: false, sms: false } });
    const zalo = new ScriptedChannel('zalo', () => ({ outcome: 'technical-failure', errorClass: 'timeout', providerAnswer: 'timeout' }));
    await dispatcher([zalo]).runOnce();
    const after1 = await repo.byId(n.id);
    assert.equal(after1?.status, 'technical-failure');
    assert.equal(after1!.notBefore - ctx.clock.now().getTime(), 30_000, 'first retry after 30 s (jitter 0.5 → ×1.0)');
    await dispatcher([zalo]).runOnce();
    assert.equal(zalo.sent.length, 1, 'not retried before its time');
    for (let i = 0; i < 40 && (await status(n.id)) !== 'permanent-failure'; i++) {
      ctx.clock.advance(3_600_000);
      await dispatcher([zalo]).runOnce();
    }
    assert.equal(await status(n.id), 'permanent-failure', 'after 24 hours of failures the notice gives up');
    const attempts = await repo.attempts(n.id);
    assert.equal(attempts[attempts.length - 1].outcome, 'gave-up');
    const print = await ctx.db('notices').where({ channel: 'print', fallback_of: n.id }).first();
    assert.ok(print, 'the citizen lands on the counter’s call-or-print list');
    assert.equal(print.recipient, '+84912345678', 'with the phone number to call');
  });

  it('falls back from Zalo to e-mail when the citizen has no Zalo account, attaching the letter', async () => {
    const n = await issue('NOZALO');
    const zalo = new ScriptedChannel('zalo', () => ({ outcome: 'permanent-failure', errorClass: 'zalo:-118', providerAnswer: 'Zalo account not existed', fallback: true }));
    const email = new ScriptedChannel('email');
    const r = await dispatcher([zalo, email]).runOnce();
    assert.equal(await status(n.id), 'permanent-failure');
    assert.equal(r.fallbacks, 1);
    assert.equal(email.sent.length, 1, 'the same run sends the e-mail fallback');
    assert.equal(email.sent[0].recipient, 'an.nguyen@example.vn');
    assert.ok((email.sent[0].payload as { subject?: string }).subject, 'the e-mail channel receives the e-mail rendering');
    assert.match(email.sent[0].attachments.join(), /^thu-xin-loi-.+\.pdf$/, 'the letter PDF is attached under its letter number');
    const fallback = await ctx.db('notices').where({ fallback_of: n.id }).first();
    assert.equal(fallback.status, 'sent');
  });

  it('reads the letters of a claimed batch together, and a letter that cannot be produced fails only its own e-mail', async () => {
    const notices = [];
    for (let i = 0; i < 3; i++) notices.push(await issue(`PDF-${i}`, { consent: { zalo: false, email: true, sms: false } }));
    assert.ok(notices.every((n) => n.channel === 'email'), 'these citizens only agreed to e-mail');
    // The second letter's stored HTML and PDF are gone: it cannot be rendered.
    const broken = (await ctx.db('notices').where({ id: notices[1].id }).first()).apology_id;
    assert.equal(await ctx.db('apology_documents').where({ apology_id: broken }).del(), 1);
    const reads: number[] = [];
    const email = new ScriptedChannel('email');
    const d = new Dispatcher({
      notices: repo,
      workers: new DispatchWorkerRepository(ctx.db),
      channels: new Map([['email', email]]),
      attachments: (batch) => {
        reads.push(batch.length);
        return ctx.services.apologyFiles.noticeAttachments(batch);
      },
      clock: ctx.clock,
      logger: createLogger('silent'),
      settings: SETTINGS,
      random: () => 0.5,
    });
    const r = await d.runOnce();
    assert.deepEqual(reads, [3], 'one read for the three e-mails of the batch, not one per e-mail');
    assert.equal(r.sent, 2, 'the two e-mails whose letters exist are sent');
    assert.equal(await status(notices[0].id), 'sent');
    assert.equal(await status(notices[2].id), 'sent');
    assert.equal(await status(notices[1].id), 'technical-failure', 'the e-mail without its letter waits for a retry instead of going out without it');
    assert.equal(email.sent.length, 2, 'nothing went out for the notice without its letter');
    const [attempt] = await repo.attempts(notices[1].id);
    assert.match(attempt.providerAnswer ?? '', /chưa có nội dung/, 'the attempt records why the letter is missing');
  });

  it('keeps notices queued and raises an alert when a channel is down', async () => {
    const a = await issue('DOWN-1');
    const b = await issue('DOWN-2');
    const zalo = new ScriptedChannel('zalo', () => ({ outcome: 'temporary-failure', providerAnswer: 'refresh failed', channelDown: 'mất quyền truy cập Zalo OA' }));
    const r = await dispatcher([zalo], { concurrency: 1 }).runOnce();
    assert.equal(zalo.sent.length, 1, 'after the channel says it is down, the run stops calling it');
    assert.equal(r.requeued, 2);
    assert.deepEqual([await status(a.id), await status(b.id)], ['created', 'created'], 'nothing is lost or failed');
    const alerts = await repo.openAlerts();
    assert.equal(alerts.length, 1);
    assert.match(alerts[0].message, /mất quyền truy cập Zalo OA/);
  });

  it('waits until a provider’s deferral (night refusal, quota) instead of failing', async () => {
    const n = await issue('QUOTA');
    const tomorrow = new Date('2026-03-11T00:00:00+07:00').getTime();
    const zalo = new ScriptedChannel('zalo', () => ({ outcome: 'temporary-failure', errorClass: 'zalo:-144', providerAnswer: 'quota', deferUntil: tomorrow }));
    await dispatcher([zalo]).runOnce();
    const row = await repo.byId(n.id);
    assert.equal(row?.status, 'temporary-failure');
    assert.equal(row?.notBefore, tomorrow);
  });

  it('puts back, after the sending timeout, a notice left "sending" by a worker without a lease, flagging the attempt it had started', async () => {
    const n = await issue('CRASH');
    const claimed = await repo.claimDue({ now: ctx.clock.now().getTime(), limit: 10, channels: ['zalo'], citizensAllowed: true, worker: 'dead' });
    assert.equal(claimed.length, 1);
    assert.deepEqual([...(await repo.markStarted('dead', [n.id], ctx.clock.now().getTime()))], [n.id], 'the dead worker had called the provider');
    ctx.clock.advance(301_000);
    const zalo = new ScriptedChannel('zalo');
    const r = await dispatcher([zalo]).runOnce();
    assert.equal(r.swept, 1);
    assert.equal(await status(n.id), 'sent');
    const attempts = await repo.attempts(n.id);
    assert.deepEqual(attempts.map((a) => [a.outcome, a.interrupted]), [['interrupted', true], ['sent', false]]);
  });

  it('runs every few milliseconds without touching its lease or giving back claims between heartbeats, and still sends what comes', async () => {
    const counts = { beats: 0, releases: 0, claims: 0 };
    const workers = new DispatchWorkerRepository(ctx.db);
    const beat = workers.beat.bind(workers);
    workers.beat = (...args) => (counts.beats++, beat(...args));
    const notices = new NoticeRepository(ctx.db);
    const releaseHeld = notices.releaseHeld.bind(notices);
    notices.releaseHeld = (...args) => (counts.releases++, releaseHeld(...args));
    const claimDue = notices.claimDue.bind(notices);
    notices.claimDue = (...args) => (counts.claims++, claimDue(...args));
    const zalo = new ScriptedChannel('zalo');
    const d = new Dispatcher({
      notices, workers, channels: new Map([['zalo', zalo]]), attachments: async () => new Map(),
      clock: ctx.clock, logger: createLogger('silent'), settings: { ...SETTINGS, leaseMs: 60_000 },
    });
    const stop = d.start(5);
    const waitFor = async (done: () => boolean | Promise<boolean>) => {
      for (let i = 0; i < 400 && !(await done()); i++) await new Promise((r) => setTimeout(r, 5));
    };
    await waitFor(() => counts.claims >= 20);
    assert.ok(counts.claims >= 20, `the dispatcher should have run at least 20 times in 2 s; it looked for due notices ${counts.claims} times`);
    assert.equal(counts.beats, 1, 'idle runs within one heartbeat (12 s here) should renew the lease once, at the first run, not at every run');
    assert.equal(counts.releases, 1, 'idle runs that claimed nothing should give nothing back (one release at the first run, for whatever a worker may hold)');
    const n = await issue('LATE-1');
    await waitFor(async () => (await status(n.id)) === 'sent');
    await stop();
    assert.equal(await status(n.id), 'sent', 'a notice queued between heartbeats is still sent by the next run');
    assert.equal(counts.releases, 2, 'the run that claimed the notice gives back what it did not send, once');
  });

  it('never lets two workers send the same notice', async () => {
    for (let i = 0; i < 12; i++) await issue(`PAR-${i}`);
    const zalo = new ScriptedChannel('zalo');
    await Promise.all([dispatcher([zalo]).runOnce(), dispatcher([zalo]).runOnce(), dispatcher([zalo]).runOnce()]);
    const ids = zalo.sent.map((s) => s.id);
    assert.equal(ids.length, 12);
    assert.equal(new Set(ids).size, 12, 'each notice sent exactly once');
  });

  it('records sends that finish together in one write, and leaves alone a notice taken from it meanwhile', async () => {
    const notices = [];
    for (let i = 0; i < 4; i++) notices.push(await issue(`GRP-${i}`));
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const zalo = new ScriptedChannel('zalo');
    const send = zalo.send.bind(zalo);
    zalo.send = async (n, attachments) => {
      started++;
      await gate;
      return send(n, attachments);
    };
    const batches: number[] = [];
    const finish = repo.finishAttempts.bind(repo);
    repo.finishAttempts = (worker, finished) => {
      batches.push(finished.length);
      return finish(worker, finished);
    };
    const run = dispatcher([zalo]).runOnce();
    while (started < 4) await new Promise((r) => setTimeout(r, 5));
    const taken = notices[2].id;
    // Taken away mid-send (no lifecycle move does this: the test plays another writer).
    assert.equal(await ctx.db('notices').where({ id: taken, status: 'sending' }).update({ status: 'cancelled' }), 1);
    release();
    const r = await run;
    assert.equal(r.sent, 3);
    assert.equal(batches.reduce((a, b) => a + b, 0), 4, 'every send recorded once');
    assert.ok(batches.length < 4, `sends finishing together share a write (batches: ${batches.join(', ')})`);
    for (const n of notices) {
      const attempts = await repo.attempts(n.id);
      if (n.id === taken) {
        assert.equal(await status(n.id), 'cancelled', 'not overwritten by the late answer');
        assert.equal(attempts.length, 0);
      } else {
        assert.equal(await status(n.id), 'sent');
        assert.deepEqual(attempts.map((a) => a.outcome), ['sent']);
      }
    }
  });

  it('lets staff list, cancel, retry and mark a message as handled by phone', async () => {
    const n = await issue('STAFF', { consent: { zalo: false, email: false, sms: false } });
    assert.equal(n.channel, 'print');
    const list = await ctx.api('get', '/api/v1/messages?channel=print&status=created').expect(200);
    assert.deepEqual(list.body.items.map((m: { id: number }) => m.id), [n.id]);
    const called = await ctx.api('post', `/api/v1/messages/${n.id}/called`).expect(200);
    assert.equal(called.body.status, 'delivered');
    assert.ok(called.body.calledAt);
    await ctx.api('post', `/api/v1/messages/${n.id}/cancel`).expect(409);

    const z = await issue('STAFF-2');
    const cancelled = await ctx.api('post', `/api/v1/messages/${z.id}/cancel`).expect(200);
    assert.equal(cancelled.body.status, 'cancelled');
    await dispatcher([new ScriptedChannel('zalo')]).runOnce();
    assert.equal(await status(z.id), 'cancelled', 'a cancelled message is not sent');
    await ctx.api('post', `/api/v1/messages/${z.id}/retry`).expect(409);

    const f = await issue('STAFF-3');
    await dispatcher([new ScriptedChannel('zalo', () => ({ outcome: 'permanent-failure', providerAnswer: 'x', errorClass: 'zalo:-1122' }))]).runOnce();
    const retried = await ctx.api('post', `/api/v1/messages/${f.id}/retry`).expect(200);
    assert.equal(retried.body.status, 'created');
    await ctx.api('get', '/api/v1/messages?status=lost').expect(400);
  });
});
