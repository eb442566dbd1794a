import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Attachment, Channel, OutgoingNotice, SendResult } from '../../src/channels/types';
import { DispatchWorkerRepository } from '../../src/db/dispatch-workers';
import { NoticeRepository } from '../../src/db/notices';
import { Dispatcher } from '../../src/dispatch/dispatcher';
import { createLogger } from '../../src/logger';
import { auditReplay, brokenPromises, type Audit, type AuditParams, type FakeDelivery, type RunFacts } from '../../src/replay/audit';
import { writeReport, type ReportFile } from '../../src/replay/report';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/** Stands in for a provider's fake: accepts every message and logs it as the fakes do. */
class LoggingZalo implements Channel {
  readonly name = 'zalo' as const;
  readonly simulated = true;
  constructor(private readonly log: FakeDelivery[]) {}
  async send(n: OutgoingNotice, _attachments: () => Promise<Attachment[]>): Promise<SendResult> {
    this.log.push({ provider: 'zalo', key: String(n.id), recipient: n.recipient, realAt: Date.now(), outcome: 'accepted' });
    return { outcome: 'sent', providerAnswer: '{"error":0}', providerMessageId: `msg-${n.id}` };
  }
  async close(): Promise<void> {}
}

const PARAMS: AuditParams = {
  seed: 7,
  start: '2026-01-01',
  days: 61,
  prices: { zaloMessage: 200, smsSegment: 800, email: 0, currency: 'VND' },
  calibration: { source: 'Cần Thơ, quý I/2019', figures: { canThoQ1_2019Received: 169_055, canThoQ1_2019ResolvedLate: 3_076, ngheAn2023OnlineOverdueShare: 0.082 } },
};

const at = (s: string): number => new Date(`${s}+07:00`).getTime();

