import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { InteropSourceRepository } from '../../../src/db/interop-sources';
import { InteropInboundRepository } from '../../../src/db/interop-inbound';
import { SecretBox } from '../../../src/services/signing/secrets';
import { createTestContext, seedBasics, PROCEDURE, type TestContext } from '../../support/context';
import { OnestopPullServer } from '../../fakes/onestop/pull';

const BIN = path.resolve(__dirname, '../../../src/bin.cjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SECRET = 'khoá-kéo-opencps';
const N = 90;
const PAGE = 15;

/**
 * The pull worker as its own process (`henlai pull`), killed with SIGKILL while it applies a
 * page, restarted, killed again… At the end every dossier the source listed is in the registry
 * exactly once, received once, and the restarts asked again from the cursor saved before each
 * kill — never from the start, never past a page that was not applied.
 */
describe('pulling from a one-stop system survives SIGKILL', function () {
  this.timeout(240_000);
  let ctx: TestContext;
  let server: OnestopPullServer;

  before(async () => {
    ctx = await createTestContext('2026-03-10T08:00:00+07:00');
    await seedBasics(ctx);
    server = await new OnestopPullServer({ secret: SECRET }).start();
    const now = ctx.clock.now().getTime();
    const sources = new InteropSourceRepository(ctx.db);
    const source = await sources.insert(
      { code: 'OPENCPS-CT', name: 'OpenCPS Cần Thơ', mode: 'pull', agencyId: null, outboundUrl: null, pullUrl: server.url, dueGoverns: 'ours', enabled: true },
      'test',
      now,
    );
    await sources.setCredentials(source.id, { secretSealed: new SecretBox(ctx.config.signing.secretKey).seal({ sharedSecret: SECRET }) }, 'test', now);
    const inbound = new InteropInboundRepository(ctx.db);
    const procedure = (await ctx.db('procedures').where({ code: PROCEDURE.code }).first('id')) as { id: number };
    const agency = (await ctx.db('agencies').where({ code: 'SXD' }).first('id')) as { id: number };
    await inbound.setMapping(source.id, 'procedure', 'TTHC-1.009972', procedure.id, 'test', now);
    await inbound.setMapping(source.id, 'agency', '000.00.12.H13', agency.id, 'test', now);
    for (let i = 1; i <= N; i++) {
      server.change({
        MaHoSo: `H13.01-260302-${String(i).padStart(4, '0')}`,
        MaTTHC: 'TTHC-1.009972',
        DonViXuLy: '000.00.12.H13',
        ChuHoSo: 'Nguyễn Văn An',
        LoaiDoiTuong: 1,
        SoDienThoai: '0912345678',
        NgayTiepNhan: '20260302080000',
        NgayHenTra: '20260330170000',
        TrangThaiHoSo: 2,
      });
    }
  });
  after(async () => {
    await server?.stop();
    await ctx?.close();
  });

  it('applies every dossier once and resumes from the saved cursor after each kill', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: ctx.config.dataDir,
      DATABASE_URL: process.env.DATABASE_URL ?? '',
      ONESTOP_PULL_INTERVAL_SECONDS: '1',
      ONESTOP_PULL_PAGE_SIZE: String(PAGE),
    };
    const refetched = () => server.requests.filter((r, i) => server.requests.slice(0, i).some((e) => e.cursor === r.cursor && e.status === 200)).length;
    let kills = 0;
    for (let round = 0; round < 12 && refetched() < 2; round++) {
      const served = server.requests.length;
      const child = spawn(process.execPath, [BIN, 'pull'], { env, stdio: 'ignore' });
      // Kill it while it applies the page it has just been given (its cursor not yet saved).
      while (server.requests.length < served + 2 && child.exitCode === null) await sleep(5);
      await sleep(20 + 15 * round);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
    }
    assert.ok(refetched() >= 1, `a kill should land while a page was being applied (${kills} kills, ${server.requests.length} requests): make the pages larger`);
    const run = spawn(process.execPath, [BIN, 'pull', '--once'], { env, stdio: 'ignore' });
    assert.equal(await new Promise((r) => run.once('exit', r)), 0, 'henlai pull --once should exit cleanly');

    const dossiers = await ctx.db('dossiers').where('code', 'like', 'H13.01-260302-%').select('id', 'code');
    assert.equal(dossiers.length, N, 'every dossier the source listed is in the registry, none twice');
    const received = await ctx.db('dossier_events').whereIn('dossier_id', dossiers.map((d: { id: number }) => d.id)).where({ kind: 'created' }).count({ n: '*' }).first();
    assert.equal(Number(received?.n), N, 'each dossier received once, although some pages were applied twice');
    // After the first request, every request starts from a cursor some earlier request ended at.
    const cursors = server.requests.map((r) => (r.cursor ? Number(/^seq:(\d+)$/.exec(Buffer.from(r.cursor, 'base64url').toString())?.[1]) : 0));
    assert.ok(cursors.every((c) => c % PAGE === 0), `each poll starts at a page boundary the previous polls reached: ${cursors.join(', ')}`);
    const source = await new InteropSourceRepository(ctx.db).byCode('OPENCPS-CT');
    assert.equal(source?.lastPullError, null);
    assert.ok(source?.lastPullOkAt, 'the last successful sync is recorded');
  });
});
