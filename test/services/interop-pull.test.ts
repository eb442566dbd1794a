import assert from 'node:assert/strict';
import { FixedClock } from '../../src/clock';
import { createLogger } from '../../src/logger';
import { createPullClient } from '../../src/channels/onestop/pull-client';
import { InteropPuller, type PullSources } from '../../src/services/interop-pull';
import type { InteropSource } from '../../src/domain/interop';
import { OnestopPullServer } from '../fakes/onestop/pull';
import { InteropSourceRepository } from '../../src/db/interop-sources';
import { InteropInboundRepository } from '../../src/db/interop-inbound';
import { SecretBox } from '../../src/services/signing/secrets';
import { createTestContext, seedBasics, type TestContext } from '../support/context';
import { signIn } from '../support/pages';

const SECRET = 'khoá-kéo-dữ-liệu';
const dossier = (n: number, status = 2) => ({ MaHoSo: `H13.01-260301-${String(n).padStart(4, '0')}`, TrangThaiHoSo: status });

/** The sources table as the puller sees it: one pull source whose cursor survives "restarts". */
class MemorySources implements PullSources {
  source: InteropSource = {
    id: 1, code: 'OPENCPS-CT', name: 'OpenCPS Cần Thơ', mode: 'pull', agencyId: null, tokenId: null, secretSealed: null, outboundUrl: null, pullUrl: '',
    pullCursor: null, lastPullAt: null, lastPullOkAt: null, lastPullError: null, dueGoverns: 'ours', enabled: true, updatedBy: 'test', createdAt: 0, updatedAt: 0,
  };
  async pullSources(): Promise<InteropSource[]> {
    return [{ ...this.source }];
  }
  async recordPull(id: number, outcome: { at: number; cursor?: string | null; error?: string }): Promise<void> {
    assert.equal(id, this.source.id);
    this.source.lastPullAt = outcome.at;
    if (outcome.error !== undefined) this.source.lastPullError = outcome.error;
    else {
      this.source.lastPullOkAt = outcome.at;
      this.source.lastPullError = null;
      if (outcome.cursor !== undefined) this.source.pullCursor = outcome.cursor;
    }
  }
}

describe('pulling dossiers from a one-stop system that cannot push', () => {
  const clock = new FixedClock(new Date('2026-03-10T08:00:00+07:00'));
  let server: OnestopPullServer;
  let sources: MemorySources;
  let ingested: string[];

  beforeEach(async () => {
    server = await new OnestopPullServer({ secret: SECRET, clock: () => clock.now().getTime() }).start();
    sources = new MemorySources();
    sources.source.pullUrl = server.url;
    ingested = [];
  });
  afterEach(async () => server.stop());

  function puller(ingest = async (_s: InteropSource, items: unknown[]) => {
    for (const i of items) ingested.push((i as { MaHoSo: string }).MaHoSo);
    return { accepted: items.length, refused: 0 };
  }) {
    return new InteropPuller({
      sources,
      secretOf: async () => SECRET,
      client: createPullClient({ clock, timeoutMs: 300 }),
      ingest,
      clock,
      logger: createLogger('silent'),
      pageSize: 2,
      maxPagesPerRun: 10,
    });
  }

  it('signs its polls with the machine’s time on a replay’s virtual clock (the source checks the timestamp against its own clock)', async () => {
    server.change(dossier(1));
    const virtual = { now: () => new Date('2025-01-06T08:00:00+07:00'), realTime: clock };
    const page = await createPullClient({ clock: virtual, timeoutMs: 300 })({ url: server.url, secret: SECRET, cursor: null, limit: 2 });
    assert.deepEqual(
      page.items.map((i) => (i as { MaHoSo: string }).MaHoSo),
      [dossier(1).MaHoSo],
      'a poll signed at the simulated date would be refused by the source',
    );
  });

  it('feeds every page to the ingestion and keeps the cursor where the last applied page ended', async () => {
    for (let n = 1; n <= 5; n++) server.change(dossier(n));
    const report = await puller().runOnce();
    assert.deepEqual(ingested, [1, 2, 3, 4, 5].map((n) => dossier(n).MaHoSo));
    assert.deepEqual(report, [{ source: 'OPENCPS-CT', pages: 3, items: 5, accepted: 5, refused: 0, error: null }]);
    assert.equal(sources.source.lastPullOkAt, clock.now().getTime());
    server.change(dossier(6, 4));
    await puller().runOnce();
    assert.deepEqual(ingested.slice(5), [dossier(6).MaHoSo], 'the next run starts after the cursor: only the new change');
  });

  it('resumes after a crash in the middle of a batch: the page is fetched again, nothing is skipped', async () => {
    for (let n = 1; n <= 4; n++) server.change(dossier(n));
    // The process dies while applying the second page: after one of its dossiers, before the cursor moved.
    let calls = 0;
    const crashing = puller(async (_s, items) => {
      if (++calls === 2) {
        ingested.push((items[0] as { MaHoSo: string }).MaHoSo);
        throw new Error('killed');
      }
      for (const i of items) ingested.push((i as { MaHoSo: string }).MaHoSo);
      return { accepted: items.length, refused: 0 };
    });
    const first = await crashing.runOnce();
    assert.match(String(first[0]?.error), /killed/);
    assert.match(String(sources.source.lastPullError), /killed/, 'the page shows why the sync stopped');
    await puller().runOnce(); // the restarted process
    assert.deepEqual(
      [...new Set(ingested)],
      [1, 2, 3, 4].map((n) => dossier(n).MaHoSo),
      'every dossier reaches the ingestion; the one applied before the crash comes again (the ingestion is idempotent)',
    );
    assert.deepEqual(server.requests.map((r) => r.cursor === '' ? 'start' : Buffer.from(r.cursor, 'base64url').toString()), ['start', 'seq:2', 'seq:2'], 'the restarted run asks again from the cursor saved before the crash');
    assert.equal(sources.source.lastPullError, null);
  });

  it('records a failing endpoint without moving the cursor, and tries again on the next run', async () => {
    server.change(dossier(1));
    server.script.push({ httpStatus: 502 });
    const failed = await puller().runOnce();
    assert.match(String(failed[0]?.error), /502/);
    assert.equal(sources.source.pullCursor, null);
    assert.equal(ingested.length, 0);
    server.script.push('hang');
    assert.match(String((await puller().runOnce())[0]?.error), /không trả lời/);
    await puller().runOnce();
    assert.deepEqual(ingested, [dossier(1).MaHoSo]);
  });

  it('is refused by the endpoint with a wrong secret, and says so', async () => {
    server.change(dossier(1));
    const wrong = new InteropPuller({
      sources,
      secretOf: async () => 'sai-khoá',
      client: createPullClient({ clock, timeoutMs: 300 }),
      ingest: async () => ({ accepted: 0, refused: 0 }),
      clock,
      logger: createLogger('silent'),
      pageSize: 2,
      maxPagesPerRun: 10,
    });
    assert.match(String((await wrong.runOnce())[0]?.error), /401.*Chữ ký không hợp lệ/);
  });

  it('refuses an answer that is not the documented shape, naming what is wrong', async () => {
    server.script.push({ httpStatus: 200, body: JSON.stringify({ error_code: 0, data: 'không phải danh sách' }) });
    assert.match(String((await puller().runOnce())[0]?.error), /data/);
    assert.equal(sources.source.pullCursor, null);
  });
});

