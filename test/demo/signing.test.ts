import assert from 'node:assert/strict';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { seedDemoSigning } from '../../src/demo/signing';
import { createTestContext, seedBasics, AGENCY, type TestContext } from '../support/context';

describe('demo signatures (seed-demo)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext();
    await seedBasics(ctx);
  });
  afterEach(async () => ctx?.close());

  it('gives every agency a demo certificate and seal and every leader a certificate and signature, under a demo root trusted outside production only', async () => {
    const user = await ctx.services.users.create({ username: 'lanhdao', fullName: 'Phạm Quốc Bảo', role: 'leader', agencyCode: AGENCY.code, agencyId: null, active: true }, 'mat-khau-dai-1234', SYSTEM_ACTOR);
    const done = await seedDemoSigning(ctx.services);
    assert.deepEqual(done, { agencies: 1, leaders: 1 });
    const agency = await ctx.services.registry.agency(AGENCY.code);
    const a = await ctx.services.signingSettings.view({ kind: 'agency', id: agency.id });
    assert.equal(a.mode, 'certificate');
    assert.ok(a.hasImage);
    assert.match(a.certificate?.subject ?? '', /DEMO — không có giá trị pháp lý/);
    const l = await ctx.services.signingSettings.view({ kind: 'user', id: user.id });
    assert.equal(l.mode, 'certificate');
    assert.ok(l.hasImage);
    assert.equal((await ctx.services.signingSettings.trustedRoots(true)).length, 1);
    assert.equal((await ctx.services.signingSettings.trustedRoots(false)).length, 0, 'production trusts no demo root');
  });
});
