import assert from 'node:assert/strict';
import { SYSTEM_ACTOR } from '../../../src/domain/actor';
import { SecretBox } from '../../../src/services/signing/secrets';
import { SigningSettingsService } from '../../../src/services/signing/settings';
import { SigningRepository } from '../../../src/db/signing';
import { createTestContext, seedBasics, AGENCY, type TestContext } from '../../support/context';

/**
 * The remote-signing simulator signs with demo keys made on first use and kept in the database.
 * Two processes making the first one at the same moment must end up with one key: a letter whose
 * signature was prepared with one process's certificate and completed by the other's key would
 * not verify.
 */
describe('remote-signing simulator: the simulated keys, made by two processes at once', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx?.close());

  /** A second process: its own services over the same database and secret key. */
  const process = () => new SigningSettingsService({ repo: new SigningRepository(ctx.db), secrets: new SecretBox(ctx.config.signing.secretKey), clock: ctx.clock });

  it('gives both processes the same key and certificate, for a leader and for the agency', async () => {
    const agency = await ctx.services.registry.agency(AGENCY.code);
    const user = await ctx.services.users.create({ username: 'lanhdao', fullName: 'Trần Văn Bình', role: 'leader', agencyCode: AGENCY.code, agencyId: null, active: true }, 'mat-khau-dai-1234', SYSTEM_ACTOR);
    await ctx.services.signingSettings.useRemoteSimulator(agency.id, 'test');
    await ctx.services.signingSettings.connectLeaderRemote(user.id, '092080001234', '', 'test');
    const [one, two] = [process(), process()];

    const leaders = await Promise.all([one.leaderSigner(agency, user), two.leaderSigner(agency, user)]);
    const leaderCerts = await Promise.all(leaders.map((s) => (s.kind === 'remote' ? s.signer.certificateChain() : Promise.reject(new Error(`expected a remote signer, got ${s.kind}`)))));
    assert.ok(leaderCerts[0][0].equals(leaderCerts[1][0]), 'the two processes would sign the leader’s layer with different simulated keys');

    const agencies = await Promise.all([one.agencySigner(agency), two.agencySigner(agency)]);
    const agencyCerts = await Promise.all(agencies.map((s) => (s.kind === 'immediate' ? s.signer.certificateChain() : Promise.reject(new Error(`expected a local signer, got ${s.kind}`)))));
    assert.ok(agencyCerts[0][0].equals(agencyCerts[1][0]), 'the two processes would sign the agency’s layer with different simulated keys');

    const later = await process().leaderSigner(agency, user);
    assert.ok(later.kind === 'remote' && (await later.signer.certificateChain())[0].equals(leaderCerts[0][0]), 'a later process signs with the key kept');
  });
});
