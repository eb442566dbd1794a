import assert from 'node:assert/strict';
import { FixedClock } from '../../src/clock';
import { createLogger } from '../../src/logger';
import { createPullClient } from '../../src/channels/onestop/pull-client';
import { InteropPuller, type PullSources, type PullSource } from '../../src/services/interop-pull';
import { OnestopPullServer } from '../fakes/onestop/pull';

const SECRET = 'khoá-kéo-dữ-liệu';
const dossier = (n: number, status = 2) => ({ MaHoSo: `H13.01-260301-${String(n).padStart(4, '0')}`, TrangThaiHoSo: status });

/** The sources table as the puller sees it: one pull source whose cursor survives "restarts". */
class MemorySources implements PullSources {
  source: PullSource = { id: 1, code: 'OPENCPS-CT', name: 'OpenCPS Cần Thơ', pullUrl: '', pullCursor: null, lastPullAt: null, lastPullOkAt: null, lastPullError: null };
  async pullSources(): Promise<PullSource[]> {
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

  function puller(ingest = async (_s: PullSource, items: unknown[]) => {
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
