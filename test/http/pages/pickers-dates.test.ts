import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, AGENCY, PROCEDURE, type TestContext } from '../../support/context';
import { signIn } from '../../support/pages';

/**
 * Issue 15 item 6: staff choose agencies and procedures by name from a list instead of typing
 * their codes, and type dates as dd/mm/yyyy whatever their browser's language.
 */
describe('staff pages: agency and procedure pickers, dates typed as dd/mm/yyyy', function () {
  this.timeout(90_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, code: 'PNK', name: 'UBND phường Ninh Kiều', level: 'commune', letterSymbol: 'PXL-PNK', contactEmail: null }).expect(201);
    await ctx.api('post', '/api/v1/procedures').send({ ...PROCEDURE, code: '2.000001', name: 'Chứng thực bản sao từ bản chính', field: 'Chứng thực', agencyCode: 'PNK' }).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'SXD-0001', acceptedAt: '2026-02-12T09:00:00+07:00' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'SXD-0002', acceptedAt: '2026-03-02T08:00:00+07:00' })).expect(201);
  });
  afterEach(async () => ctx.close());

  const codesIn = (html: string) => [...html.matchAll(/<th scope="row"><a href="[^"]+">([^<]+)<\/a><\/th>/g)].map((m) => m[1]).sort();
  const fieldError = (html: string, field: string) => new RegExp(`<p class="field-error" id="e-${field}">([^<]*)</p>`).exec(html)?.[1] ?? null;
  const selectOf = (html: string, name: string) => new RegExp(`<select id="f-${name}" name="${name}"[\\s\\S]*?</select>`).exec(html)?.[0] ?? '';

  it('the dossier list picks the agency and the procedure by name, and its rows show names, not codes', async () => {
    const supervisor = await signIn(ctx, 'supervisor', null);
    const page = (await supervisor.agent.get('/ho-so').expect(200)).text;
    assert.ok(!/<input[^>]+name="(agency|procedure)"/.test(page), 'no free-text box asks for an agency or procedure code');
    const agencies = selectOf(page, 'agency');
    assert.match(agencies, /<optgroup label="Cấp tỉnh">\s*<option value="SXD">Sở Xây dựng thành phố Cần Thơ<\/option>/, 'the agency list offers provincial agencies by name');
    assert.match(agencies, /<optgroup label="Cấp xã, phường">\s*<option value="PNK">UBND phường Ninh Kiều<\/option>/, 'and wards and communes by name');
    const procedures = selectOf(page, 'procedure');
    assert.match(procedures, /<optgroup label="Hoạt động xây dựng">\s*<option value="1.009972">Cấp giấy phép xây dựng mới/, 'procedures are listed by name under their field');
    assert.match(procedures, /Chứng thực bản sao từ bản chính/, 'every procedure is offered while no agency is chosen');
    const row = /SXD-0001<\/a><\/th>[\s\S]*?<\/tr>/.exec(page)?.[0] ?? '';
    assert.match(row, /<td>Sở Xây dựng thành phố Cần Thơ<\/td>/, 'the row names the deciding agency instead of its code');

    const chosen = (await supervisor.agent.get('/ho-so?agency=PNK').expect(200)).text;
    assert.match(selectOf(chosen, 'agency'), /<option value="PNK" selected>/, 'the chosen agency stays chosen');
    assert.ok(!selectOf(chosen, 'procedure').includes('Cấp giấy phép xây dựng'), "with an agency chosen, another agency's procedures are not offered");
    assert.match(selectOf(chosen, 'procedure'), /Chứng thực bản sao từ bản chính/, "the chosen agency's procedures are offered");

    const unknown = await supervisor.agent.get('/ho-so?procedure=9.999999').expect(400);
    assert.match(fieldError(unknown.text, 'procedure') ?? '', /Không có thủ tục/, 'an unknown procedure is refused next to its field');
    assert.match(selectOf(unknown.text, 'procedure'), /<option value="9.999999" selected>/, 'the refused value stays visible');
  });

  it('the dossier list reads its dates as dd/mm/yyyy (and still yyyy-mm-dd from old links), refusing a wrong one by its field', async () => {
    const supervisor = await signIn(ctx, 'supervisor', null);
    const form = (await supervisor.agent.get('/ho-so').expect(200)).text;
    assert.match(form, /<input id="f-dueFrom" name="dueFrom" type="text" inputmode="numeric"[^>]* placeholder="dd\/mm\/yyyy"/, 'the date is a text box showing dd/mm/yyyy, not the browser’s date picker');
    assert.ok(!form.includes('type="date"'), 'no browser date input is left on the list');

    // SXD-0001 is due at 17:00 on 19/03, SXD-0002 (received later) at the end of March.
    for (const [from, to] of [['01/03/2026', '19/3/2026'], ['2026-03-01', '2026-03-19'], ['1-3-2026', '19.03.2026']]) {
      const res = await supervisor.agent.get(`/ho-so?dueFrom=${encodeURIComponent(from)}&dueTo=${encodeURIComponent(to)}`).expect(200);
      assert.deepEqual(codesIn(res.text), ['SXD-0001'], `due from "${from}" to "${to}" should find only the dossier due on 19/03 (the whole last day included)`);
      assert.match(res.text, /name="dueFrom"[^>]* value="01\/03\/2026"/, `"${from}" is shown back as 01/03/2026`);
    }

    const bad = await supervisor.agent.get(`/ho-so?dueFrom=${encodeURIComponent('31/02/2026')}&state=bay`).expect(400);
    assert.match(fieldError(bad.text, 'dueFrom') ?? '', /Ngày không hợp lệ: nhập dạng dd\/mm\/yyyy/, 'an impossible date is refused next to its field, in Vietnamese');
    assert.ok(fieldError(bad.text, 'state'), 'the other bad field is named too');
    assert.match(bad.text, /name="dueFrom"[^>]* value="31\/02\/2026"/, 'what was typed stays in the box');
    assert.deepEqual(codesIn(bad.text), [], 'a refused filter lists nothing');
  });

  it('the reports pick the agency by name and read dd/mm/yyyy dates', async () => {
    const supervisor = await signIn(ctx, 'supervisor', null);
    const page = (await supervisor.agent.get('/bao-cao?period=range&from=01%2F02%2F2026&to=31%2F03%2F2026&asOf=31%2F03%2F2026&agency=SXD').expect(200)).text;
    assert.ok(!/<input[^>]+name="agency"/.test(page), 'no free-text box asks for an agency code');
    assert.match(selectOf(page, 'agency'), /<option value="SXD" selected>Sở Xây dựng thành phố Cần Thơ<\/option>/, 'the agency is chosen by name and stays chosen');
    assert.match(page, /name="from"[^>]* value="01\/02\/2026"/, 'the dates are shown as dd/mm/yyyy');
    assert.match(page, /<tfoot>/, 'the report is made');
    const overdue = await supervisor.agent.get('/bao-cao/qua-han?at=20%2F03%2F2026').expect(200);
    assert.match(overdue.text, /name="at"[^>]* value="20\/03\/2026"/);
    const bad = await supervisor.agent.get('/bao-cao/qua-han?at=32%2F03%2F2026').expect(400);
    assert.match(fieldError(bad.text, 'at') ?? '', /Ngày không hợp lệ: nhập dạng dd\/mm\/yyyy/);
  });

  it('the progress form shows and reads its time as dd/mm/yyyy HH:mm', async () => {
    const officer = await signIn(ctx, 'officer', 'SXD');
    const state = async () => (await ctx.db('dossiers').where({ code: 'SXD-0001' }).first()).state as string;
    const page = (await officer.agent.get('/ho-so/SXD-0001').expect(200)).text;
    assert.match(page, /name="occurredAt" type="text"[^>]* placeholder="dd\/mm\/yyyy HH:mm"[^>]* value="02\/03\/2026 09:00"/, 'the time defaults to now, written dd/mm/yyyy HH:mm');
    const bad = await officer.agent.post('/ho-so/SXD-0001/su-kien').type('form').send({ _csrf: officer.csrf, kind: 'processing_started', occurredAt: '30/02/2026 08:00' }).expect(400);
    assert.match(fieldError(bad.text, 'occurredAt') ?? '', /Thời điểm không hợp lệ: nhập dạng dd\/mm\/yyyy HH:mm/, 'a wrong moment is refused next to its field');
    assert.equal(await state(), 'received', 'the refused form changed nothing');
    await officer.agent.post('/ho-so/SXD-0001/su-kien').type('form').send({ _csrf: officer.csrf, kind: 'processing_started', occurredAt: '02/03/2026 08:15' }).expect(303);
    const event = await ctx.db('dossier_events').where({ kind: 'processing_started' }).first();
    assert.equal(new Date(Number(event.occurred_at)).toISOString(), '2026-03-02T01:15:00.000Z', '02/03/2026 08:15 is recorded as 08:15 Vietnam time');
  });

  it('the administration lists name each record’s agency instead of giving its code', async () => {
    const admin = await signIn(ctx, 'admin', null);
    const procedures = (await admin.agent.get('/quan-tri/thu-tuc').expect(200)).text;
    const row = /Chứng thực bản sao từ bản chính<\/td>[\s\S]*?<\/tr>/.exec(procedures)?.[0] ?? '';
    assert.match(row, /^[^<]*<\/td><td>UBND phường Ninh Kiều<\/td>/, 'the procedure list names the agency (UBND phường Ninh Kiều), not PNK');
    await signIn(ctx, 'officer', 'PNK');
    const users = (await admin.agent.get('/quan-tri/tai-khoan').expect(200)).text;
    assert.match(users, /<td>UBND phường Ninh Kiều<\/td>/, 'the account list names the agency of each account');
    assert.doesNotMatch(users, /<td>PNK<\/td>/, 'and no longer its bare code');
  });
});
