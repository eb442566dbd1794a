import { SYSTEM_ACTOR } from '../../src/domain/actor';
import assert from 'node:assert/strict';
import { AGENCY, createTestContext, dossierBody, PROCEDURE, seedBasics, type TestContext } from '../support/context';

describe('agencies and procedures API', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext();
  });
  afterEach(async () => ctx.close());

  it('creates, reads, patches and deletes an agency with its settings', async () => {
    const { settings: _signer, ...bare } = AGENCY;
    const created = await ctx.api('post', '/api/v1/agencies').send(bare).expect(201);
    assert.deepEqual(created.body.settings, {
      apologyLeadWorkingDays: 1,
      apologyMode: 'auto',
      maxExtensions: 1,
      signerName: null,
      signerTitle: null,
      officeHours: {},
      publicBoard: false,
      draftingUnit: null,
      noticeChannels: ['zalo', 'sms', 'email'],
      smsUnicode: false,
    }, 'a new agency gets the documented default settings');
    const patched = await ctx
      .api('patch', '/api/v1/agencies/SXD')
      .send({ settings: { apologyMode: 'review', signerName: 'Trần Văn Bình', officeHours: { sat: ['07:30-11:30'] } } })
      .expect(200);
    assert.equal(patched.body.settings.apologyMode, 'review');
    assert.equal(patched.body.settings.maxExtensions, 1, 'a patch keeps the settings it does not mention');
    assert.equal(patched.body.name, AGENCY.name);
    const list = await ctx.api('get', '/api/v1/agencies').expect(200);
    assert.deepEqual(list.body.items.map((a: { code: string }) => a.code), ['SXD']);
    await ctx.api('post', '/api/v1/agencies').send(AGENCY).expect(409);
    await ctx.api('delete', '/api/v1/agencies/SXD').expect(204);
    await ctx.api('get', '/api/v1/agencies/SXD').expect(404);
  });

  it('changes only what a patch names: the defaults of a new agency or procedure never overwrite what is there', async () => {
    await ctx.api('post', '/api/v1/agencies').send(AGENCY).expect(201);
    const agency = await ctx.api('patch', '/api/v1/agencies/SXD').send({ contactPhone: '0292 3820 123' }).expect(200);
    assert.equal(agency.body.parentName, AGENCY.parentName, 'patching the phone number erased the parent agency printed on every letter');
    await ctx.api('post', '/api/v1/procedures').send(PROCEDURE).expect(201);
    const p = await ctx.api('patch', `/api/v1/procedures/${PROCEDURE.code}`).send({ defaultExtensionDays: 7 }).expect(200);
    assert.equal(p.body.defaultExtensionDays, 7);
    assert.equal(p.body.supplementPolicy, PROCEDURE.supplementPolicy, 'patching the extension days reset how supplements count (pause → restart)');
    assert.equal(p.body.defaultDelayReason, PROCEDURE.defaultDelayReason, 'patching the extension days erased the default reason for a delay');
    const again = await ctx.api('patch', `/api/v1/procedures/${PROCEDURE.code}`).send({ name: 'Cấp giấy phép xây dựng' }).expect(200);
    assert.equal(again.body.defaultExtensionDays, 7, 'patching the name reset the extension days to the default 5');
  });

  it('makes Saturday a working day for an agency that opens Saturday mornings', async () => {
    await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, settings: { officeHours: { sat: ['07:30-11:30'] } } }).expect(201);
    const res = await ctx.api('get', '/api/v1/calendar/due').query({ from: '2026-03-06T10:00:00+07:00', days: 1, agency: 'SXD' }).expect(200);
    assert.equal(res.body.dueAt, '2026-03-07T11:30:00+07:00', 'Fri 06/03 + 1 working day is Saturday 07/03, ending at 11:30');
  });

  it('refuses bad agency and procedure input, naming each field', async () => {
    const bad = await ctx
      .api('post', '/api/v1/agencies')
      .send({ ...AGENCY, code: 'S X D', level: 'district', settings: { apologyMode: 'never', officeHours: { mon: ['17:00-07:30'] } } })
      .expect(400);
    assert.deepEqual(
      bad.body.errors.map((e: { field: string }) => e.field).sort(),
      ['code', 'level', 'settings.apologyMode', 'settings.officeHours.mon.0'],
    );
    await ctx.api('post', '/api/v1/agencies').send(AGENCY).expect(201);
    const proc = await ctx
      .api('post', '/api/v1/procedures')
      .send({ ...PROCEDURE, agencyCode: 'NOPE', processingTime: { unit: 'weeks', amount: 2 } })
      .expect(400);
    assert.deepEqual(proc.body.errors.map((e: { field: string }) => e.field).sort(), ['processingTime.unit']);
    const unknownAgency = await ctx.api('post', '/api/v1/procedures').send({ ...PROCEDURE, agencyCode: 'NOPE' }).expect(400);
    assert.deepEqual(unknownAgency.body.errors.map((e: { field: string }) => e.field), ['agencyCode']);
    assert.equal(Number((await ctx.db('procedures').count({ n: '*' }).first())?.n), 0);
  });

  it('keeps a procedure’s processing time in hours or same-day with a cut-off', async () => {
    await ctx.api('post', '/api/v1/agencies').send(AGENCY).expect(201);
    const same = await ctx
      .api('post', '/api/v1/procedures')
      .send({ ...PROCEDURE, code: '1.001193', name: 'Đăng ký khai sinh', processingTime: { unit: 'same_day', cutoff: '15:00' } })
      .expect(201);
    assert.deepEqual(same.body.processingTime, { unit: 'same_day', cutoff: '15:00' });
    const hours = await ctx
      .api('post', '/api/v1/procedures')
      .send({ ...PROCEDURE, code: '2.000908', name: 'Chứng thực bản sao từ bản chính', processingTime: { unit: 'hours', amount: 8 } })
      .expect(201);
    assert.deepEqual(hours.body.processingTime, { unit: 'hours', amount: 8 });
    const d = await ctx
      .api('post', '/api/v1/dossiers')
      .send(dossierBody({ procedureCode: '2.000908', acceptedAt: '2026-03-02T08:00:00+07:00' }))
      .expect(201);
    // 8 working hours from Mon 08:00: 08:00–11:30 (3.5 h) + 13:30–17:00 (3.5 h) + Tue 07:30–08:30 (1 h).
    assert.equal(d.body.currentDueAt, '2026-03-03T08:30:00+07:00');
    const khaiSinh = await ctx
      .api('post', '/api/v1/dossiers')
      .send(dossierBody({ code: 'KS-1', procedureCode: '1.001193', acceptedAt: '2026-02-27T15:10:00+07:00' }))
      .expect(201);
    assert.equal(khaiSinh.body.currentDueAt, '2026-03-02T17:00:00+07:00', 'after the 15:00 cut-off on Friday: next working day');
  });

  it('refuses to delete a procedure or agency that has dossiers', async () => {
    await seedBasics(ctx);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody()).expect(201);
    await ctx.api('delete', `/api/v1/procedures/${PROCEDURE.code}`).expect(409);
    await ctx.api('delete', '/api/v1/agencies/SXD').expect(409);
  });

  it('lets only an installation-wide token edit the catalogue', async () => {
    await seedBasics(ctx);
    const { token } = await ctx.services.tokens.create('sxd', 'SXD', SYSTEM_ACTOR);
    await ctx.api('post', '/api/v1/procedures', token).send({ ...PROCEDURE, code: '1.000001' }).expect(403);
    await ctx.api('patch', '/api/v1/agencies/SXD', token).send({ contactPhone: '0292 3820 123' }).expect(200);
  });

  it('reports readiness and liveness', async () => {
    const supertest = (await import('supertest')).default;
    await supertest(ctx.app).get('/health').expect(200);
    const ready = await supertest(ctx.app).get('/ready').expect(200);
    assert.equal(ready.body.database, 'ok');
  });
});