describe('replay audit: the promises counted from the rows and the fakes', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let deliveries: FakeDelivery[];
  let run: RunFacts;

  /**
   * Four dossiers, known answers: BEFORE is apologised to before its deadline (Zalo, sent through
   * the dispatcher and logged at the fake), AFTER after it (no contact: the counter's call list),
   * ONTIME and RESOLVED are not late.
   */
  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    const create = (code: string, acceptedAt: string, extra: Record<string, unknown> = {}) =>
      ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: `${acceptedAt}+07:00`, ...extra })).expect(201);
    const apologise = async (code: string) => {
      const d = await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({}).expect(201);
      await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    };
    await create('AFTER', '2026-01-05T09:00:00', { phone: undefined, email: undefined, consent: { zalo: false, email: false, sms: false } });
    await create('BEFORE', '2026-02-02T08:00:00', { email: undefined, consent: { zalo: true, email: false, sms: false } });
    await create('ONTIME', '2026-02-20T09:00:00');
    await create('RESOLVED', '2026-02-03T09:00:00');
    await ctx.api('post', '/api/v1/dossiers/RESOLVED/events').send({ kind: 'resolved', occurredAt: '2026-02-10T10:00:00+07:00' }).expect(201);
    await apologise('BEFORE');
    await apologise('AFTER');
    deliveries = [];
    const notices = new NoticeRepository(ctx.db);
    const dispatcher = new Dispatcher({
      notices,
      workers: new DispatchWorkerRepository(ctx.db),
      channels: new Map([['zalo', new LoggingZalo(deliveries)]]),
      attachments: (batch) => ctx.services.apologyFiles.noticeAttachments(batch),
      clock: ctx.clock,
      logger: createLogger('silent'),
      settings: { concurrency: 2, retryWindowMs: 86_400_000, sendingTimeoutMs: 300_000, leaseMs: 10_000, sendWindow: { start: 6 * 60, end: 22 * 60 }, channelDownRetryMs: 600_000 },
      random: () => 0.5,
    });
    await dispatcher.runOnce();
    run = {
      startedRealMs: Date.now() - 1000,
      endedRealMs: Date.now(),
      virtualStart: at('2026-01-01T00:00:00'),
      virtualEnd: at('2026-03-02T10:00:00'),
      kills: [],
      dbOutages: [],
      processes: [{ role: 'replay', cpuMs: 1234, maxRssMb: 180 }],
    };
  });
  afterEach(async () => ctx.close());

  const audit = (): Promise<Audit> => auditReplay({ db: ctx.db, deliveries, params: PARAMS, run });
  const sentZaloId = async (): Promise<number> => Number((await ctx.db('notices').where({ channel: 'zalo' }).first('id')).id);

  /** The one broken promise the test planted, and nothing else. */
  function onlyBroken(a: Audit, startsWith: string, mentions: string): void {
    const broken = brokenPromises(a);
    assert.equal(broken.length, 1, `exactly one broken promise expected, got:\n${broken.join('\n')}`);
    assert.ok(broken[0].startsWith(startsWith), `the broken promise should start with "${startsWith}", got: ${broken[0]}`);
    assert.ok(broken[0].includes(mentions), `the sentence should name ${mentions} so someone can look it up, got: ${broken[0]}`);
  }

  it('on a clean run counts each late dossier once and finds every promise kept', async () => {
    const a = await audit();
    assert.deepEqual(brokenPromises(a), [], 'a clean state breaks no promise');
    assert.equal(a.dossiers.received, 4);
    assert.equal(a.dossiers.late, 2, 'BEFORE and AFTER are late; ONTIME and RESOLVED are not');
    assert.equal(a.dossiers.apologisedBefore, 1, 'BEFORE was apologised to before its deadline');
    assert.equal(a.dossiers.apologisedAfter, 1, 'AFTER was apologised to after its deadline');
    assert.equal(a.dossiers.never.count, 0);
    assert.equal(a.dossiers.beforeShare, 0.5);
    assert.deepEqual(
      a.letterNumbers.registers.map((r) => [r.agencyCode, r.year, r.lastSeq, r.issued, r.gaps.length]),
      [['SXD', 2026, 2, 2, 0]],
      'two letters, numbers 1 and 2, no gap',
    );
    assert.equal(a.notices.callListLeft, 1, 'AFTER has no contact: the counter must call or hand the letter');
    assert.equal(a.notices.lost.count, 0);
    const zalo = a.deliveries.find((d) => d.provider === 'zalo');
    assert.deepEqual([zalo?.checked, zalo?.accepted, zalo?.noticesSent, zalo?.duplicates.length], [true, 1, 1, 0], 'one Zalo message sent, one accepted at the fake');
    assert.equal(a.costs.rows.find((c) => c.channel === 'zalo')?.cost, 200, 'one Zalo message at 200 VND');
    assert.deepEqual(
      a.months.map((m) => [m.month, m.received, m.late, m.apologisedBefore, m.apologisedAfter, m.callListAdded]),
      [
        ['2026-01', 1, 1, 0, 0, 0], // AFTER: 20 working days from 5 January end on 30 January
        ['2026-02', 3, 0, 0, 0, 0],
        ['2026-03', 0, 1, 1, 1, 1], // BEFORE's deadline (9 March) and both letters, issued 2 March
      ],
    );
    assert.equal(a.periodReport.total.received, 4, 'the period report over the simulated days counts the same dossiers');
    assert.deepEqual(
      a.calibration.rows.find((r) => r.key === 'receivedPerQuarter'),
      { key: 'receivedPerQuarter', published: null, simulated: Math.round((4 * 365) / 4 / 61), simulatedAs: 'Hồ sơ tiếp nhận, quy ra một quý', rate: false },
      'a measure no published figure names is still shown',
    );
    assert.equal(a.calibration.rows.find((r) => r.key === 'canThoQ1_2019Received')?.simulated, null, 'the run ends on 2 March: it does not cover the first quarter');
    const slip = a.latencies.find((l) => l.measure === 'slipToApology' && l.clock === 'virtual');
    assert.equal(slip?.count, 1, 'one apology came after its deadline');
  });

  it('sets each published figure beside the simulated one its key names: a quarter from the period report, a share from the run', async () => {
    run.virtualEnd = at('2026-04-01T00:00:00');
    const a = await audit();
    const rows = Object.fromEntries(a.calibration.rows.map((r) => [r.key, [r.published, r.simulated, r.rate]]));
    assert.deepEqual(rows.canThoQ1_2019Received, [169_055, 4, false], 'Cần Thơ’s quarter beside the simulated first quarter: 4 dossiers received');
    assert.deepEqual(rows.canThoQ1_2019ResolvedLate, [3_076, 0, false], 'RESOLVED finished on time');
    assert.deepEqual(rows.ngheAn2023OnlineOverdueShare, [0.082, null, true], 'no online dossier in this run: no share to compare');
    assert.match(a.calibration.rows.find((r) => r.key === 'canThoQ1_2019Received')?.simulatedAs ?? '', /Quý I năm 2026 mô phỏng: tiếp nhận/);
  });

  it('names a second apology issued for the same deadline', async () => {
    const first = await ctx.db('apologies').where({ status: 'issued' }).orderBy('id').first();
    const { id: _id, ...copy } = first as Record<string, unknown>;
    await ctx.db('apologies').insert({ ...copy, active_version: null, letter_seq: null, letter_number: null, citizen_token: 'planted-duplicate' });
    await ctx.db('notices').insert({
      ...(({ id: _n, ...n }) => n)((await ctx.db('notices').where({ apology_id: first.id }).first()) as Record<string, unknown>),
      business_key: 'planted-duplicate',
      // On the counter's list, so that the planted letter's citizen is not also a lost notice.
      channel: 'print',
      status: 'created',
      sent_at: null,
      apology_id: ctx.db('apologies').where({ citizen_token: 'planted-duplicate' }).select('id'),
    });
    const a = await audit();
    assert.equal(a.duplicateApologies.count, 1);
    onlyBroken(a, 'Thư xin lỗi trùng', 'BEFORE');
  });

  it('names a number taken from the register that no letter carries', async () => {
    await ctx.db('letter_sequences').update({ last_seq: 3 });
    const a = await audit();
    assert.equal(a.letterNumbers.gaps, 1);
    onlyBroken(a, 'Sổ văn bản bị hở số', 'SXD 2026 số 3');
  });

  it('counts a number a cancelled letter keeps as void (its dossier closed after a later number was issued) as accounted for, not a gap', async () => {
    await ctx.db('letter_sequences').update({ last_seq: 3 });
    const first = await ctx.db('apologies').where({ status: 'issued' }).orderBy('id').first();
    const { id: _id, ...copy } = first as Record<string, unknown>;
    await ctx.db('apologies').insert({ ...copy, status: 'cancelled', issued_at: null, active_version: null, letter_seq: 3, letter_number: '03/PXL-SXD', citizen_token: 'planted-void' });
    const a = await audit();
    assert.equal(a.letterNumbers.gaps, 0, `a void number is not a gap (gaps: ${a.letterNumbers.examples.join(', ')})`);
    assert.deepEqual(a.letterNumbers.registers.map((r) => [r.issued, r.voided]), [[2, 1]], 'two numbers issued, one void');
  });

  it('names a notice left in "sending" after the drain', async () => {
    const id = await sentZaloId();
    await ctx.db('notices').where({ id }).update({ status: 'sending' });
    const a = await audit();
    onlyBroken(a, 'Mất thông báo', String(id));
  });

  it('names a citizen whose issued letter has no notice at all', async () => {
    await ctx.db('notices').where({ channel: 'print' }).delete();
    const a = await audit();
    onlyBroken(a, 'Mất thông báo', 'AFTER');
  });

  it('names a notice recorded as sent that the provider never received', async () => {
    deliveries.length = 0;
    run.fakedProviders = ['zalo'];
    const a = await audit();
    onlyBroken(a, 'Mất thông báo', String(await sentZaloId()));
  });

  it('names a late dossier nobody apologised to', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'FORGOTTEN', acceptedAt: '2026-01-06T09:00:00+07:00' })).expect(201);
    const a = await audit();
    assert.equal(a.dossiers.late, 3);
    onlyBroken(a, 'Hồ sơ trễ chưa được xin lỗi', 'FORGOTTEN');
  });

  it('reports apart, without calling the service broken, a late dossier whose draft waited for the leader until its result was recorded', async () => {
    // A review-mode agency: the officer drafted ahead of the deadline; the leader had not approved
    // when the late result was recorded, which cancels the draft. The letter was the leader's to send.
    await ctx.api('patch', '/api/v1/agencies/SXD').send({ settings: { apologyMode: 'review' } }).expect(200);
    ctx.clock.set(new Date('2026-01-12T09:00:00+07:00'));
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'WAITED', acceptedAt: '2026-01-06T09:00:00+07:00' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers/WAITED/apologies').send({}).expect(201);
    ctx.clock.set(new Date('2026-03-02T09:30:00+07:00'));
    await ctx.api('post', '/api/v1/dossiers/WAITED/events').send({ kind: 'resolved', occurredAt: '2026-03-02T09:20:00+07:00' }).expect(201);
    const a = await audit();
    assert.equal(a.dossiers.late, 3, 'WAITED is late');
    assert.deepEqual(a.dossiers.leftToLeader, { count: 1, examples: ['WAITED'] }, 'WAITED is counted as left to the leader');
    assert.equal(a.dossiers.never.count, 0, 'and not as never apologised by the service');
    assert.deepEqual(brokenPromises(a), []);
  });

  it('still names a late dossier that had no draft at all', async () => {
    await ctx.api('patch', '/api/v1/agencies/SXD').send({ settings: { apologyMode: 'review' } }).expect(200);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'NODRAFT', acceptedAt: '2026-01-06T09:00:00+07:00' })).expect(201);
    const a = await audit();
    assert.equal(a.dossiers.leftToLeader.count, 0);
    onlyBroken(a, 'Hồ sơ trễ chưa được xin lỗi', 'NODRAFT');
  });

  it('names a message the fake received twice when no attempt was interrupted', async () => {
    deliveries.push({ ...deliveries[0], realAt: Date.now() });
    const a = await audit();
    onlyBroken(a, 'Gửi trùng không có lý do', String(deliveries[0].key));
  });

  it('accepts a duplicate at the fake that an interrupted attempt explains, and reports it', async () => {
    deliveries.push({ ...deliveries[0], realAt: Date.now() });
    await ctx.db('notice_attempts').where({ notice_id: await sentZaloId() }).update({ interrupted: true });
    const a = await audit();
    assert.deepEqual(brokenPromises(a), [], 'a resend after a kill is what the outbox must do');
    assert.deepEqual(a.deliveries.find((d) => d.provider === 'zalo')?.duplicates.map((d) => d.explained), [true]);
  });

  it('accepts a duplicate the fake logged as taken after we had hung up (its answer lost)', async () => {
    deliveries[0].answerLost = true;
    deliveries.push({ ...deliveries[0], answerLost: false, realAt: Date.now() });
    const a = await audit();
    assert.deepEqual(brokenPromises(a), [], 'we could not know the first was taken: sending again was right');
    assert.equal(a.deliveries.find((d) => d.provider === 'zalo')?.duplicates.length, 1, 'the duplicate is still reported');
  });

  it('writes one self-contained HTML report and a JSON file with the same figures', async () => {
    const a = await audit();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-report-'));
    try {
      const { htmlFile, jsonFile } = writeReport(dir, a, PARAMS);
      const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as ReportFile;
      assert.deepEqual(json.audit, JSON.parse(JSON.stringify(a)), 'the JSON carries the audit as computed');
      assert.deepEqual(json.params, PARAMS);
      assert.deepEqual(json.brokenPromises, []);
      const html = fs.readFileSync(htmlFile, 'utf8');
      assert.equal(html, html.normalize('NFC'), 'Vietnamese text in NFC');
      assert.equal((html.match(/<svg /g) ?? []).length, 2, 'two inline charts');
      assert.doesNotMatch(html, /<script|<link |src="http|href="http/, 'nothing fetched: no script, stylesheet or remote file');
      assert.match(html, /<caption>Số liệu theo tháng<\/caption>/);
      for (const [m, label] of a.months.map((m, i) => [m, `Tháng ${i + 1}/2026`] as const)) {
        assert.match(html, new RegExp(`<tr><td>${label}</td><td class="num">${m.received}</td>`), `the month table has ${m.month} as "${label}"`);
      }
      assert.match(html, /Mọi lời hứa đều được giữ đúng/);
      assert.match(html, /Cần Thơ, quý I\/2019/, 'the calibration source is shown');
      assert.match(html, /169\.055/, 'the published figure beside the simulated one, in Vietnamese number format');
      assert.match(html, /8,2 %/, 'a published share as a percentage');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
