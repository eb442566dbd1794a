import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

type Row = Record<string, number | string | null>;

const at = (s: string) => `${s}+07:00`;

/** The identities of domain.md, checked on one row; the message names the row and the broken sum. */
function assertIdentities(r: Row, where: string): void {
  const n = (k: string) => Number(r[k]);
  assert.equal(n('received'), n('carriedOver') + n('newOnline') + n('newCounter') + n('newPost'), `${where}: received ≠ carried over + new`);
  assert.equal(
    n('received'),
    n('resolved') + n('pending') + n('paused') + n('withdrawn') + n('rejected'),
    `${where}: received ≠ resolved + pending + paused + withdrawn + rejected`,
  );
  assert.equal(n('resolved'), n('resolvedEarly') + n('resolvedOnTime') + n('resolvedLate'), `${where}: resolved ≠ early + on time + late`);
  assert.equal(n('pending'), n('pendingNotDue') + n('pendingOverdue'), `${where}: pending ≠ not due + overdue`);
}

function pick(r: Row, keys: string[]): Row {
  return Object.fromEntries(keys.map((k) => [k, r[k]]));
}

const COUNTS = [
  'carriedOver', 'newOnline', 'newCounter', 'newPost', 'received', 'resolvedEarly', 'resolvedOnTime', 'resolvedLate',
  'pendingNotDue', 'pendingOverdue', 'paused', 'withdrawn', 'rejected',
];

