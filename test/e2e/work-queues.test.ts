import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { createTestContext } from '../support/context';
import { seedWorkQueues } from '../support/work-queues';
import { createStaff, look, signIn, STAFF_PASSWORD as PASSWORD, withStaffBrowser } from './browser';

/**
 * Each role's dashboard in a real browser (issue 15), and the leader's review of a draft: the
 * letter as it will be issued, an edit in place, a return to the drafter. Every page is
 * screenshotted (test-artifacts/screenshots/queue-*.png) and checked with axe-core.
 */
describe('browser: each role’s work queue and the leader’s review', function () {
  this.timeout(180_000);
  let staff: BrowserContext;
  let ids: Record<string, number>;
  const rig = withStaffBrowser(
    () => createTestContext('2026-03-02T09:00:00+07:00'),
    async ({ ctx }) => {
      ids = await seedWorkQueues(ctx);
      await createStaff(ctx, [['motcua', 'counter', 'SXD'], ['lanhdao', 'leader', 'SXD'], ['chuyenvien', 'officer', 'SXD'], ['giamsat', 'supervisor', null]]);
    },
  );

  beforeEach(async () => {
    staff = await rig.newContext({ viewport: { width: 1366, height: 900 } });
  });
  afterEach(async () => staff.close());

  const open = async (username: string): Promise<Page> => {
    const page = await staff.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, username, PASSWORD);
    return page;
  };

  it('counter: calls the citizen with one click, and sees what is due and what came back', async () => {
    const page = await open('motcua');
    await look(page, 'queue-counter');
    const calls = page.getByRole('region', { name: /Người dân cần gọi điện/ });
    await assert.doesNotReject(calls.getByText('Lê Thị Hoa').first().waitFor(), 'the citizen to call is on the list');
    assert.equal(await page.getByRole('region', { name: /Hồ sơ quá hạn hoặc đến hạn/ }).getByText('Quá hạn', { exact: true }).count(), 1, 'the slipped dossier is marked "Quá hạn" in words');
    await assert.doesNotReject(page.getByRole('region', { name: /trả lại để sửa/ }).getByText(/Ghi rõ tên cơ quan phối hợp/).waitFor(), "the leader's comment is on the counter's queue");
    await calls.getByRole('button', { name: /Đã gọi Lê Thị Hoa/ }).click();
    await page.waitForURL('**/tong-quan?ok=message-called');
    assert.equal(await page.getByRole('region', { name: /Người dân cần gọi điện/ }).getByText('Lê Thị Hoa').count(), 0, 'called, the citizen leaves the list');
    await look(page, 'queue-counter-after-call');
  });

  it('officer and supervisor: the agency’s dossiers due soon with their action; agencies late today', async () => {
    const officer = await open('chuyenvien');
    await look(officer, 'queue-officer');
    const soon = officer.getByRole('region', { name: /sắp đến hạn hoặc đã quá hạn/ });
    await assert.doesNotReject(soon.getByRole('link', { name: 'Thư chờ lãnh đạo duyệt' }).first().waitFor(), 'a dossier with a draft points to the letter waiting for the leader');
    await staff.clearCookies();
    const supervisor = await open('giamsat');
    await look(supervisor, 'queue-supervisor');
    await assert.doesNotReject(supervisor.getByRole('link', { name: /SNN — Sở Nông nghiệp/ }).waitFor(), 'a late agency links to its late dossiers');
  });

  it('leader: the oldest letter first, read as it will be issued, edited in place, then returned to the drafter', async () => {
    const page = await open('lanhdao');
    await look(page, 'queue-leader');
    const letters = page.getByRole('region', { name: /chờ lãnh đạo duyệt hoặc ký/ });
    const first = letters.getByRole('link', { name: /Bản nháp #/ }).first();
    assert.equal(await first.textContent(), `Bản nháp #${ids.old}`, 'the oldest draft is first');
    await first.click();
    await page.waitForURL(`**/thu-xin-loi/${ids.old}`);
    const letter = page.frameLocator('iframe[title^="Bản nháp thư xin lỗi"]');
    await assert.doesNotReject(letter.getByText(/Cần lấy ý kiến cơ quan phối hợp/).first().waitFor(), 'the letter shows the reason as drafted');
    await look(page, 'review-leader');

    await page.getByLabel('Lý do chậm trễ').fill('Sở Tài nguyên và Môi trường chưa có văn bản trả lời');
    await page.getByLabel('Ngày hẹn mới').selectOption({ index: 2 });
    await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
    await page.waitForURL(`**/thu-xin-loi/${ids.old}?ok=apology-revised`);
    await assert.doesNotReject(letter.getByText(/Sở Tài nguyên và Môi trường chưa có văn bản trả lời/).first().waitFor(), 'the letter shows the new reason at once');

    await page.getByRole('button', { name: 'Trả lại người soạn' }).click();
    await assert.doesNotReject(page.locator('#e-comment').waitFor(), 'an empty comment is refused beside its box');
    await look(page, 'review-leader-comment-missing');
    await page.getByLabel('Ý kiến cho người soạn').fill('Nêu rõ ngày gửi văn bản xin ý kiến');
    await page.getByRole('button', { name: 'Trả lại người soạn' }).click();
    await page.waitForURL(`**/thu-xin-loi/${ids.old}?ok=apology-returned`);
    await assert.doesNotReject(page.getByText('Trả lại để sửa').waitFor(), 'the page says the draft is back with its drafter');
    assert.equal(await page.getByRole('button', { name: 'Duyệt và ban hành' }).count(), 0, 'a returned draft cannot be approved');
    await look(page, 'review-leader-returned');
  });
});
