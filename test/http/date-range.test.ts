import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';
import { signIn } from '../support/pages';

/**
 * Dates outside the calendar's supported range, and codes without a letter or digit, used to
 * reach the calendar engine (a RangeError, answered 500) or be stored. Each must be a 400/422
 * naming the field, and nothing may be written.
 */
describe('dates outside the supported calendar range, and codes made of punctuation', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  const fieldsOf = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);
  const count = async (table: string) => Number((await ctx.db(table).count({ n: '*' }).first())?.n ?? 0);

  it('answers 400 naming the field for report periods, days and instants outside the range (they answered 500)', async () => {
    const cases: [string, string][] = [
      ['/api/v1/reports/period?period=0000', 'query.period'],
      ['/api/v1/reports/period?period=0000-Q1', 'query.period'],
      ['/api/v1/reports/period?period=2600-03', 'query.period'],
      ['/api/v1/reports/apologies?period=0000-Q1', 'query.period'],
      ['/api/v1/reports/period?from=0001-01-01&to=2026-01-31', 'query.from'],
      ['/api/v1/reports/period?from=2026-01-01&to=9999-12-31', 'query.to'],
      ['/api/v1/reports/overdue?at=9999-12-31T00:00:00Z', 'query.at'],
      ['/api/v1/reports/period?period=2026&asOf=2600-01-01T00:00:00Z', 'query.asOf'],
      ['/api/v1/calendar/due?from=0001-01-01T00:00:00Z&days=1', 'query.from'],
      ['/api/v1/calendar/due?from=9999-12-31T00:00:00Z&days=1000', 'query.from'],
      ['/api/v1/calendar/due?from=1800-06-01T00:00:00Z&hours=8', 'query.from'],
      ['/api/v1/dossiers?dueFrom=0001-01-01', 'query.dueFrom'],
      ['/api/v1/calendar/1800', 'year'],
    ];
    for (const [url, field] of cases) {
      const res = await ctx.api('get', url);
      assert.equal(res.status, 400, `${url} answered ${res.status} (${JSON.stringify(res.body)}) instead of 400`);
      assert.ok(fieldsOf(res.body).includes(field), `${url} must name ${field}, named ${JSON.stringify(fieldsOf(res.body))}`);
      assert.match(JSON.stringify(res.body.errors), /1990|2200/, `${url}: the message should say which range is supported`);
    }
  });

  it('refuses a due-date computation whose answer would leave the range, naming days or hours', async () => {
    const days = await ctx.api('get', '/api/v1/calendar/due').query({ from: '2200-12-01T08:00:00+07:00', days: 1000 });
    assert.equal(days.status, 422, `1,000 working days after 01/12/2200 is past 2200: ${days.status} ${JSON.stringify(days.body)}`);
    assert.deepEqual(fieldsOf(days.body), ['query.days']);
    const hours = await ctx.api('get', '/api/v1/calendar/due').query({ from: '2200-12-31T08:00:00+07:00', hours: 100 });
    assert.equal(hours.status, 422);
    assert.deepEqual(fieldsOf(hours.body), ['query.hours']);
    await ctx.api('get', '/api/v1/calendar/due').query({ from: '2200-11-01T08:00:00+07:00', days: 5 }).expect(200);
  });

  it('refuses a dossier accepted in 1800 and codes made only of dots or slashes, storing nothing', async () => {
    const old = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'OLD-1', acceptedAt: '1800-01-01T08:00:00+07:00' }));
    assert.equal(old.status, 400, `a dossier accepted in 1800 answered ${old.status}`);
    assert.deepEqual(fieldsOf(old.body), ['acceptedAt']);
    for (const code of ['...', '//', './.', '-1']) {
      const res = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code }));
      assert.equal(res.status, 400, `dossier code ${JSON.stringify(code)} answered ${res.status}`);
      assert.deepEqual(fieldsOf(res.body), ['code']);
    }
    assert.equal(await count('dossiers'), 0, 'no refused dossier may be stored');

    const agency = await ctx.api('post', '/api/v1/agencies').send({ code: '..', name: 'Cơ quan', placeName: 'Cần Thơ', letterSymbol: 'PXL', level: 'department' });
    assert.equal(agency.status, 400, `agency code ".." answered ${agency.status}`);
    assert.deepEqual(fieldsOf(agency.body), ['code']);
    const procedure = await ctx.api('post', '/api/v1/procedures').send({ code: '..', name: 'Thủ tục', field: 'Lĩnh vực', processingTime: { unit: 'days', amount: 3 } });
    assert.equal(procedure.status, 400, `procedure code ".." answered ${procedure.status}`);
    assert.deepEqual(fieldsOf(procedure.body), ['code']);
    await ctx.api('get', '/api/v1/calendar/2026?agency=..').expect(400);
    assert.equal(await count('agencies'), 1, 'only the seeded agency exists');
  });

  it('refuses calendar entries in 1800 or 2600 and one for an unknown agency, storing nothing', async () => {
    const before = await count('calendar_entries');
    const entry = (over: Record<string, unknown>) => ({ entries: [{ date: '2026-05-05', kind: 'off', name: 'Nghỉ', source: 'Quyết định 1/QĐ', ...over }] });
    for (const date of ['1800-01-02', '2600-01-02']) {
      const res = await ctx.api('post', '/api/v1/calendar/entries').send(entry({ date }));
      assert.equal(res.status, 400, `a calendar entry on ${date} answered ${res.status}`);
      assert.deepEqual(fieldsOf(res.body), ['entries.0.date']);
    }
    const unknown = await ctx.api('post', '/api/v1/calendar/entries').send(entry({ agencyCode: 'KHONGCO' }));
    assert.equal(unknown.status, 422, `an entry for an unknown agency answered ${unknown.status}`);
    assert.deepEqual(fieldsOf(unknown.body), ['entries.0.agencyCode']);
    assert.match(unknown.body.errors[0].message, /KHONGCO/);
    assert.equal(await count('calendar_entries'), before, 'no refused entry may be stored');
  });

  it('refuses a new appointment date in 2499, 2600 or 9999 through the API, the staff form and its preview', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LATE-1' })).expect(201);
    ctx.clock.set(new Date('2026-03-20T09:00:00+07:00'));
    for (const newDueDate of ['2499-01-05', '2600-01-05', '9999-01-05']) {
      const res = await ctx.api('post', '/api/v1/dossiers/LATE-1/apologies').send({ newDueDate });
      assert.equal(res.status, 400, `new date ${newDueDate} answered ${res.status}`);
      assert.deepEqual(fieldsOf(res.body), ['newDueDate']);
    }
    const counter = await signIn(ctx, 'counter', 'SXD');
    const form = { _csrf: counter.csrf, reasonPick: 'Hồ sơ cần thẩm định thêm', reasonText: '', newDueDate: '2600-01-05', responsibleUnit: '', signerName: '', signerTitle: '' };
    const page = await counter.agent.post('/ho-so/LATE-1/xin-loi').type('form').send(form);
    assert.equal(page.status, 400, `the staff form answered ${page.status}`);
    assert.match(page.text, /id="e-newDueDate">[^<]*2200/, 'the message next to the new date names the supported range');
    const preview = await counter.agent.get(`/ho-so/LATE-1/xin-loi/xem-truoc?${new URLSearchParams({ reasonPick: 'x', newDueDate: '9999-01-05' })}`);
    assert.equal(preview.status, 400, `the preview answered ${preview.status}`);
    assert.match(preview.text, /2200/);
    assert.equal(await count('apologies'), 0, 'no refused draft may be stored');
  });

  it('the report page and the calendar page refuse a year outside the range next to the field', async () => {
    const supervisor = await signIn(ctx, 'supervisor', null);
    const report = await supervisor.agent.get('/bao-cao?period=0000-Q1');
    assert.equal(report.status, 400, `/bao-cao?period=0000-Q1 answered ${report.status}`);
    assert.match(report.text, /id="e-period"/);
    const range = await supervisor.agent.get('/bao-cao?period=range&from=0001-01-01&to=2026-01-01');
    assert.equal(range.status, 400, `a range from 0001 answered ${range.status}`);
    assert.match(range.text, /id="e-from">[^<]*1990/);
    const admin = await signIn(ctx, 'admin', null);
    const before = await count('calendar_entries');
    const entry = await admin.agent.post('/quan-tri/lich?nam=2026').type('form').send({ _csrf: admin.csrf, date: '2600-01-02', kind: 'off', name: 'Nghỉ', source: 'QĐ 1', agencyCode: '' });
    assert.equal(entry.status, 400, `the calendar form answered ${entry.status}`);
    assert.match(entry.text, /id="e-date">[^<]*2200/);
    assert.equal(await count('calendar_entries'), before);
  });
});