describe('reports', function () {
  this.timeout(120_000);
  let ctx: TestContext;

  const create = (code: string, acceptedAt: string, channel = 'counter', extra: Record<string, unknown> = {}) =>
    ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: at(acceptedAt), channel, ...extra })).expect(201);
  const event = (code: string, kind: string, occurredAt: string) =>
    ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(code)}/events`).send({ kind, occurredAt: at(occurredAt) }).expect(201);
  const february = async (query = '') => (await ctx.api('get', `/api/v1/reports/period?period=2026-02${query}`).expect(200)).body;

  describe('a small agency in February 2026', () => {
    beforeEach(async () => {
      ctx = await createTestContext('2026-02-28T16:00:00+07:00');
      await seedBasics(ctx);
      await create('D1', '2026-01-20T09:00:00');
      await create('D2', '2026-02-03T09:00:00', 'online');
      await create('D3', '2026-01-05T09:00:00');
      await create('D4', '2026-02-05T09:00:00', 'post');
      await create('D5', '2026-02-06T09:00:00');
      await create('D6', '2026-01-02T09:00:00');
      await event('D1', 'resolved', '2026-02-10T10:00:00');
      await event('D4', 'withdrawn', '2026-02-09T10:00:00');
      await event('D5', 'supplement_requested', '2026-02-10T10:00:00');
      await event('D6', 'resolved', '2026-01-20T10:00:00');
      ctx.clock.set(new Date('2026-03-01T08:00:00+07:00'));
    });
    afterEach(async () => ctx.close());

    it('counts each dossier once: carried over, new by channel, and its state at the end of the month', async () => {
      const body = await february();
      assert.equal(body.period.label, 'Tháng 2 năm 2026');
      assert.equal(body.rows.length, 1, 'one agency received dossiers');
      const row = body.rows[0];
      assert.equal(row.key, 'SXD');
      assert.deepEqual(pick(row, COUNTS), {
        carriedOver: 2, // D1 and D3; D6 was resolved in January
        newOnline: 1,
        newCounter: 1,
        newPost: 1,
        received: 5,
        resolvedEarly: 1, // D1, long before its March due date
        resolvedOnTime: 0,
        resolvedLate: 0,
        pendingNotDue: 1, // D2, due in March
        pendingOverdue: 1, // D3, due early February, still open
        paused: 1, // D5, waiting for the citizen's supplement
        withdrawn: 1,
        rejected: 0,
      });
      assert.equal(row.onTimeRate, 1);
      assert.equal(row.timelinessRate, 0.6667, 'QĐ 766: (1 early + 1 pending in time) / (1 resolved + 2 pending)');
      assertIdentities(row, 'SXD');
      assert.deepEqual(pick(body.total, COUNTS), pick(row, COUNTS), 'the total of one row is that row');
    });

    it('gives the same answer later "as of" the first moment, though dossiers moved and an entry was backdated', async () => {
      const before = await february();
      ctx.clock.set(new Date('2026-03-20T10:00:00+07:00'));
      await event('D3', 'resolved', '2026-03-15T10:00:00');
      await event('D5', 'supplement_received', '2026-03-02T10:00:00');
      await event('D2', 'resolved', '2026-02-27T15:00:00'); // entered on 20/03 for a result of 27/02
      const asOf = await february(`&asOf=${encodeURIComponent('2026-03-01T08:00:00+07:00')}`);
      assert.deepEqual(pick(asOf.rows[0], COUNTS), pick(before.rows[0], COUNTS), 'as of 01/03 the report must not have changed');
      const now = await february();
      assert.equal(now.rows[0].resolvedEarly, 2, 'the backdated result of D2 now counts in February');
      assert.equal(now.rows[0].pendingNotDue, 0);
      assert.equal(now.rows[0].pendingOverdue, 1, 'D3 was still overdue at the end of February, whatever happened in March');
      assert.equal(now.rows[0].paused, 1, 'D5 was still paused at the end of February');
      assertIdentities(now.rows[0], 'SXD after March');
    });

    it('ranks agencies by dossiers overdue now, with the oldest one', async () => {
      const body = (await ctx.api('get', '/api/v1/reports/overdue').expect(200)).body;
      assert.equal(body.rows.length, 1);
      assert.equal(body.rows[0].agencyCode, 'SXD');
      assert.equal(body.rows[0].overdue, 1);
      assert.equal(body.rows[0].oldest.code, 'D3');
      assert.ok(body.rows[0].oldest.daysLate > 20, `D3 was due early February, so more than 20 days late on 01/03, not ${body.rows[0].oldest.daysLate}`);
      assert.equal(body.rows[0].over30Days, 0, 'less than 30 days late on 01/03');
      ctx.clock.set(new Date('2026-03-20T10:00:00+07:00'));
      const ranked = (await ctx.api('get', '/api/v1/reports/overdue').expect(200)).body;
      assert.equal(ranked.rows[0].overdue, 2, 'on 20/03 D2 (due 10/03) is overdue as well');
      assert.equal(ranked.rows[0].over30Days, 1, 'on 20/03 D3 is over 30 days late, D2 is not');
      assert.equal(ranked.rows[0].oldest.code, 'D3');
      await event('D3', 'resolved', '2026-03-20T09:00:00');
      await event('D2', 'resolved', '2026-03-20T09:00:00');
      assert.deepEqual((await ctx.api('get', '/api/v1/reports/overdue').expect(200)).body.rows, [], 'nothing is overdue once D2 and D3 are resolved');
      const then = (await ctx.api('get', `/api/v1/reports/overdue?at=${encodeURIComponent('2026-03-01T08:00:00+07:00')}`).expect(200)).body;
      assert.equal(then.rows[0]?.overdue, 1, 'on 01/03, D3 was overdue');
    });

    it('groups by procedure, field and receiving unit with the same totals', async () => {
      const byAgency = await february();
      for (const groupBy of ['procedure', 'field', 'unit']) {
        const body = await february(`&groupBy=${groupBy}`);
        assert.deepEqual(pick(body.total, COUNTS), pick(byAgency.total, COUNTS), `grouping by ${groupBy} must not change the totals`);
      }
      const field = await february('&groupBy=field');
      assert.equal(field.rows[0].key, 'Hoạt động xây dựng');
    });

    it('exports CSV with a BOM and Vietnamese headers, and XLSX, under a Vietnamese file name', async () => {
      const csv = await ctx.api('get', '/api/v1/reports/period?period=2026-02&format=csv').responseType('blob').expect(200);
      const bytes = csv.body as Buffer;
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the file must start with the UTF-8 byte order mark for Excel');
      const records = parseCsv(bytes.subarray(3).toString('utf8')) as string[][];
      assert.equal(records[0][2], 'Tổng số tiếp nhận');
      assert.equal(records[1][0], 'SXD');
      assert.equal(records[1][2], '5');
      assert.equal(records[2][1], 'Tổng cộng');
      assert.match(String(csv.headers['content-disposition']), /filename\*=UTF-8''B%C3%A1o%20c%C3%A1o/, 'the UTF-8 file name starts "Báo cáo"');
      assert.match(String(csv.headers['content-disposition']), /filename="Bao-cao-giai-quyet-ho-so-theo-co-quan-giai-quyet-Thang-2-nam-2026\.csv"/);

      const xlsx = await ctx.api('get', '/api/v1/reports/period?period=2026-02').set('Accept', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').responseType('blob').expect(200);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(new Uint8Array(xlsx.body as Buffer).buffer as ArrayBuffer);
      const sheet = book.worksheets[0];
      assert.equal(sheet.getCell('A1').value, 'Báo cáo tình hình giải quyết hồ sơ theo cơ quan giải quyết — Tháng 2 năm 2026');
      assert.equal(sheet.getCell('C3').value, 'Tổng số tiếp nhận');
      assert.equal(sheet.getCell('C4').value, 5, 'numbers are numbers in the workbook');
    });

    it('refuses a bad period and names the field, and an agency token sees only its agency', async () => {
      const bad = await ctx.api('get', '/api/v1/reports/period?period=2026-Q5').expect(400);
      assert.equal(bad.body.errors[0].field, 'query.period');
      const both = await ctx.api('get', '/api/v1/reports/period?period=2026-Q1&from=2026-01-01').expect(400);
      assert.equal(both.body.errors[0].field, 'query.period');
      const reversed = await ctx.api('get', '/api/v1/reports/period?from=2026-03-01&to=2026-02-01').expect(400);
      assert.equal(reversed.body.errors[0].field, 'query.to');
      await ctx.api('post', '/api/v1/agencies').send({ code: 'STP', name: 'Sở Tư pháp', parentName: 'UBND THÀNH PHỐ CẦN THƠ', placeName: 'Cần Thơ', letterSymbol: 'PXL-STP', level: 'department' }).expect(201);
      const { token } = await ctx.services.tokens.create('stp', 'STP', SYSTEM_ACTOR);
      const scoped = (await ctx.api('get', '/api/v1/reports/period?period=2026-02', token).expect(200)).body;
      assert.deepEqual(scoped.rows, [], 'a token of Sở Tư pháp must not see Sở Xây dựng');
      assert.equal(scoped.total.received, 0);
    });
  });

  describe('on random histories', () => {
    afterEach(async () => ctx.close());

    it('keeps every identity for every row and the totals, and past reports do not change', async () => {
      ctx = await createTestContext('2025-12-01T08:00:00+07:00');
      await seedBasics(ctx);
      await ctx.api('post', '/api/v1/agencies').send({ code: 'STP', name: 'Sở Tư pháp thành phố Cần Thơ', parentName: 'UBND THÀNH PHỐ CẦN THƠ', placeName: 'Cần Thơ', letterSymbol: 'PXL-STP', level: 'department' }).expect(201);
      await ctx.api('post', '/api/v1/procedures').send({
        code: '2.000488', name: 'Cấp Phiếu lý lịch tư pháp', field: 'Lý lịch tư pháp', agencyCode: 'STP',
        processingTime: { unit: 'days', amount: 5 }, supplementPolicy: 'restart', defaultExtensionDays: 3, defaultDelayReason: 'Chờ xác minh',
      }).expect(201);
      const rand = xorshift(20261122);
      const open = new Map<string, string>(); // code → state
      const snapshots: { asOf: string; body: Record<string, unknown>; query: string }[] = [];
      let now = new Date('2025-12-01T08:00:00+07:00').getTime();
      let seq = 0;
      const end = new Date('2026-04-15T08:00:00+07:00').getTime();
      const iso = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 19) + '+07:00';
      let nextSnapshot = new Date('2026-02-01T00:00:00+07:00').getTime();
      while (now < end) {
        now += Math.floor(rand() * 10 * 3600) * 1000;
        ctx.clock.set(new Date(now));
        const occurred = iso(now - Math.floor(rand() * 3600) * 1000);
        const r = rand();
        if (r < 0.4 || open.size === 0) {
          const code = `R${++seq}`;
          await ctx.api('post', '/api/v1/dossiers').send(dossierBody({
            code,
            procedureCode: rand() < 0.5 ? '1.009972' : '2.000488',
            receivingAgencyCode: rand() < 0.7 ? 'SXD' : 'STP',
            channel: ['online', 'counter', 'post'][Math.floor(rand() * 3)],
            acceptedAt: occurred,
          })).expect(201);
          open.set(code, 'received');
        } else {
          const codes = [...open.keys()];
          const code = codes[Math.floor(rand() * codes.length)];
          const state = open.get(code) as string;
          const choices: Record<string, string[]> = {
            received: ['processing_started', 'resolved', 'resolved', 'supplement_requested', 'withdrawn', 'rejected'],
            processing: ['resolved', 'resolved', 'supplement_requested', 'withdrawn'],
            waiting_supplement: ['supplement_received', 'supplement_received', 'rejected'],
          };
          const kind = choices[state][Math.floor(rand() * choices[state].length)];
          const res = await ctx.api('post', `/api/v1/dossiers/${code}/events`).send({ kind, occurredAt: occurred });
          if (res.status === 201) {
            const next = res.body.state as string;
            if (['resolved', 'withdrawn', 'rejected'].includes(next)) open.delete(code);
            else open.set(code, next);
          } else {
            assert.equal(res.status, 400, `event ${kind} on ${code}: only an occurredAt before acceptance may be refused, got ${res.status} ${JSON.stringify(res.body)}`);
          }
        }
        if (now >= nextSnapshot) {
          for (const query of ['period=2026-01&groupBy=agency', 'period=2026-Q1&groupBy=procedure']) {
            snapshots.push({ asOf: iso(now), query, body: (await ctx.api('get', `/api/v1/reports/period?${query}`).expect(200)).body });
          }
          nextSnapshot += 17 * 86_400_000;
        }
      }
      assert.ok(seq > 100, `the simulation should create many dossiers, made ${seq}`);

      for (const groupBy of ['agency', 'procedure', 'field', 'unit']) {
        for (const period of ['2025-12', '2026-01', '2026-02', '2026-Q1', '2026-H1', '2026', 'from=2026-01-15&to=2026-03-10']) {
          const q = period.startsWith('from') ? period : `period=${period}`;
          const body = (await ctx.api('get', `/api/v1/reports/period?${q}&groupBy=${groupBy}`).expect(200)).body;
          const where = `${q} by ${groupBy}`;
          for (const row of body.rows) assertIdentities(row, `${where}, row ${row.key}`);
          assertIdentities(body.total, `${where}, total`);
          for (const k of COUNTS) {
            const sum = body.rows.reduce((n: number, row: Row) => n + Number(row[k]), 0);
            assert.equal(body.total[k], sum, `${where}: the total of ${k} is not the sum of the rows`);
          }
        }
      }
      const year = (await ctx.api('get', '/api/v1/reports/period?from=2025-01-01&to=2026-12-31').expect(200)).body;
      assert.equal(year.total.received, seq, 'over all time every dossier created is received exactly once');

      assert.ok(snapshots.length >= 4, 'the simulation should have taken several snapshots');
      for (const snap of snapshots) {
        const again = (await ctx.api('get', `/api/v1/reports/period?${snap.query}&asOf=${encodeURIComponent(snap.asOf)}`).expect(200)).body;
        assert.deepEqual(again.rows, (snap.body as { rows: unknown }).rows, `${snap.query} as of ${snap.asOf} changed after that moment`);
      }
    });
  });
});

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}
