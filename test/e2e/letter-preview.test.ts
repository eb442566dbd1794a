import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createTestContext } from '../support/context';
import { seedWorkQueues } from '../support/work-queues';
import { createStaff, look, signIn, STAFF_PASSWORD, withStaffBrowser } from './browser';

/**
 * The letter previews on a counter PC's 1366×768 screen (issue 15, item 8): the draft form, the
 * leader's review and the administrator's template preview show the whole A4 page inside the
 * frame, with nothing to scroll inside it. Screenshots: test-artifacts/screenshots/*-preview-1366.png.
 */
describe('browser: the draft form shows the whole A4 page of the letter at 1366 px', function () {
  this.timeout(180_000);
  let ids: Record<string, number>;
  const rig = withStaffBrowser(
    () => createTestContext('2026-03-02T09:00:00+07:00'),
    async ({ ctx }) => {
      ids = await seedWorkQueues(ctx);
      await createStaff(ctx, [['chuyenvien', 'officer', 'SXD'], ['lanhdao', 'leader', 'SXD'], ['quantri', 'admin', null]]);
    },
  );

  /** The whole A4 page of the letter is inside the frame titled `title`, and nothing scrolls inside the frame. */
  const assertWholePage = async (page: Page, title: string) => {
    const frameElement = page.getByTitle(title);
    const inside = page.frameLocator(`iframe[title="${title}"]`);
    const letter = inside.locator('.letter');
    await letter.waitFor();
    const frameBox = await frameElement.boundingBox();
    const pageBox = await letter.boundingBox();
    assert.ok(frameBox && pageBox, `${title}: the preview frame and the letter page inside it are both on screen`);
    const slack = 1;
    const outside = [
      pageBox.x < frameBox.x - slack && 'left',
      pageBox.y < frameBox.y - slack && 'top',
      pageBox.x + pageBox.width > frameBox.x + frameBox.width + slack && 'right',
      pageBox.y + pageBox.height > frameBox.y + frameBox.height + slack && 'bottom',
    ].filter(Boolean);
    assert.deepEqual(outside, [], `${title}: the A4 page (${Math.round(pageBox.width)}×${Math.round(pageBox.height)} px on screen) sticks out of the preview frame (${Math.round(frameBox.width)}×${Math.round(frameBox.height)} px) on these sides`);
    assert.ok(pageBox.width / pageBox.height > 0.69 && pageBox.width / pageBox.height < 0.73, `${title}: the page keeps the A4 proportions (210:297), got ${pageBox.width.toFixed(0)}×${pageBox.height.toFixed(0)}`);
    assert.ok(pageBox.width >= 400, `${title}: the page is shown large enough to read (at least 400 px wide), got ${pageBox.width.toFixed(0)} px`);
    const scroll = await inside.locator('html').evaluate((html) => ({ x: html.scrollWidth - html.clientWidth, y: html.scrollHeight - html.clientHeight }));
    assert.deepEqual(scroll, { x: 0, y: 0 }, `${title}: nothing scrolls inside the preview frame (scrollWidth/scrollHeight exceed the frame by these pixels)`);
  };

  const asUser = async (username: string, run: (page: Page) => Promise<void>) => {
    const staff = await rig.newContext({ viewport: { width: 1366, height: 768 } });
    try {
      const page = await staff.newPage();
      await signIn(page, username, STAFF_PASSWORD);
      await run(page);
    } finally {
      await staff.close();
    }
  };

  it('fits the page box inside the visible preview frame, without scrolling inside it', async () => {
    await asUser('chuyenvien', async (page) => {
      await page.goto('/ho-so/SXD-HOMNAY/xin-loi');
      await assertWholePage(page, 'Xem trước thư xin lỗi');
      await look(page, 'draft-form-preview-1366');
    });
  });

  it("shows the whole page on the leader's review of a draft, on an issued letter and on the administrator's template preview", async () => {
    await asUser('lanhdao', async (page) => {
      await page.goto(`/thu-xin-loi/${ids.waiting}`);
      await assertWholePage(page, 'Bản nháp thư xin lỗi, trình bày như khi ban hành');
      await look(page, 'leader-review-preview-1366');
      await rig.ctx.api('post', `/api/v1/apologies/${ids.old}/approve`).send({}).expect(200);
      await page.goto(`/thu-xin-loi/${ids.old}`);
      await assertWholePage(page, 'Thư xin lỗi đã ban hành');
      await look(page, 'issued-letter-preview-1366');
    });
    await asUser('quantri', async (page) => {
      await page.goto('/quan-tri/mau-thu?mau=tt01-2018&coQuan=SXD');
      await assertWholePage(page, 'Thư xin lỗi mẫu của Sở Xây dựng thành phố Cần Thơ');
      await look(page, 'template-preview-1366');
    });
  });
});
