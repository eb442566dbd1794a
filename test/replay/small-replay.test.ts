import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runReplay, type ReplayOutcome } from '../../src/replay/run';
import type { ReplayOverrides } from '../../src/replay/params';
import { replayDatabase } from './replay-database';

const onPostgres = /^postgres/.test(process.env.DATABASE_URL ?? '');

/**
 * A month of a small province (about 2,500 dossiers; on PostgreSQL half a month, 600 dossiers)
 * with the faults of a bad month: Zalo down for eight days from day 2, e-mail for one on day 10,
 * one request in ten refused at every provider, the
 * dispatcher SIGKILLed every 8 s (and a server every 12 s on PostgreSQL, with one database outage
 * through the proxy). The replay must end with every promise kept.
 */
const SMALL_MONTH: ReplayOverrides = {
  seed: 18,
  start: '2026-03-02',
  // SQLite: 2,500 in 30 days. PostgreSQL: 600 in 15 days — its five processes (servers and
  // dispatchers, each restarted after its kills) share the CI's two cores with the driver.
  days: onPostgres ? 15 : 30,
  yearlyVolume: Math.round((onPostgres ? (600 * 365) / 15 : (2_500 * 365) / 30)),
  faults: {
    providers: {
      // A small province sends a few letters a day: the outages are long so that some fall in them.
      zalo: { latencyMs: 5, errorRate: 0.1, outages: [{ atDay: 2, forHours: 8 * 24 }] },
      email: { latencyMs: 5, errorRate: 0.1, outages: [{ atDay: 10, forHours: 24 }] },
      sms: { latencyMs: 5, errorRate: 0.1, outages: [] },
      signing: { latencyMs: 5, errorRate: 0, outages: [] },
    },
    kills: onPostgres ? { server: { everySeconds: 12 }, dispatcher: { everySeconds: 8 } } : { dispatcher: { everySeconds: 8 } },
    database: { outages: onPostgres ? [{ atSecond: 20, forSeconds: 3 }] : [] },
  },
  processes: { servers: 2, dispatchers: 2 },
};

describe(`small replay: a month, a few thousand dossiers, kills and outages (${onPostgres ? 'PostgreSQL, servers and dispatchers as processes' : 'SQLite, one process and a dispatcher process'})`, function () {
  // Long enough for a loaded machine: at load ≈ 10 the PostgreSQL half month took over 6 minutes.
  this.timeout(1_200_000);
  let outcome: ReplayOutcome;
  let out: string;

  before(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-'));
    outcome = await runReplay({
      out,
      overrides: SMALL_MONTH,
      databaseUrl: onPostgres ? await replayDatabase(process.env.DATABASE_URL as string) : undefined,
    });
  });

  after(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('keeps every promise: each late dossier apologised, none twice, no number skipped, no notice lost', () => {
    assert.deepEqual(outcome.broken, [], `the audit found broken promises:\n${outcome.broken.join('\n')}`);
  });

  it('really replayed a month under faults (or the first test would prove nothing)', () => {
    const { progress, faults } = outcome;
    const expected = onPostgres ? 600 : 2_500;
    assert.ok(progress.received >= expected * 0.8, `only ${progress.received} dossiers were received; about ${expected} were expected`);
    assert.ok(progress.ticks.issued + progress.approved > 0, 'no apology was issued in the month: nothing slipped, so nothing was tested');
    assert.ok(faults.kills >= 1, 'no process was killed: the kill schedule did not run');
    assert.ok(faults.providerErrors + faults.failedAttempts > 0, `no send failed: the provider outages and error rates did not take effect (${JSON.stringify(faults)})`);
    if (onPostgres) assert.ok(faults.dbOutages >= 1, 'the database outage did not happen');
  });

  it('signs its letters as a province would (every agency has a certificate by default)', () => {
    const { letters } = outcome.audit;
    assert.ok(letters.issued > 0, 'no letter was issued: signing was not exercised');
    assert.equal(letters.signed, letters.issued, `${letters.unsigned} of ${letters.issued} letters were issued without signatures although every agency signs with a certificate`);
  });

  it("takes Zalo's delivery receipts at the service's webhook and records those notices delivered", () => {
    const z = outcome.audit.zaloReceipts;
    assert.ok(z, 'the audit has no Zalo receipts section');
    // PostgreSQL's half month of 600 dossiers may send nothing by Zalo (down eight days of it).
    const accepted = outcome.audit.deliveries.find((d) => d.provider === 'zalo')?.accepted ?? 0;
    if (!onPostgres) assert.ok(accepted > 0, 'the Zalo fake accepted no message in the month: receipts were not exercised');
    if (accepted === 0) return;
    assert.ok(z.taken > 0, `the webhook took no delivery receipt for the ${accepted} messages the Zalo fake accepted (${z.failed} failed)`);
    assert.ok(z.noticesDelivered > 0, `${z.taken} receipts were taken but no Zalo notice is recorded as delivered`);
    assert.ok(z.noticesDelivered <= z.taken, `${z.noticesDelivered} Zalo notices are recorded delivered but the fake posted only ${z.taken} receipts`);
  });

  it("takes the SMS gateway's delivery reports at the service's webhook: no SMS is left 'sent' without its report", () => {
    const r = outcome.audit.smsReports;
    assert.ok(r, 'the audit has no SMS reports section');
    const accepted = outcome.audit.deliveries.find((d) => d.provider === 'sms')?.accepted ?? 0;
    // PostgreSQL's half month of 600 dossiers may send no SMS at all.
    if (!onPostgres) assert.ok(accepted > 0, 'the SMS fake accepted no message in the month: delivery reports were not exercised');
    if (accepted === 0) return;
    assert.equal(r.failed, 0, `${r.failed} of the SMS gateway's delivery reports did not reach the service's webhook (${r.taken} did): the callback address given to the gateway leads nowhere`);
    const leftSent = outcome.audit.notices.byState.filter((t) => t.channel === 'sms' && t.status === 'sent').reduce((n, t) => n + t.n, 0);
    assert.equal(leftSent, 0, `${leftSent} SMS notices stayed 'sent' although the gateway reported on every message it took`);
  });

  it('writes the report people read, and its figures as JSON', () => {
    assert.ok(fs.existsSync(outcome.htmlFile), `no HTML report at ${outcome.htmlFile}`);
    const json = JSON.parse(fs.readFileSync(outcome.jsonFile, 'utf8')) as Record<string, unknown>;
    assert.ok(json.params, 'the JSON report must carry the parameters of the run');
  });
});
