import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createDemoCa } from '../../src/signing';
import { SmartCaFake } from '../fakes/smartca-fake';
import { AGENCY, createTestContext, dossierBody, seedBasics, sharedPdf } from '../support/context';
import { look, PHONE, signIn, withStaffBrowser } from './browser';
import { assertTwoValidSignatures, CALLBACK_SECRET } from './services/signing-support';
import { requirePoppler } from './signing/support';

const CODE = 'H13.01-260202-0042';
const CITIZEN = 'Trần Thị Bích Ngọc';
const LEADER = 'Trần Văn Bình';
const CCCD = '092080001234';
const PASSWORD = 'mat-khau-thu-nghiem';

/**
 * Issue 14's story in a real browser: the counter drafts; the leader approves and the letter
 * waits ("Chờ ký số") until the leader confirms on the phone (the SmartCA fake, remote signing,
 * calling the app's webhook back over HTTP); the agency's layer is applied at issuance; the
 * citizen downloads the PDF from the link and pdfsig validates both signatures; /xac-thuc, given
 * the letter's code, confirms it without showing the citizen's personal data.
 */
describe('browser: a signed letter from draft to /xac-thuc (remote signing, SmartCA fake)', function () {
  this.timeout(180_000);
  let fake: SmartCaFake;
  let staff: BrowserContext;

  before(function () {
    requirePoppler(this);
  });
  // The provider stops before the app it calls back.
  after(async () => fake?.stop());
  const rig = withStaffBrowser(
    () => createTestContext('2026-03-10T09:00:00+07:00', { pdf: sharedPdf() }),
    async ({ ctx }) => {
      await seedBasics(ctx);
      await ctx.api('post', '/api/v1/dossiers')
        .send(dossierBody({ code: CODE, acceptedAt: '2026-02-02T08:00:00+07:00', applicant: { kind: 'person', name: CITIZEN } }))
        .expect(201);
      await ctx.services.users.create({ username: 'motcua', fullName: 'Người dùng một cửa', role: 'counter', agencyId: null, agencyCode: AGENCY.code, active: true }, PASSWORD, SYSTEM_ACTOR);
      const leader = await ctx.services.users.create({ username: 'lanhdao', fullName: LEADER, role: 'leader', agencyId: null, agencyCode: AGENCY.code, active: true }, PASSWORD, SYSTEM_ACTOR);
      // The provider calls the app back on its public webhook, as in production.
      fake = new SmartCaFake({
        users: [{ userId: CCCD, name: LEADER, agencyName: AGENCY.name, notBefore: new Date('2026-01-01T00:00:00Z') }],
        now: () => ctx.clock.now(),
        callbackUrl: `${rig.baseUrl}/webhooks/ky-so/${AGENCY.code}`,
        callbackSecret: CALLBACK_SECRET,
      });
      await fake.start();
      const ca = await createDemoCa({ now: new Date('2026-01-01T00:00:00Z') });
      const agency = await ctx.services.registry.agency(AGENCY.code);
      const settings = ctx.services.signingSettings;
      await settings.trustRoot({ name: 'test CA', certificatePem: ca.certificatePem, demo: true });
      await settings.trustRoot({ name: 'SmartCA fake CA', certificatePem: fake.ca.certificatePem, demo: true });
      await settings.connectAgencyRemote(agency.id, { baseUrl: fake.baseUrl, spId: fake.spId, spPassword: fake.spPassword, callbackSecret: CALLBACK_SECRET, userId: '' }, 'test');
      const org = await ca.issueAgency(AGENCY.name, { password: 'p-co-quan' });
      await settings.installCertificate({ kind: 'agency', id: agency.id }, { organization: AGENCY.name }, org.p12, 'p-co-quan', 'test');
      await settings.connectLeaderRemote(leader.id, CCCD, '', 'test');
    },
  );

  beforeEach(async () => {
    staff = await rig.newContext();
  });
  afterEach(async () => staff.close());

  it('drafts, waits for the leader’s remote signature, issues, serves a PDF pdfsig validates, and /xac-thuc confirms it', async () => {
    const page = await staff.newPage();
    page.on('dialog', (d) => void d.accept());

    // The counter drafts the apology from the dossier's page.
    await signIn(page, 'motcua', PASSWORD);
    await page.goto(`/ho-so/${encodeURIComponent(CODE)}`);
    await page.getByRole('link', { name: 'Soạn thư xin lỗi' }).or(page.getByRole('button', { name: 'Soạn thư xin lỗi' })).first().click();
    await page.getByRole('button', { name: 'Lưu bản nháp' }).click();
    await page.waitForLoadState('networkidle');
    const drafts = await rig.ctx.services.apologies.list({ statuses: ['draft'] }, 10, 0, SYSTEM_ACTOR);
    assert.equal(drafts.total, 1, 'the counter’s draft is saved');
    const id = drafts.items[0].apology.id;

    // The leader approves: the signature request goes to the provider; the letter waits.
    await page.context().clearCookies();
    await signIn(page, 'lanhdao', PASSWORD);
    await page.goto(`/thu-xin-loi/${id}`);
    await page.getByRole('button', { name: 'Duyệt và ban hành' }).click();
    await page.waitForLoadState('networkidle');
    await page.goto(`/thu-xin-loi/${id}`);
    await assert.doesNotReject(page.getByText('Chờ ký số').first().waitFor(), 'the apology page shows it waiting for the signature');
    await look(page, 's01-cho-ky-so');
    assert.equal((await rig.ctx.services.apologies.get(id, SYSTEM_ACTOR)).apology.status, 'draft', 'not issued before the signature');
    assert.equal((await rig.ctx.services.notices.forApology(id)).length, 0, 'nothing queued before the signature');

    // The leader confirms on the phone; the provider's callback reaches the app over HTTP.
    await fake.confirm(fake.requestOf(CCCD).tranCode);
    assert.deepEqual(fake.callbacksSent.map((c) => c.status), [200], 'the app accepted the provider’s callback');
    const issued = await rig.ctx.services.apologies.get(id, SYSTEM_ACTOR);
    assert.equal(issued.apology.status, 'issued', 'the confirmed signature issues the letter');
    assert.equal(issued.apology.letterNumber, '01/PXL-SXD');
    await page.reload();
    await assert.doesNotReject(page.getByText('01/PXL-SXD').first().waitFor(), 'the apology page shows the letter number');
    await rig.ctx.services.dispatcher.runOnce();
    await page.reload();
    await look(page, 's02-da-ban-hanh');
    const citizenHref = await page.getByRole('link', { name: 'Trang thông báo cho người dân' }).getAttribute('href');
    assert.ok(citizenHref && /\/c\/[A-Za-z0-9_-]{32}$/.test(new URL(citizenHref, rig.baseUrl).pathname), `a citizen link, got ${citizenHref}`);

    // The citizen opens the link on a phone and downloads the letter.
    const phone = await rig.newContext({ ...PHONE, acceptDownloads: true });
    let downloaded: Buffer;
    try {
      const mobile = await phone.newPage();
      await mobile.goto(new URL(citizenHref, rig.baseUrl).pathname);
      await assert.doesNotReject(mobile.getByText(CITIZEN).first().waitFor(), 'the page is addressed to the citizen');
      await look(mobile, 's03-nguoi-dan');
      const [download] = await Promise.all([mobile.waitForEvent('download'), mobile.getByRole('link', { name: 'Tải thư (tệp PDF khổ A4, có chữ ký số)' }).click()]);
      assert.match(download.suggestedFilename(), /\.pdf$/);
      downloaded = fs.readFileSync(await download.path());
    } finally {
      await phone.close();
    }
    assertTwoValidSignatures(downloaded);
    const stored = (await rig.ctx.services.apologies.letterPdf(id, SYSTEM_ACTOR)).pdf;
    assert.ok(downloaded.equals(stored), 'the citizen downloads exactly the stored, signed bytes');

    // Anyone with the letter's code checks it at /xac-thuc, without the citizen's personal data.
    const state = await rig.ctx.services.signing.state(id);
    const code = (state as { verificationCode: string }).verificationCode;
    const visitor = await rig.newContext();
    try {
      const check = await visitor.newPage();
      await check.goto('/xac-thuc');
      await check.getByLabel('Mã xác thực').fill(code);
      await check.getByRole('button', { name: 'Kiểm tra' }).click();
      const result = check.locator('section.verify-result');
      await assert.doesNotReject(result.getByText('Đúng là văn bản đã ban hành').waitFor(), 'the code is recognised as an issued, validly signed letter');
      const text = await result.innerText();
      assert.match(text, /01\/PXL-SXD/, 'the letter number');
      assert.ok(text.includes(AGENCY.name), 'the issuing agency');
      assert.match(text, /Hai chữ ký số hợp lệ/);
      assert.match(text, new RegExp(`${LEADER}[^\\n]*hợp lệ`), 'the leader’s signature, valid');
      assert.match(text, new RegExp(`${AGENCY.name}[^\\n]*— hợp lệ`), 'the agency’s signature, valid');
      assert.doesNotMatch(text, /không hợp lệ/);
      const whole = await check.content();
      for (const personal of [CITIZEN, '0912', '345 678', 'An.Nguyen@Example.vn', '12 Hòa Bình', CODE]) {
        assert.ok(!whole.includes(personal), `the public page shows no personal data (found ${personal})`);
      }
      await look(check, 's04-xac-thuc');
    } finally {
      await visitor.close();
    }
  });
});
