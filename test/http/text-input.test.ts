import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, AGENCY, PROCEDURE, type TestContext } from '../support/context';
import { signIn } from '../support/pages';

const RLO = '\u202E'; // RIGHT-TO-LEFT OVERRIDE: "Nguyễn \u202EnA năV" reads "Nguyễn Văn An" backwards
const ZWSP = '\u200B';

/**
 * Control characters and invisible format characters used to be stored as typed and copied into
 * letters, PDFs and e-mails. Every free-text field of the API, the staff forms and the import
 * refuses them with a message naming the field; a note may hold line breaks, a name may not.
 */
describe('control and invisible characters in free text', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  const fieldsOf = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);
  const count = async (table: string) => Number((await ctx.db(table).count({ n: '*' }).first())?.n ?? 0);

  it('the API refuses them in a dossier’s names, address and e-mail, naming each field, and stores nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ applicant: { kind: 'person', name: `Nguyễn ${RLO}nA năV` } }, 'applicant.name'],
      [{ applicant: { kind: 'person', name: 'Nguyễn\u0000Văn An' } }, 'applicant.name'],
      [{ applicant: { kind: 'person', name: 'Nguyễn Văn An\nTrưởng phòng' } }, 'applicant.name'],
      [{ address: '12 Hòa Bình\u0007, Ninh Kiều' }, 'address'],
      [{ address: `12 Hòa${ZWSP} Bình` }, 'address'],
      [{ representative: { name: 'Trần\u001b[31m Bình' } }, 'representative.name'],
      [{ email: `an${RLO}@example.vn` }, 'email'],
    ];
    for (const [override, field] of cases) {
      const res = await ctx.api('post', '/api/v1/dossiers').send(dossierBody(override));
      assert.equal(res.status, 400, `${JSON.stringify(override)} answered ${res.status}`);
      assert.deepEqual(fieldsOf(res.body), [field], `${JSON.stringify(override)} must name ${field}`);
    }
    const bidi = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ applicant: { kind: 'person', name: `Nguyễn ${RLO}nA năV` } }));
    assert.match(bidi.body.errors[0].message, /U\+202E/, 'the message names the character');
    assert.equal(await count('dossiers'), 0, 'no refused dossier may be stored');
    const decomposed = 'Nguye\u0302\u0303n Văn An'.normalize('NFD');
    const ok = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ applicant: { kind: 'person', name: decomposed } })).expect(201);
    assert.equal(ok.body.applicant.name, 'Nguyễn Văn An'.normalize('NFC'), 'decomposed Vietnamese is accepted and stored in NFC');
  });

  it('the API refuses them in agencies, procedures, calendar entries and apologies; a note and a cancel reason may span lines', async () => {
    const agency = await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, code: 'SNN', name: `Sở${ZWSP} Nông nghiệp`, letterSymbol: 'PXL-SNN' });
    assert.deepEqual([agency.status, fieldsOf(agency.body)], [400, ['name']]);
    const signer = await ctx.api('patch', '/api/v1/agencies/SXD').send({ settings: { signerName: `Trần ${RLO}Bình` } });
    assert.deepEqual([signer.status, fieldsOf(signer.body)], [400, ['settings.signerName']]);
    const procedure = await ctx.api('patch', `/api/v1/procedures/${PROCEDURE.code}`).send({ defaultDelayReason: 'Chờ xác minh\u0000' });
    assert.deepEqual([procedure.status, fieldsOf(procedure.body)], [400, ['defaultDelayReason']]);
    const entry = await ctx.api('post', '/api/v1/calendar/entries').send({ entries: [{ date: '2026-05-05', kind: 'off', name: `Nghỉ${RLO}`, source: 'QĐ 1' }] });
    assert.deepEqual([entry.status, fieldsOf(entry.body)], [400, ['entries.0.name']]);

    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'D-1' })).expect(201);
    const note = await ctx.api('post', '/api/v1/dossiers/D-1/events').send({ kind: 'processing_started', occurredAt: '2026-03-01T08:00:00+07:00', note: 'Dòng 1\r\nDòng 2\u0007' });
    assert.deepEqual([note.status, fieldsOf(note.body)], [400, ['note']]);
    const multiline = await ctx.api('post', '/api/v1/dossiers/D-1/events').send({ kind: 'processing_started', occurredAt: '2026-03-01T08:00:00+07:00', note: 'Dòng 1\r\nDòng 2' }).expect(201);
    assert.ok(multiline.body, 'a note on two lines is accepted');
    const stored = await ctx.db('dossier_events').where({ kind: 'processing_started' }).first();
    assert.equal(stored.note, 'Dòng 1\nDòng 2', 'line endings are stored as LF');

    ctx.clock.set(new Date('2026-03-20T09:00:00+07:00'));
    const reason = await ctx.api('post', '/api/v1/dossiers/D-1/apologies').send({ reason: `Hồ sơ cần ${RLO}thẩm định thêm` });
    assert.deepEqual([reason.status, fieldsOf(reason.body)], [400, ['reason']]);
    const twoLines = await ctx.api('post', '/api/v1/dossiers/D-1/apologies').send({ reason: 'Hồ sơ cần thẩm định\nthêm tại hiện trường' });
    assert.deepEqual([twoLines.status, fieldsOf(twoLines.body)], [400, ['reason']], 'the reason is printed on one line of the letter and the Zalo message');
    assert.equal(await count('apologies'), 0);
    const draft = await ctx.api('post', '/api/v1/dossiers/D-1/apologies').send({}).expect(201);
    await ctx.api('post', `/api/v1/apologies/${draft.body.id}/cancel`).send({ reason: 'Nhầm hồ sơ.\nSẽ lập lại.' }).expect(200);
  });

  it('the staff forms refuse them next to the field and save nothing', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'D-1' })).expect(201);
    ctx.clock.set(new Date('2026-03-20T09:00:00+07:00'));
    const counter = await signIn(ctx, 'counter', 'SXD');
    const draft = await counter.agent.post('/ho-so/D-1/xin-loi').type('form').send({
      _csrf: counter.csrf, reasonPick: '', reasonText: `Hồ sơ cần ${RLO}thẩm định`, newDueDate: '2026-03-27', responsibleUnit: 'Phòng\u0000 Quản lý', signerName: '', signerTitle: '',
    });
    assert.equal(draft.status, 400, `the apology form answered ${draft.status}`);
    assert.match(draft.text, /id="e-reason">[^<]*U\+202E/, 'the message sits next to the reason');
    assert.match(draft.text, /id="e-responsibleUnit">[^<]*U\+0000/, 'and next to the responsible unit');
    const preview = await counter.agent.get(`/ho-so/D-1/xin-loi/xem-truoc?${new URLSearchParams({ reasonText: `x${RLO}y`, newDueDate: '2026-03-27' })}`);
    assert.equal(preview.status, 400, 'the preview refuses it too');
    assert.equal(await count('apologies'), 0);

    const officer = await signIn(ctx, 'officer', 'SXD');
    const event = await officer.agent.post('/ho-so/D-1/su-kien').type('form').send({ _csrf: officer.csrf, kind: 'processing_started', occurredAt: '2026-03-20T08:00', note: `Ghi chú${ZWSP}` });
    assert.equal(event.status, 400);
    assert.match(event.text, /id="e-note">[^<]*U\+200B/);

    const admin = await signIn(ctx, 'admin', null);
    const before = await ctx.services.registry.agency('SXD');
    const agency = await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({
      _csrf: admin.csrf, name: `Sở Xây dựng${RLO}`, letterSymbol: 'PXL-SXD', signerName: 'Trần Văn Bình', signerTitle: 'PHÓ GIÁM ĐỐC', apologyMode: 'auto',
      apologyLeadWorkingDays: '1', maxExtensions: '1', contactEmail: '', contactPhone: '', address: '25 Lý Tự Trọng\u0085',
    });
    assert.equal(agency.status, 400, `the agency form answered ${agency.status}`);
    assert.match(agency.text, /id="e-name">[^<]*U\+202E/);
    assert.match(agency.text, /id="e-address">[^<]*U\+0085/);
    assert.deepEqual(await ctx.services.registry.agency('SXD'), before, 'a refused form changes nothing');

    const users = await ctx.db('users').count({ n: '*' }).first();
    const account = await admin.agent.post('/quan-tri/tai-khoan/moi').type('form').send({
      _csrf: admin.csrf, username: 'motcua9', fullName: `Lê Thị ${RLO}Hoa`, role: 'counter', agencyCode: 'SXD', active: 'on', password: 'mat-khau-du-dai',
    });
    assert.equal(account.status, 400, `the account form answered ${account.status}`);
    assert.match(account.text, /id="e-fullName">[^<]*U\+202E/, 'a staff name is printed as the signer of letters');
    assert.deepEqual(await ctx.db('users').count({ n: '*' }).first(), users);
  });
});