/** The same, through the whole app: the pulled pages go through the push endpoint's ingestion. */
describe('pulling through the registry’s ingestion', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let server: OnestopPullServer;
  let sourceId: number;

  const payload = (n: number, over: Record<string, unknown> = {}) => ({
    MaHoSo: `H13.01-260302-${String(n).padStart(4, '0')}`,
    MaTTHC: 'TTHC-1.009972',
    DonViXuLy: '000.00.12.H13',
    ChuHoSo: 'Trần Thị Bích',
    LoaiDoiTuong: 1,
    NgayTiepNhan: '20260302080000',
    TrangThaiHoSo: 2,
    ...over,
  });

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-10T08:00:00+07:00');
    await seedBasics(ctx);
    server = await new OnestopPullServer({ secret: SECRET, clock: () => ctx.clock.now().getTime() }).start();
    const now = ctx.clock.now().getTime();
    const sources = new InteropSourceRepository(ctx.db);
    const source = await sources.insert(
      { code: 'OPENCPS-CT', name: 'OpenCPS Cần Thơ', mode: 'pull', agencyId: null, outboundUrl: null, pullUrl: server.url, dueGoverns: 'ours', enabled: true },
      'test',
      now,
    );
    sourceId = source.id;
    await sources.setCredentials(source.id, { secretSealed: new SecretBox(ctx.config.signing.secretKey).seal({ sharedSecret: SECRET }) }, 'test', now);
    const inbound = new InteropInboundRepository(ctx.db);
    await inbound.setMapping(source.id, 'procedure', 'TTHC-1.009972', Number((await ctx.db('procedures').first('id')).id), 'test', now);
    await inbound.setMapping(source.id, 'agency', '000.00.12.H13', Number((await ctx.db('agencies').where({ code: 'SXD' }).first('id')).id), 'test', now);
  });
  afterEach(async () => {
    await server.stop();
    await ctx.close();
  });

  it('creates and moves the dossiers, refuses an unknown code by name, and changes nothing on a second pass', async () => {
    server.change(payload(1));
    server.change(payload(2, { MaTTHC: 'TTHC-KHONG-CO' }));
    server.change(payload(1, { TrangThaiHoSo: 4 }));
    const [report] = await ctx.services.interopPuller.runOnce();
    assert.deepEqual({ ...report, pages: undefined }, { source: 'OPENCPS-CT', pages: undefined, items: 3, accepted: 2, refused: 1, error: null });
    const d = await ctx.api('get', '/api/v1/dossiers/H13.01-260302-0001').expect(200);
    assert.equal(d.body.state, 'processing', 'the later change (TrangThaiHoSo 4) moved the dossier on');
    const refusals = await new InteropInboundRepository(ctx.db).refusals({ sourceId, open: true });
    assert.equal(refusals.length, 1);
    assert.match(JSON.stringify(refusals[0]?.problems), /TTHC-KHONG-CO/, 'the refusal names the unknown code');
    // The cursor lost (an operator reset it): the same changes come again and change nothing.
    await ctx.db('interop_sources').where({ id: sourceId }).update({ pull_cursor: null });
    const events = Number((await ctx.db('dossier_events').count({ n: '*' }).first())?.n);
    await ctx.services.interopPuller.runOnce();
    assert.equal(Number((await ctx.db('dossier_events').count({ n: '*' }).first())?.n), events, 'a page applied twice changes nothing');
  });

  it('shows each source’s last successful sync and its last error on the administration page', async () => {
    server.change(payload(1));
    await ctx.services.interopPuller.runOnce();
    ctx.clock.advance(60_000);
    server.script.push({ httpStatus: 503 });
    await ctx.services.interopPuller.runOnce();
    const admin = await signIn(ctx, 'admin', null);
    const page = await admin.agent.get('/quan-tri/dong-bo').expect(200);
    assert.match(page.text, /OPENCPS-CT/);
    assert.match(page.text, /08:00 ngày 10\/03\/2026/, 'the last successful sync');
    assert.match(page.text, /HTTP 503/, 'the last error');
  });
});
