import assert from 'node:assert/strict';
import net from 'node:net';
import { loadConfig } from '../../src/config';
import { createZaloChannel } from '../../src/channels/zalo';
import type { Channel } from '../../src/channels/types';
import type { NoticeChannel } from '../../src/db/notices';
import { ChannelHealthService } from '../../src/services/health';
import { SYSTEM_ACTOR, type Actor } from '../../src/domain/actor';
import { startZaloFake, zaloEnv, type ZaloFake } from '../fakes/zalo-fake';
import { createTestContext, type TestContext } from '../support/context';

/** A local port with nothing listening: the SMTP check must report it unreachable. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ChannelHealthService: a real Zalo OA (local fake) and an SMTP relay', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let fake: ZaloFake;
  let zalo: Channel;
  let health: ChannelHealthService;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    fake = await startZaloFake({ clock: () => ctx.clock.now().getTime() });
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: ctx.config.dataDir,
      LOG_LEVEL: 'silent',
      ...zaloEnv(fake),
      SMTP_URL: `smtp://127.0.0.1:${await closedPort()}?connectionTimeout=2000`,
    });
    zalo = createZaloChannel({ db: ctx.db, config: config.zalo, clock: ctx.clock });
    health = new ChannelHealthService({ config, channels: new Map<NoticeChannel, Channel>([['zalo', zalo]]), notices: ctx.services.notices, clock: ctx.clock });
  });

  afterEach(async () => {
    await zalo.close();
    await fake.stop();
    await ctx.close();
  });

  it('reads the grant, the token age and the day’s quota, and reports an unreachable relay', async () => {
    const h = await health.check(SYSTEM_ACTOR);
    assert.equal(h.zalo.mode, 'real');
    assert.equal(h.zalo.grant?.state, 'ok');
    assert.deepEqual(h.zalo.quota, { daily: 500, remaining: 500 }, `quota as the fake reports it (problem: ${h.zalo.quotaProblem})`);
    assert.equal(h.zalo.tokenAgeMs, 0, 'the quota check refreshed the access token just now');
    assert.equal(h.email.mode, 'smtp');
    assert.equal(h.email.reachable, false, 'nothing listens on the relay port');
    assert.ok(h.email.problem, 'the reason is given');
  });

  it('a broken grant shows its reason; a new refresh token mends it and resolves the alert', async () => {
    await ctx.db('zalo_tokens').insert({ id: 1, refresh_token: 'het-han', status: 'broken', broken_reason: 'Zalo từ chối refresh token', version: 3 });
    await ctx.services.notices.raiseAlert('zalo-grant', 'Quyền gửi tin Zalo OA đã mất', ctx.clock.now().getTime());
    const broken = await health.check(SYSTEM_ACTOR);
    assert.equal(broken.zalo.grant?.state, 'broken');
    assert.equal(broken.zalo.grant?.brokenReason, 'Zalo từ chối refresh token');
    assert.equal(broken.zalo.quota, null, 'no quota call on a broken grant');
    assert.equal(broken.alerts.length, 1);
    await assert.rejects(health.resetZaloGrant('  ', SYSTEM_ACTOR), (err: Error & { fields?: { field: string }[] }) => err.fields?.[0]?.field === 'refreshToken');
    await health.resetZaloGrant(fake.newGrant(), SYSTEM_ACTOR);
    const mended = await health.check(SYSTEM_ACTOR);
    assert.equal(mended.zalo.grant?.state, 'ok');
    assert.equal(mended.alerts.length, 0, 'the grant alert is resolved');
  });

  it('refuses roles without channel.manage', async () => {
    const leader: Actor = { name: 'lãnh đạo', agencyId: 1, role: 'leader' };
    await assert.rejects(health.check(leader), { status: 403 });
    await assert.rejects(health.resetZaloGrant('x', leader), { status: 403 });
  });

  it("refuses an agency's own administrator: the OA grant serves every agency, and stays as it was", async () => {
    await ctx.db('zalo_tokens').insert({ id: 1, refresh_token: 'het-han', status: 'broken', broken_reason: 'Zalo từ chối refresh token', version: 3 });
    const agencyAdmin: Actor = { name: 'quản trị của một sở', agencyId: 1, role: 'admin' };
    await assert.rejects(health.check(agencyAdmin), { status: 403 }, 'the channel check (Zalo grant, SMTP relay) is installation-wide');
    await assert.rejects(health.resetZaloGrant(fake.newGrant(), agencyAdmin), { status: 403 }, 'the grant reset is installation-wide');
    const stored = await ctx.db('zalo_tokens').where({ id: 1 }).first();
    assert.deepEqual({ token: stored.refresh_token, status: stored.status }, { token: 'het-han', status: 'broken' }, 'a refused reset must not touch the grant');
  });
});
