import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import supertest from 'supertest';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

const at = (s: string) => `${s}+07:00`;
const B1 = 'H13.02-260302-0001';

const FIGURES = ['late', 'apologyBeforeDue', 'apologyAfterDue', 'noApology', 'secondSlips', 'noticesDelivered', 'noticesFailed', 'noticesNotSent'];
type Row = Record<string, unknown>;
const pick = (r: Row) => Object.fromEntries(FIGURES.map((k) => [k, r[k]]));

/**
 * Apology compliance and the public board on data made the way staff make it: dossiers through
 * the API, apologies drafted and approved at chosen moments, notices sent by the dispatcher
 * through the Zalo simulator (a normal number is delivered; 0900 000 108 is refused for good).
 *
 * Sở Xây dựng (SXD, 20 working days): every dossier accepted Mon 02/02/2026 is due Mon 09/03
 * 17:00 (Tết 16–20/02 off). Sở Tư pháp (STP, 5 working days) publishes its apologies.
 */
describe('apology compliance report and public board', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let snapshot: { asOf: string; body: { rows: Row[]; total: Row } };

  const create = (code: string, acceptedAt: string, extra: Record<string, unknown> = {}) =>
    ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: at(acceptedAt), ...extra })).expect(201);
  const resolve = async (code: string, when: string) => {
    ctx.clock.set(new Date(at(when)));
    await ctx.api('post', `/api/v1/dossiers/${code}/events`).send({ kind: 'resolved', occurredAt: at(when) }).expect(201);
  };
  const draft = async (code: string, when: string, body: Record<string, unknown> = {}): Promise<number> => {
    ctx.clock.set(new Date(at(when)));
    return (await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', ...body }).expect(201)).body.id;
  };
  const approve = async (id: number, when: string): Promise<Row> => {
    ctx.clock.set(new Date(at(when)));
    return (await ctx.api('post', `/api/v1/apologies/${id}/approve`).expect(200)).body;
  };
  const dueOf = async (code: string): Promise<number> => new Date((await ctx.api('get', `/api/v1/dossiers/${code}`).expect(200)).body.currentDueAt).getTime();
  const q1 = async (asOf?: string) =>
    (await ctx.api('get', `/api/v1/reports/apologies?period=2026-Q1${asOf ? `&asOf=${encodeURIComponent(asOf)}` : ''}`).expect(200)).body;

  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    await ctx.api('post', '/api/v1/agencies').send({
      code: 'STP', name: 'Sở Tư pháp thành phố Cần Thơ', parentName: 'UBND THÀNH PHỐ CẦN THƠ', placeName: 'Cần Thơ', letterSymbol: 'PXL-STP',
      level: 'department', settings: { signerName: 'Lê Thị Hoa', signerTitle: 'GIÁM ĐỐC', publicBoard: true },
    }).expect(201);
    await ctx.api('post', '/api/v1/procedures').send({
      code: '2.000488', name: 'Cấp Phiếu lý lịch tư pháp', field: 'Lý lịch tư pháp', agencyCode: 'STP',
      processingTime: { unit: 'days', amount: 5 }, supplementPolicy: 'restart', defaultExtensionDays: 3, defaultDelayReason: 'Chờ kết quả xác minh',
    }).expect(201);

    for (const code of ['A1', 'A2', 'A4', 'A5', 'A6', 'A8']) {
      await create(code, '2026-02-02T08:00:00', code === 'A2' ? { phone: '0900000108', consent: { zalo: true, email: false, sms: false } } : {});
      assert.equal(await dueOf(code), new Date(at('2026-03-09T17:00:00')).getTime(), `${code} is due 09/03 17:00`);
    }
    await create('A3', '2026-02-09T08:00:00');
    assert.ok((await dueOf('A3')) > new Date(at('2026-03-11T17:00:00')).getTime(), 'A3 is due after 11/03');
    for (const code of [B1, 'B2']) await create(code, '2026-03-02T08:00:00', { procedureCode: '2.000488', receivingAgencyCode: 'STP', phone: '0987 654 321', applicant: { kind: 'person', name: 'Phạm Thị Bích' } });
    assert.ok((await dueOf(B1)) < new Date(at('2026-03-10T10:00:00')).getTime(), 'B1 is overdue on 10/03');

    // A1, A8: apologised on 03/03, before the 09/03 due date, new date 18/03.
    const a1 = await draft('A1', '2026-03-03T10:00:00', { newDueDate: '2026-03-18' });
    await approve(a1, '2026-03-03T10:00:00');
    await approve(await draft('A8', '2026-03-03T10:00:00', { newDueDate: '2026-03-18' }), '2026-03-03T10:00:00');
    await resolve('A6', '2026-03-05T10:00:00'); // on time: never late
    await resolve('B2', '2026-03-05T10:00:00');
    // A2: drafted before its due date, approved the day after it: an apology after the due date.
    const a2 = await draft('A2', '2026-03-09T10:00:00');
    assert.equal((await approve(a2, '2026-03-10T10:00:00')).late, true);
    const b1 = await approve(await draft(B1, '2026-03-10T10:00:00'), '2026-03-10T10:00:00');
    assert.equal(b1.late, true);
    ctx.clock.set(new Date(at('2026-03-10T11:00:00')));
    await ctx.services.dispatcher.runOnce();
    const channels = async (id: number) => ((await ctx.api('get', `/api/v1/apologies/${id}`).expect(200)).body.notices as Row[]).map((n) => `${n.channel}:${n.status}`);
    assert.deepEqual(await channels(a1), ['zalo:delivered']);
    assert.deepEqual(await channels(a2), ['zalo:permanent-failure', 'print:created'], 'no Zalo account and no other consent: the counter must phone');
    assert.deepEqual(await channels(b1.id as number), ['zalo:delivered']);

    ctx.clock.set(new Date(at('2026-03-10T12:00:00')));
    snapshot = { asOf: at('2026-03-10T12:00:00'), body: await q1() };

    // A3: apologised before its due date; its notice is never sent (the dispatcher does not run again).
    const a3Due = await dueOf('A3');
    const a3 = await approve(await draft('A3', '2026-03-11T09:00:00'), '2026-03-11T09:00:00');
    assert.equal(a3.late, false);
    assert.ok(new Date(a3.issuedAt as string).getTime() < a3Due);
    await resolve('A3', '2026-03-12T10:00:00');
    await resolve(B1, '2026-03-12T10:00:00'); // before its new date
    await resolve('A1', '2026-03-17T10:00:00'); // before the new date 18/03: kept the new appointment
    await resolve('A4', '2026-03-20T10:00:00'); // late, never apologised
    await resolve('A8', '2026-03-25T10:00:00'); // missed the new date 18/03 as well: a second slip
    // A2 stays open past its new date (a second slip); A5 is still open and overdue at the end of
    // March, and its apology comes only on 01/04 — after the quarter.
    await approve(await draft('A5', '2026-04-01T09:00:00'), '2026-04-01T09:00:00');
    ctx.clock.set(new Date(at('2026-04-02T09:00:00')));
  });
  after(async () => ctx.close());

  it('counts each late dossier of the quarter once, with what was done about it', async () => {
    const body = await q1();
    assert.deepEqual(body.rows.map((r: Row) => r.agencyCode), ['SXD', 'STP'], 'the agency with late dossiers left without an apology comes first');
    assert.deepEqual(pick(body.rows[0]), {
      late: 6, // A1, A2, A3, A8 (apologised) and A4 (resolved late), A5 (overdue at the end of March); not A6
      apologyBeforeDue: 3, // A1, A8 on 03/03 and A3 on 11/03
      apologyAfterDue: 1, // A2, approved on 10/03 after its 09/03 due date (drafted before it)
      noApology: 2, // A4, and A5 whose apology of 01/04 came after the quarter
      secondSlips: 2, // A8 resolved after its new date; A2 still open past its new date on 31/03
      noticesDelivered: 2, // A1, A8 through Zalo
      noticesFailed: 1, // A2: Zalo refused the number for good, the counter has not phoned
      noticesNotSent: 1, // A3: its notice is still waiting
    });
    assert.equal(body.rows[0].complianceRate, 0.5, '3 of 6 late dossiers were apologised for before their due date');
    assert.deepEqual(pick(body.rows[1]), {
      late: 1, apologyBeforeDue: 0, apologyAfterDue: 1, noApology: 0, secondSlips: 0, noticesDelivered: 1, noticesFailed: 0, noticesNotSent: 0,
    });
    assert.equal(body.rows[1].complianceRate, 0);
    assert.deepEqual(pick(body.total), {
      late: 7, apologyBeforeDue: 3, apologyAfterDue: 2, noApology: 2, secondSlips: 2, noticesDelivered: 3, noticesFailed: 1, noticesNotSent: 1,
    });
    for (const r of [...body.rows, body.total] as Row[]) {
      const n = (k: string) => Number(r[k]);
      assert.equal(n('late'), n('apologyBeforeDue') + n('apologyAfterDue') + n('noApology'));
      assert.equal(n('apologyBeforeDue') + n('apologyAfterDue'), n('noticesDelivered') + n('noticesFailed') + n('noticesNotSent'));
      assert.equal(n('apologyBeforeDue') + n('apologyAfterDue'), n('lettersSigned') + n('lettersUnsigned'), 'every apology counted is signed or unsigned');
    }
  });

  it('gives what it said on 10/03 when asked "as of" then', async () => {
    const then = snapshot.body;
    assert.deepEqual(pick(then.rows[0]), {
      late: 5, // A1, A8, A2 apologised; A4, A5 overdue since 09/03; A3 not yet due
      apologyBeforeDue: 2,
      apologyAfterDue: 1,
      noApology: 2,
      secondSlips: 0,
      noticesDelivered: 2,
      noticesFailed: 1,
      noticesNotSent: 0,
    });
    const again = await q1(snapshot.asOf);
    assert.deepEqual(again.rows, then.rows, 'what happened after 10/03 12:00 must not change the report as of then');
  });

  it('a month report holds only that month: the February report has no late dossier', async () => {
    const feb = (await ctx.api('get', '/api/v1/reports/apologies?period=2026-02').expect(200)).body;
    assert.deepEqual(feb.rows, []);
    assert.equal(feb.total.late, 0);
    const april = (await ctx.api('get', '/api/v1/reports/apologies?period=2026-04').expect(200)).body;
    const sxd = april.rows.find((r: Row) => r.agencyCode === 'SXD');
    assert.deepEqual(pick(sxd), {
      // A2 is still open and past its new date; A5 (apologised on 01/04, after its due date) still open.
      late: 2, apologyBeforeDue: 0, apologyAfterDue: 2, noApology: 0, secondSlips: 1, noticesDelivered: 0, noticesFailed: 1, noticesNotSent: 1,
    });
  });

  it('exports the compliance table with Vietnamese headers', async () => {
    const csv = await ctx.api('get', '/api/v1/reports/apologies?period=2026-Q1&format=csv').responseType('blob').expect(200);
    const text = (csv.body as Buffer).toString('utf8');
    assert.match(text, /Chưa xin lỗi/);
    assert.match(text, /\nSXD,Sở Xây dựng thành phố Cần Thơ,6,3,1,2,2,2,1,1,/);
  });

  it('the public board lists the last N days of apologies of the agencies that publish, masked, without personal data', async () => {
    const board = await ctx.services.reports.publicBoard(30);
    assert.deepEqual(board.agencies.map((a) => a.code), ['STP'], 'only agencies that enabled the board');
    assert.equal(board.agencies[0].resolved, 2);
    assert.equal(board.agencies[0].onTimeRate, 1, 'B2 on time and B1 by its new date');
    assert.equal(board.apologies.length, 1, 'only STP’s apology; SXD does not publish');
    const [item] = board.apologies;
    assert.equal(item.agencyName, 'Sở Tư pháp thành phố Cần Thơ');
    assert.equal(item.procedureName, 'Cấp Phiếu lý lịch tư pháp');
    assert.equal(item.maskedCode, 'H13.02-******-0001');
    assert.equal(item.reason, 'Cần khảo sát lại hiện trạng công trình');
    assert.equal(item.issuedAt.toISOString(), new Date(at('2026-03-10T10:00:00')).toISOString());

    const res = await supertest(ctx.app).get('/api/v1/public/apologies?days=30').expect(200);
    const text = JSON.stringify(res.body);
    for (const secret of ['Phạm Thị Bích', '0987', '+8498', '654 321', 'example.vn', 'Hòa Bình', B1]) {
      assert.ok(!text.includes(secret), `the public board must not show "${secret}"`);
    }
    assert.equal(res.body.items.length, 1);

    assert.deepEqual((await ctx.services.reports.publicBoard(20)).apologies, [], 'issued 23 days before 02/04: outside the last 20 days');
  });

  it('keeps "failed as of 10/03" when the failed notice is retried later, and counts it as waiting once retried', async () => {
    const failed = await ctx.db('notices as n').join('dossiers as d', 'd.id', 'n.dossier_id').where({ 'd.code': 'A2', 'n.channel': 'zalo' }).first('n.id');
    ctx.clock.set(new Date(at('2026-04-02T10:00:00')));
    await ctx.api('post', `/api/v1/messages/${failed.id}/retry`).expect(200);
    const again = await q1(snapshot.asOf);
    assert.deepEqual(again.rows, snapshot.body.rows, 'a retry on 02/04 must not change what the report said as of 10/03');
    const now = await q1();
    const sxd = now.rows.find((r: Row) => r.agencyCode === 'SXD');
    assert.equal(sxd.noticesFailed, 0, 'A2’s notice is queued again: no longer failed');
    assert.equal(sxd.noticesNotSent, 2, 'A3’s and now A2’s notices are waiting');
  });

  it('counts the letters issued with and without digital signatures, per agency, in the table and its export', async () => {
    const letterOf = (code: string) => ctx.db('letter_signing as l').join('apologies as a', 'a.id', 'l.apology_id').join('dossiers as d', 'd.id', 'a.dossier_id').where('d.code', code).first('l.apology_id', 'l.state');
    const signedFigures = (r: Row) => ({ signed: r.lettersSigned, unsigned: r.lettersUnsigned });
    // Neither agency has a signer (allowed outside production): every letter went out unsigned, and says so.
    assert.equal((await letterOf('A1')).state, 'unsigned');
    let body = await q1();
    assert.deepEqual(body.rows.map(signedFigures), [{ signed: 0, unsigned: 4 }, { signed: 0, unsigned: 1 }]);
    // A1 as a letter issued with both signatures (making real ones needs Chromium and a CA:
    // test/e2e/services/letter-signing*.test.ts), A8 as a letter issued before signing existed (no row).
    await ctx.db('letter_signing').where({ apology_id: (await letterOf('A1')).apology_id }).update({ state: 'signed' });
    await ctx.db('letter_signing').where({ apology_id: (await letterOf('A8')).apology_id }).delete();
    body = await q1();
    assert.deepEqual(signedFigures(body.rows[0]), { signed: 1, unsigned: 3 }, 'A1 signed; A2, A3 unsigned, and A8 with no signing record');
    assert.deepEqual(signedFigures(body.total), { signed: 1, unsigned: 4 });
    const csv = await ctx.api('get', '/api/v1/reports/apologies?period=2026-Q1&format=csv').responseType('blob').expect(200);
    const text = (csv.body as Buffer).toString('utf8');
    assert.match(text, /Thư xin lỗi có chữ ký số,Thư xin lỗi không có chữ ký số/);
    assert.match(text, /\nSXD,Sở Xây dựng thành phố Cần Thơ,6,3,1,2,2,2,0,2,1,3,/);
    const xlsx = await ctx.api('get', '/api/v1/reports/apologies?period=2026-Q1&format=xlsx').responseType('blob').expect(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(new Uint8Array(xlsx.body as Buffer).buffer as ArrayBuffer);
    const rows: unknown[][] = [];
    book.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    const header = rows.find((r) => r.includes('Thư xin lỗi có chữ ký số')) as unknown[];
    const sxd = rows.find((r) => r[0] === 'SXD') as unknown[];
    assert.equal(sxd[header.indexOf('Thư xin lỗi có chữ ký số')], 1);
    assert.equal(sxd[header.indexOf('Thư xin lỗi không có chữ ký số')], 3);
  });
  it('counts a letter the citizen acknowledged on their page as delivered, from that moment on', async () => {
    const sxdOf = (body: { rows: Row[] }) => body.rows.find((r: Row) => r.agencyCode === 'SXD') as Row;
    const a3 = await ctx.db('apologies as a').join('dossiers as d', 'd.id', 'a.dossier_id').where({ 'd.code': 'A3', 'a.status': 'issued' }).first('a.id');
    const link = (await ctx.api('get', `/api/v1/apologies/${a3.id}`).expect(200)).body.links.citizen as string;
    const before = sxdOf(await q1());
    const beforeAsOf = ctx.clock.now().toISOString();
    ctx.clock.set(new Date(at('2026-04-02T11:00:00')));
    assert.ok(await ctx.services.citizen.acknowledge(link.split('/c/')[1]), 'A3’s citizen link still leads to the letter');
    const after = sxdOf(await q1());
    assert.equal(after.noticesDelivered, Number(before.noticesDelivered) + 1, 'A3’s citizen said on the page that they have the letter: it reached them, although no message went out');
    assert.equal(after.noticesNotSent, Number(before.noticesNotSent) - 1, 'A3 is no longer counted as a notice not sent');
    assert.deepEqual(sxdOf(await q1(beforeAsOf)), before, 'asked as of a moment before the acknowledgement, the report says what it said then');
  });
});
