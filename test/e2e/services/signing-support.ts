import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { SYSTEM_ACTOR, type Actor } from '../../../src/domain/actor';
import { createDemoCa, type DemoCa } from '../../../src/signing';
import { SmartCaFake } from '../../fakes/smartca-fake';
import { AGENCY, createTestContext, dossierBody, seedBasics, sharedPdf, type TestContext } from '../../support/context';
import { pdfsig, requirePoppler } from '../signing/support';

/** The secret the agency shares with the remote-signing service, for its callbacks. */
export const CALLBACK_SECRET = 'callback-secret-of-the-agency';

/** A stored letter as pdfsig sees it: both layers valid, the last covering the whole file. */
export function assertTwoValidSignatures(pdf: Buffer): void {
  const { signatures, output } = pdfsig(pdf);
  assert.equal(signatures.length, 2, output);
  assert.deepEqual(signatures.map((s) => s.field), ['ChuKyLanhDao', 'ChuKyCoQuan']);
  assert.ok(signatures.every((s) => s.valid), output);
  assert.ok(signatures[1].totalDocumentSigned, `the agency's signature covers the whole file\n${output}`);
  const changed = Buffer.from(pdf);
  // A byte of the letter's first page content (inside both signed ranges).
  const at = changed.indexOf('stream') + 40;
  changed[at] ^= 0x01;
  const after = pdfsig(changed);
  assert.ok(after.signatures.length === 2 && after.signatures.every((s) => !s.valid), `one changed byte invalidates both\n${after.output}`);
}


/** The letter's signing steps, in order, as "layer:outcome". */
export async function signingSteps(ctx: TestContext, id: number): Promise<string[]> {
  return (await ctx.services.signing.events(id)).map((e) => `${e.layer}:${e.outcome}`);
}

/** The first letter issued once: its number, both signatures valid, these signing steps, one notice to the citizen. */
export async function assertIssuedOnce(ctx: TestContext, leader: Actor, id: number, steps: string[]): Promise<void> {
  const a = await ctx.services.apologies.get(id, leader);
  assert.equal(a.apology.status, 'issued', `the letter should be issued once signed (it is ${a.apology.status})`);
  assert.equal(a.apology.letterNumber, '01/PXL-SXD');
  assertTwoValidSignatures((await ctx.services.apologies.letterPdf(id, leader)).pdf);
  assert.deepEqual(await signingSteps(ctx, id), steps);
  assert.equal(a.notices.length, 1, 'one notice, however many callbacks or pollers');
}

/** A signing test's starting point: an app with the real PDF renderer and the basics, and the leader who approves. */
export interface SigningCase {
  ctx: TestContext;
  agencyId: number;
  /** The leader's account ("lanhdao"). */
  leader: Actor;
  leaderId: number;
}

/** A fresh app (real PDF renderer), the basics seeded, the dossiers `codes` accepted on 02/02/2026, and the leader `leaderName`. */
export async function signingCase(codes: readonly string[], leaderName: string): Promise<SigningCase> {
  const ctx = await createTestContext('2026-03-02T09:00:00+07:00', { pdf: sharedPdf() });
  await seedBasics(ctx);
  for (const code of codes) await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
  const agency = await ctx.services.registry.agency(AGENCY.code);
  const user = await ctx.services.users.create({ username: 'lanhdao', fullName: leaderName, role: 'leader', agencyCode: AGENCY.code, agencyId: null, active: true }, 'mat-khau-dai-1234', SYSTEM_ACTOR);
  return { ctx, agencyId: agency.id, leader: { name: leaderName, agencyId: agency.id, role: 'leader', userId: user.id }, leaderId: user.id };
}

/** What a remote-signing suite works with; filled in by its hooks. */
export interface RemoteSigningRig extends SigningCase {
  ca: DemoCa;
  fake: SmartCaFake;
  /** While false, the fake's callbacks are answered 503 (the test settles requests itself). */
  acceptCallbacks: boolean;
}

/**
 * Registers the hooks of a suite against the SmartCA fake: once, a demo CA and the fake (holding
 * `account`), calling back on loopback whichever test app is current (503 between tests); before
 * each test, a fresh app with the basics seeded, the dossiers `codes` accepted on 02/02/2026, the
 * leader `leaderName`, and both CAs trusted. The suite then connects the signers its story needs.
 */
export function withRemoteSigning(account: { userId: string; name: string }, leaderName: string, codes: readonly string[]): RemoteSigningRig {
  const rig = { acceptCallbacks: true } as RemoteSigningRig;
  let app: Express | null = null;
  let receiver: http.Server | undefined;
  before(async function () {
    requirePoppler(this);
    rig.ca = await createDemoCa({ now: new Date('2026-01-01T00:00:00Z') });
    receiver = http.createServer((req, res) => {
      if (!app || !rig.acceptCallbacks) {
        res.statusCode = 503;
        res.end();
        return;
      }
      app(req, res);
    });
    await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/ky-so/${AGENCY.code}`;
    rig.fake = new SmartCaFake({
      users: [{ ...account, agencyName: AGENCY.name, notBefore: new Date('2026-01-01T00:00:00Z') }],
      now: () => (rig.ctx ? rig.ctx.clock.now() : new Date('2026-03-02T02:00:00Z')),
      callbackUrl: url,
      callbackSecret: CALLBACK_SECRET,
      callbackCopies: 2,
    });
    await rig.fake.start();
  });
  after(async () => {
    await rig.fake?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  beforeEach(async () => {
    Object.assign(rig, await signingCase(codes, leaderName));
    app = rig.ctx.app;
    rig.acceptCallbacks = true;
    rig.fake.mode = 'up';
    rig.fake.requests.clear();
    await rig.ctx.services.signingSettings.trustRoot({ name: 'test CA', certificatePem: rig.ca.certificatePem, demo: true });
    await rig.ctx.services.signingSettings.trustRoot({ name: 'SmartCA fake CA', certificatePem: rig.fake.ca.certificatePem, demo: true });
  });
  afterEach(async () => {
    app = null;
    await rig.ctx?.close();
  });
  return rig;
}
