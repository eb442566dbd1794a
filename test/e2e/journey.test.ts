import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createTestContext, dossierBody, seedBasics, sharedPdf } from '../support/context';
import { createStaff, look, PHONE, signIn, STAFF_PASSWORD as PASSWORD, withStaffBrowser } from './browser';

const CODE = 'H13.01-260202-0042';

/**
 * The story the product exists for, in a real browser: a dossier slipped; the counter drafts the
 * apology; the leader approves it; the notice goes out (Zalo simulator); the citizen opens the
 * link on a phone and acknowledges; the staff see the acknowledgement on the dossier's timeline.
 * Every page visited is screenshotted and checked with axe-core.
 */
describe('browser: from a slipped dossier to the citizen’s acknowledgement', function () {
  this.timeout(180_000);
  let staff: BrowserContext;
  const rig = withStaffBrowser(
    // The whole story with the real PDF renderer, as in production.
    () => createTestContext('2026-03-10T09:00:00+07:00', { pdf: sharedPdf() }),
    async ({ ctx }) => {
      // Accepted Mon 02/02/2026, 20 working days with Tết off → due Mon 09/03 17:00; today is Tue 10/03.
      await seedBasics(ctx);
      await ctx.api('post', '/api/v1/dossiers')
        .send(dossierBody({ code: CODE, acceptedAt: '2026-02-02T08:00:00+07:00', applicant: { kind: 'person', name: 'Trần Thị Bích Ngọc' } }))
        .expect(201);
      await createStaff(ctx, [['motcua', 'counter', 'SXD'], ['lanhdao', 'leader', 'SXD']]);
    },
  );

  beforeEach(async () => {
    staff = await rig.newContext();
  });
  afterEach(async () => staff.close());

  it('walks the whole story', async () => {
    const page = await staff.newPage();
    // Confirmation dialogs ("Duyệt và ban hành thư này?") are answered yes.
    page.on('dialog', (d) => void d.accept());
    await page.goto('/dang-nhap');
    await look(page, '01-dang-nhap');

    // The counter finds the overdue dossier from the dashboard.
    await signIn(page, 'motcua', PASSWORD);
    await look(page, '02-tong-quan');
    await page.getByRole('link', { name: /hồ sơ quá hạn chưa có thư xin lỗi/ }).click();
    await look(page, '03-ho-so-qua-han');
    await page.getByRole('link', { name: CODE }).click();
    await assert.doesNotReject(page.getByRole('heading', { name: new RegExp(CODE) }).first().waitFor(), 'the dossier page names the dossier');
    await look(page, '04-ho-so');

    // …and drafts the apology with the proposed date and the procedure's reason.
    await page.getByRole('link', { name: 'Soạn thư xin lỗi' }).or(page.getByRole('button', { name: 'Soạn thư xin lỗi' })).first().click();
    await look(page, '05-soan-thu');
    await page.getByRole('button', { name: 'Lưu bản nháp' }).click();
    await page.waitForLoadState('networkidle');
    const draft = await rig.ctx.services.apologies.list({ statuses: ['draft'] }, 10, 0, SYSTEM_ACTOR);
    assert.equal(draft.total, 1, 'the counter’s draft is saved');
    await look(page, '06-ban-nhap');

    // The leader signs in and approves it.
    await page.context().clearCookies();
    await signIn(page, 'lanhdao', PASSWORD);
    await page.goto('/thu-xin-loi?status=draft');
    await look(page, '07-thu-cho-duyet');
    await page.getByRole('link', { name: new RegExp(CODE) }).first().click();
    await page.getByRole('button', { name: 'Duyệt và ban hành' }).click();
    await page.waitForLoadState('networkidle');
    const issued = await rig.ctx.services.apologies.get(draft.items[0].apology.id, SYSTEM_ACTOR);
    assert.equal(issued.apology.status, 'issued', 'the leader’s approval issues the letter');
    assert.equal(issued.apology.letterNumber, '01/PXL-SXD');

    // The outbox worker sends it through the Zalo simulator; the staff page shows it delivered.
    await rig.ctx.services.dispatcher.runOnce();
    await page.reload();
    await assert.doesNotReject(page.getByText(/Đã đến người nhận|Đã gửi/).first().waitFor(), 'the apology page shows the notice as sent');
    await look(page, '08-thu-da-ban-hanh');
    const citizenHref = await page.getByRole('link', { name: 'Trang thông báo cho người dân' }).getAttribute('href');
    assert.ok(citizenHref && /\/c\/[A-Za-z0-9_-]{32}$/.test(new URL(citizenHref, rig.baseUrl).pathname), `a citizen link, got ${citizenHref}`);

    // The citizen opens the link on a 360 px phone and acknowledges.
    const phone = await rig.newContext(PHONE);
    try {
      const mobile = await phone.newPage();
      await mobile.goto(new URL(citizenHref, rig.baseUrl).pathname);
      await assert.doesNotReject(mobile.getByText(/Trần Thị Bích Ngọc/).first().waitFor(), 'the page is addressed to the citizen');
      // A string, not a function: the test compiles without the DOM library.
      const overflow = Number(await mobile.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
      assert.ok(overflow <= 0, `the citizen page fits a 360 px screen (it is ${overflow} px too wide)`);
      await look(mobile, '09-nguoi-dan');
      await mobile.getByRole('button', { name: 'Tôi đã nhận được thông báo' }).click();
      await assert.doesNotReject(mobile.getByText(/Đã xác nhận/).first().waitFor(), 'the page confirms the acknowledgement');
      await look(mobile, '10-nguoi-dan-da-xac-nhan');
    } finally {
      await phone.close();
    }

    // The staff timeline shows the acknowledgement.
    await page.goto(`/ho-so/${encodeURIComponent(CODE)}`);
    await assert.doesNotReject(page.getByText(/xác nhận đã nhận/i).first().waitFor(), 'the dossier’s timeline shows the citizen’s acknowledgement');
    await look(page, '11-ho-so-sau-xac-nhan');
  });
});
