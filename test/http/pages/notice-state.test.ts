import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../../support/context';
import { signIn } from '../../support/pages';

const at = (iso: string) => new Date(iso).getTime();

describe('staff pages: a message says its state in plain words; an acknowledged notice leaves the call list', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx?.close());

  /** An issued apology for a new late dossier and a counter fallback notice waiting for it. */
  const issuedWithCall = async (code: string) => {
    ctx.clock.set(new Date('2026-03-02T09:00:00+07:00'));
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00', applicant: { kind: 'person', name: `Người dân ${code}` } })).expect(201);
    ctx.clock.set(new Date('2026-03-18T09:00:00+07:00'));
    const id = (await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({ reason: 'Cần lấy ý kiến cơ quan phối hợp' }).expect(201)).body.id as number;
    await ctx.api('post', `/api/v1/apologies/${id}/approve`).expect(200);
    const d = await ctx.db('dossiers').where({ code }).first();
    await ctx.db('notices').where({ apology_id: id }).update({ status: 'permanent-failure', last_error: 'zalo:-118: no account' });
    await ctx.db('notices').insert({
      business_key: `${code}:print`, kind: 'new_appointment', audience: 'citizen', channel: 'print', recipient: '0912345678', agency_id: d.receiving_agency_id,
      dossier_id: d.id, apology_id: id, status: 'created', payload: '{}', not_before: at('2026-03-18T09:00:00+07:00'), created_at: at('2026-03-18T09:00:00+07:00'), updated_at: at('2026-03-18T09:00:00+07:00'),
    });
    return id;
  };

  it('a message held for the night says when it leaves', async () => {
    const id = await issuedWithCall('DEM-1');
    const zalo = await ctx.db('notices').where({ apology_id: id, channel: 'zalo' }).first();
    ctx.clock.set(new Date('2026-03-18T22:30:00+07:00'));
    await ctx.db('notices').where({ id: zalo.id }).update({ status: 'created', last_error: 'zalo:-133: night', not_before: at('2026-03-19T06:00:00+07:00') });
    const leader = await signIn(ctx, 'leader', 'SXD');
    const list = await leader.agent.get('/tin-nhan').expect(200);
    assert.match(list.text, /Chờ gửi — sẽ gửi lúc 06:00 ngày 19\/03\/2026/, 'the list says when the held message leaves');
    const letter = await leader.agent.get(`/thu-xin-loi/${id}`).expect(200);
    assert.match(letter.text, /sẽ gửi lúc 06:00 ngày 19\/03\/2026/, "the letter's page says it too");
  });

  it('a letter waiting for a signature says its notice will follow the signature', async () => {
    ctx.clock.set(new Date('2026-03-02T09:00:00+07:00'));
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'KY-1', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    ctx.clock.set(new Date('2026-03-18T09:00:00+07:00'));
    const id = (await ctx.api('post', '/api/v1/dossiers/KY-1/apologies').send({ reason: 'Cần lấy ý kiến cơ quan phối hợp' }).expect(201)).body.id as number;
    await ctx.db.transaction(async () => ctx.services.signing.open(id, { userId: null, name: 'Trần Văn Bình' }, null));
    await ctx.db('letter_signing').where({ apology_id: id }).update({ state: 'leader-waiting' });
    const leader = await signIn(ctx, 'leader', 'SXD');
    const page = await leader.agent.get(`/thu-xin-loi/${id}`).expect(200);
    assert.match(page.text, /Thư đang chờ ký số: thông báo cho người dân sẽ được gửi ngay khi thư được ký và ban hành/);
  });

  it("a citizen's acknowledgement takes the notice off the call list and the dashboard", async () => {
    const acknowledged = await issuedWithCall('DANHAN-1');
    await issuedWithCall('CHUANHAN-1');
    await ctx.db('apologies').where({ id: acknowledged }).update({ acknowledged_at: at('2026-03-18T10:00:00+07:00') });
    const counter = await signIn(ctx, 'counter', 'SXD');
    const calls = await counter.agent.get('/tin-nhan?channel=print&status=created').expect(200);
    assert.ok(calls.text.includes('CHUANHAN-1'), 'a citizen who has not acknowledged is still to call');
    assert.ok(!calls.text.includes('DANHAN-1'), 'a citizen who acknowledged on their page is not to call');
    const home = await counter.agent.get('/tong-quan').expect(200);
    assert.ok(!home.text.includes('Người dân DANHAN-1'), 'nor on the dashboard');
    assert.ok(home.text.includes('Người dân CHUANHAN-1'));
  });
});
