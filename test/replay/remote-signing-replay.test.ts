import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_AGENCIES } from '../../src/replay/defaults';
import { runReplay, type ReplayOutcome } from '../../src/replay/run';
import type { ReplayOverrides } from '../../src/replay/params';
import { replayDatabase } from './replay-database';

const onPostgres = /^postgres/.test(process.env.DATABASE_URL ?? '');

/**
 * Twelve days of a small province whose every agency signs remotely (SmartCA: the leader, and the
 * agency's certificate holder at issuance, confirm on the phone), with SmartCA down for a whole
 * day and one request in twenty failing, and signers who refuse one request in ten. Slips are
 * frequent (a quarter of the dossiers) so that 400 dossiers make enough letters.
 */
const REMOTE_FORTNIGHT: ReplayOverrides = {
  seed: 1818,
  start: '2026-03-02',
  days: 12,
  yearlyVolume: Math.round((400 * 365) / 12),
  agencies: DEFAULT_AGENCIES.map((a) => ({ ...a, slipRate: 0.25 })),
  signing: { kind: 'remote', agencies: {} },
  // Leaders who answer warnings and handed-back letters promptly: most letters are then approved
  // in office hours, before the dossier's result closes them (see docs/replay-parameters.md, Signing).
  staff: { signatureConfirmedShare: 0.85, signatureRefusedShare: 0.1, warningActedShare: 0.9, approvalDelayOfficeHours: { median: 1, p90: 3 } },
  faults: {
    providers: {
      zalo: { latencyMs: 0, errorRate: 0, outages: [] },
      email: { latencyMs: 0, errorRate: 0, outages: [] },
      sms: { latencyMs: 0, errorRate: 0, outages: [] },
      signing: { latencyMs: 5, errorRate: 0.05, outages: [{ atDay: 4, forHours: 24 }] },
    },
    kills: {},
    database: { outages: [] },
  },
  processes: { servers: 1, dispatchers: 1 },
};

describe(`replay with remote signing and a SmartCA outage (${onPostgres ? 'PostgreSQL: the dossiers go through a server, the driver polls the signatures' : 'SQLite, the driver polls the signatures'})`, function () {
  this.timeout(240_000);
  let outcome: ReplayOutcome;
  let out: string;

  before(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-remote-'));
    outcome = await runReplay({ out, overrides: REMOTE_FORTNIGHT, databaseUrl: onPostgres ? await replayDatabase(process.env.DATABASE_URL as string) : undefined });
  });

  after(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('keeps every promise while letters wait for signatures: each late dossier apologised, none twice, no number skipped', () => {
    assert.deepEqual(outcome.broken, [], `the audit found broken promises:\n${outcome.broken.join('\n')}`);
  });

  it('signs the letters remotely: SmartCA received the requests and the letters were issued signed by it', () => {
    const r = outcome.audit.remoteSigning;
    assert.ok(r, 'the audit has no remote-signing section although every agency signs remotely');
    assert.ok(r.requests > 0, 'SmartCA received no signature request');
    assert.ok(r.signedRemotely > 0, `no letter was issued signed remotely (${JSON.stringify(r)})`);
    assert.equal(outcome.audit.letters.signed, outcome.audit.letters.issued, `${outcome.audit.letters.unsigned} letters were issued without signatures although every agency signs`);
  });

  it("takes Zalo's delivery receipts for the letters sent by Zalo", () => {
    const z = outcome.audit.zaloReceipts;
    const accepted = outcome.audit.deliveries.find((d) => d.provider === 'zalo')?.accepted ?? 0;
    assert.ok(accepted > 0, 'the Zalo fake accepted no message: no letter reached a citizen by Zalo');
    assert.ok(z && z.taken > 0, `the webhook took no delivery receipt for the ${accepted} messages the Zalo fake accepted (${JSON.stringify(z)})`);
    assert.ok(z.noticesDelivered > 0 && z.noticesDelivered <= z.taken, `${z.noticesDelivered} Zalo notices recorded delivered for ${z.taken} receipts taken`);
  });

  it('went through the outage and the errors: some requests failed and were asked again', () => {
    const r = outcome.audit.remoteSigning!;
    assert.ok(r.requestsFailed > 0, `no request to SmartCA failed: the outage and error rate did not take effect (${JSON.stringify(r)})`);
    const unavailable = r.events.filter((e) => e.outcome === 'unavailable').reduce((n, e) => n + e.n, 0);
    assert.ok(unavailable > 0, `the service never recorded SmartCA as unavailable (${JSON.stringify(r.events)})`);
  });

  it('ends in an apology a letter the signer refused or let expire: the leader approves it again and it is issued', () => {
    const r = outcome.audit.remoteSigning!;
    assert.ok(r.atFake.refused + r.atFake.expired > 0, `no signer refused or let a request expire at SmartCA (${JSON.stringify(r.atFake)})`);
    assert.ok(r.handedBack.issued > 0, `no refused or expired letter was approved again and issued (${JSON.stringify(r.handedBack)})`);
  });

  it('never retries an issuance refused because the new date came while the letter waited: it is handed back for a new date', () => {
    const r = outcome.audit.remoteSigning!;
    assert.equal(r.datePassed.retried, 0, `${r.datePassed.retried} issuances refused with "Ngày hẹn mới phải sau ngày hôm nay" were retried as if the fault would pass (${JSON.stringify(r.datePassed)})`);
  });
});
