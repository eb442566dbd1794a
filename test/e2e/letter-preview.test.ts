import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createTestContext, type TestContext } from '../support/context';
import { seedWorkQueues } from '../support/work-queues';
import { launchBrowser, look, serve, signIn } from './browser';

const PASSWORD = 'mat-khau-thu-nghiem';

/**
 * The draft form's letter preview on a counter PC's 1366×768 screen (issue 15, item 8): the whole
 * A4 page is visible inside the preview frame, with nothing to scroll inside the frame.
 * Screenshot: test-artifacts/screenshots/draft-form-preview-1366.png.
 */
describe('browser: the draft form shows the whole A4 page of the letter at 1366 px', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;

  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedWorkQueues(ctx);
    await ctx.services.users.create({ username: 'chuyenvien', fullName: 'Người dùng chuyenvien', role: 'officer', agencyId: null, agencyCode: 'SXD', active: true }, PASSWORD, SYSTEM_ACTOR);
    server = await serve(ctx);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await ctx?.close();
  });

  it('fits the page box inside the visible preview frame, without scrolling inside it', async () => {
    const staff = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN', baseURL: server.baseUrl });
    try {
      const page = await staff.newPage();
      await signIn(page, 'chuyenvien', PASSWORD);
      await page.goto('/ho-so/SXD-HOMNAY/xin-loi');
      const frameElement = page.getByTitle('Xem trước thư xin lỗi');
      const letter = page.frameLocator('iframe[title="Xem trước thư xin lỗi"]').locator('.letter');
      await letter.waitFor();
      const frameBox = await frameElement.boundingBox();
      const pageBox = await letter.boundingBox();
      assert.ok(frameBox && pageBox, 'the preview frame and the letter page inside it are both on screen');
      const slack = 1;
      const outside = [
        pageBox.x < frameBox.x - slack && 'left',
        pageBox.y < frameBox.y - slack && 'top',
        pageBox.x + pageBox.width > frameBox.x + frameBox.width + slack && 'right',
        pageBox.y + pageBox.height > frameBox.y + frameBox.height + slack && 'bottom',
      ].filter(Boolean);
      assert.deepEqual(outside, [], `the A4 page (${Math.round(pageBox.width)}×${Math.round(pageBox.height)} px on screen) sticks out of the preview frame (${Math.round(frameBox.width)}×${Math.round(frameBox.height)} px) on these sides`);
      assert.ok(pageBox.width / pageBox.height > 0.69 && pageBox.width / pageBox.height < 0.73, `the page keeps the A4 proportions (210:297), got ${pageBox.width.toFixed(0)}×${pageBox.height.toFixed(0)}`);
      assert.ok(pageBox.width >= 400, `the page is shown large enough to read (at least 400 px wide), got ${pageBox.width.toFixed(0)} px`);
      const scroll = await page.frameLocator('iframe[title="Xem trước thư xin lỗi"]').locator('html').evaluate((html) => ({ x: html.scrollWidth - html.clientWidth, y: html.scrollHeight - html.clientHeight }));
      assert.deepEqual(scroll, { x: 0, y: 0 }, 'nothing scrolls inside the preview frame (scrollWidth/scrollHeight exceed the frame by these pixels)');
      await look(page, 'draft-form-preview-1366');
    } finally {
      await staff.close();
    }
  });
});
