import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../../src/config';
import { createZaloChannel } from '../../../src/channels/zalo/channel';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../../support/context';
import { startZaloFake, zaloEnv, type ZaloFake } from '../../fakes/zalo-fake';

const BIN = path.resolve(__dirname, '../../../src/bin.cjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the command line to its end without blocking this process, which also serves the Zalo fake. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => spawn(process.execPath, [BIN, ...args], { env, stdio: 'ignore' }).once('exit', resolve));
}

/**
 * Crash safety, as a test: the dispatcher runs as its own process against the Zalo fake, is
 * killed with SIGKILL in the middle of sending, restarted, killed again… and at the end every
 * notice has reached Zalo, none is lost, and a message can only have reached Zalo twice if it
 * was the one in flight at a kill — which the attempt history then says.
 */
describe('dispatch survives SIGKILL', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let fake: ZaloFake;
  const N = 40;

  before(async () => {
    ctx = await createTestContext('2026-03-10T08:00:00+07:00');
    await seedBasics(ctx);
    fake = await startZaloFake({ latencyMs: 60 });
    for (let i = 0; i < N; i++) {
      await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: `K-${i}`, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
      const d = await ctx.api('post', `/api/v1/dossiers/K-${i}/apologies`).send({}).expect(201);
      await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    }
  });
  after(async () => {
    await fake?.stop();
    await ctx?.close();
  });

  it('loses no notice and duplicates only the ones in flight at a kill', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: ctx.config.dataDir,
      DATABASE_URL: process.env.DATABASE_URL ?? '',
      ...zaloEnv(fake),
      SEND_WINDOW: '00:00-24:00',
      DISPATCH_INTERVAL_SECONDS: '0.2',
      DISPATCH_CONCURRENCY: '4',
      DISPATCH_SENDING_TIMEOUT_SECONDS: '1',
      DISPATCH_LEASE_SECONDS: '0.5',
    };
    // Take the OA grant once up front, so that no kill can land inside the token rotation itself
    // (that window is covered by the Zalo channel's own tests).
    const zalo = createZaloChannel({ db: ctx.db, config: loadConfig(env).zalo, clock: { now: () => new Date() } });
    await zalo.tokens!.accessToken(new Date());

    let kills = 0;
    for (const after of [400, 700, 550, 900]) {
      const child = spawn(process.execPath, [BIN, 'dispatch'], { env, stdio: 'ignore' });
      await sleep(after);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
      await sleep(1100); // past DISPATCH_SENDING_TIMEOUT_SECONDS: the next process puts back what the dead one held
    }
    assert.ok(fake.state.accepted.length < N, `the kills should interrupt the work (all ${N} were sent before the first kill: make the fake slower)`);
    for (let i = 0; i < 10; i++) {
      assert.equal(await run(['dispatch', '--once'], env), 0, 'henlai dispatch --once should exit cleanly');
      const left = await ctx.db('notices').whereNotIn('status', ['sent', 'delivered']).count({ n: '*' }).first();
      if (Number(left?.n) === 0) break;
      await sleep(1100);
    }

    const rows = await ctx.db('notices').select('id', 'status');
    assert.equal(rows.length, N);
    const unfinished = rows.filter((r: { status: string }) => !['sent', 'delivered'].includes(r.status));
    assert.deepEqual(unfinished, [], 'every notice must end sent or delivered after the restarts');

    const received = new Map<string, number>();
    for (const m of fake.state.accepted) received.set(String(m.trackingId), (received.get(String(m.trackingId)) ?? 0) + 1);
    for (const r of rows) assert.ok(received.has(String(r.id)), `notice ${r.id} never reached Zalo although it is marked ${r.status}`);
    const interrupted = new Set(
      (await ctx.db('notice_attempts').where({ interrupted: true }).select('notice_id')).map((a: { notice_id: number }) => String(a.notice_id)),
    );
    for (const [id, times] of received) {
      if (times > 1) assert.ok(interrupted.has(id), `notice ${id} reached Zalo ${times} times without an interrupted attempt to explain it`);
    }
    assert.ok(interrupted.size <= kills * 4, 'at most the messages in flight at each kill (concurrency 4) can be interrupted');
  });
});
