import assert from 'node:assert/strict';
import { auditReplay, type Audit, type AuditParams } from '../../src/replay/audit';
import { installSigning } from '../../src/replay/signing';
import type { SigningParams } from '../../src/replay/params';
import { createTestContext, dossierBody, seedBasics, sharedPdf, type TestContext } from '../support/context';

const PARAMS: AuditParams = {
  seed: 7,
  start: '2026-01-01',
  days: 61,
  prices: { zaloMessage: 200, smsSegment: 800, email: 0, currency: 'VND' },
  calibration: { source: 'kiểm thử', figures: {} },
};

const at = (s: string): number => new Date(`${s}+07:00`).getTime();

describe("replay signing: the agencies' signers set up at install, and the audit's count of signed letters", function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00', { pdf: sharedPdf() });
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  /** Installs the signers, then one late dossier of SXD apologised to and approved; the audit of it. */
  async function oneLetter(signing: SigningParams): Promise<Audit> {
    await installSigning(ctx.services, signing);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LATE', acceptedAt: '2026-01-05T09:00:00+07:00' })).expect(201);
    const d = await ctx.api('post', '/api/v1/dossiers/LATE/apologies').send({}).expect(201);
    const approved = await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`);
    assert.equal(approved.status, 200, `approval refused: ${JSON.stringify(approved.body)}`);
    const run = { startedRealMs: Date.now() - 1000, endedRealMs: Date.now(), virtualStart: at('2026-01-01T00:00:00'), virtualEnd: at('2026-03-02T10:00:00'), kills: [], dbOutages: [], processes: [] };
    return auditReplay({ db: ctx.db, deliveries: [], params: PARAMS, run });
  }

  it('signs the letters of an agency given a certificate, and the audit counts them signed', async () => {
    const a = await oneLetter({ kind: 'certificate', agencies: {} });
    assert.deepEqual(a.letters, { issued: 1, signed: 1, unsigned: 0 }, 'SXD has a demo certificate: its letter must be issued signed');
    const state = await ctx.db('letter_signing').first('state', 'leader_signer');
    assert.equal(state?.state, 'signed', 'the letter went through the certificate signer, both layers');
  });

  it("issues unsigned the letters of an agency set to 'off', and the audit counts them unsigned", async () => {
    const a = await oneLetter({ kind: 'certificate', agencies: { SXD: 'off' } });
    assert.deepEqual(a.letters, { issued: 1, signed: 0, unsigned: 1 }, "SXD chose 'không ký số': its letter is issued unsigned");
  });
});
