import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AGENCY, PROCEDURE, createTestContext, dossierBody, type TestContext } from '../support/context';
import fs from 'node:fs';
import path from 'node:path';
import { assertAccessible, launchBrowser, screenshot, serve, SCREENSHOTS_DIR } from './browser';

const CODE = 'H13.01-260202-0077';

/**
 * The public pages on a 360 px phone: the look-up (its errors, an answer, a miss), the public
 * board and the page of a link that leads nowhere. Each must fit the screen and pass axe-core;
 * the notice page itself is walked in the journey test.
 */
describe('browser: citizen pages on a phone', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  let phone: BrowserContext;
  let page: Page;
  let noticePath: string;

  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, contactPhone: '0292 3820 999', settings: { ...AGENCY.settings, publicBoard: true } }).expect(201);
    await ctx.api('post', '/api/v1/procedures').send(PROCEDURE).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: CODE, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    const drafted = await ctx.api('post', `/api/v1/dossiers/${CODE}/apologies`).send({ reason: 'Cần lấy ý kiến của cơ quan, đơn vị có liên quan', newDueDate: '2026-03-18' }).expect(201);
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    const issued = await ctx.api('post', `/api/v1/apologies/${drafted.body.id}/approve`).expect(200);
    noticePath = new URL(issued.body.links.citizen).pathname;
    server = await serve(ctx);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await ctx?.close();
  });

  beforeEach(async () => {
    phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'vi-VN', baseURL: server.baseUrl });
    page = await phone.newPage();
  });
  afterEach(async () => phone.close());

  async function look(name: string): Promise<void> {
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    assert.ok(overflow <= 0, `${name} fits a 360 px screen (it is ${overflow} px too wide)`);
    await screenshot(page, name);
    await assertAccessible(page, name);
  }

  it('look-up: errors next to the fields, an answer, and a miss', async () => {
    await page.goto('/tra-cuu');
    await page.getByRole('button', { name: 'Tra cứu' }).click();
    await assert.doesNotReject(page.getByText('Cần nhập mã hồ sơ').waitFor(), 'an empty form names the missing code');
    await look('citizen-tra-cuu-loi');

    await page.getByLabel('Mã hồ sơ').fill(CODE);
    await page.getByLabel('4 chữ số cuối của số điện thoại').fill('5678');
    await page.getByRole('button', { name: 'Tra cứu' }).click();
    await assert.doesNotReject(page.getByText('Ngày hẹn mới').waitFor(), 'the right digits show the dates');
    await look('citizen-tra-cuu-ket-qua');

    await page.getByLabel('4 chữ số cuối của số điện thoại').fill('0000');
    await page.getByRole('button', { name: 'Tra cứu' }).click();
    await assert.doesNotReject(page.getByText('Không tìm thấy hồ sơ khớp với mã và số điện thoại đã nhập').waitFor());
    await look('citizen-tra-cuu-khong-thay');
  });

  it('public board and a dead link', async () => {
    await page.goto('/cong-khai');
    await assert.doesNotReject(page.getByText(AGENCY.name).first().waitFor(), 'the publishing agency is listed');
    await look('citizen-cong-khai');
    await page.goto(`/c/${'A'.repeat(32)}`);
    await assert.doesNotReject(page.getByText('Đường dẫn không đúng hoặc đã hết hạn.').waitFor());
    await look('citizen-khong-tim-thay');
  });

  it('the notice page: the whole letter reflowed on a 360 px phone, the new date first', async () => {
    await page.goto(noticePath);
    await assert.doesNotReject(page.getByText('Toàn văn thư xin lỗi').waitFor(), 'the page carries the letter');
    assert.ok(await page.locator('.letter-reading').getByText('Nơi nhận:').isVisible(), 'the reading view runs to the end of the letter');
    const width = await page.locator('.letter-reading').evaluate((el) => el.scrollWidth - el.clientWidth);
    assert.ok(width <= 0, `the letter itself needs no sideways scrolling (${width} px too wide)`);
    const shown = async (selector: string) => {
      const el = page.locator(selector);
      return { top: (await el.boundingBox())?.y ?? NaN, size: parseFloat(String(await el.evaluate((e) => (globalThis as unknown as { getComputedStyle(x: unknown): { fontSize: string } }).getComputedStyle(e).fontSize))) };
    };
    const [fresh, old] = [await shown('.due .new-date'), await shown('.old-date')];
    assert.ok(fresh.top < old.top && fresh.size > old.size, `the new date is above the old one and larger (new ${JSON.stringify(fresh)}, old ${JSON.stringify(old)})`);
    await look('citizen-thong-bao');
  });

  it('the notice page on a slow phone (CPU 6×, 800 kbit/s, 300 ms): loads compressed, and the time is recorded', async () => {
    const cdp = await phone.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 300, downloadThroughput: (800 * 1024) / 8, uploadThroughput: (800 * 1024) / 8 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
    const response = await page.goto(noticePath, { waitUntil: 'load' });
    assert.match(String(response?.headers()['content-encoding']), /^(gzip|br)$/, 'the page travels compressed');
    await assert.doesNotReject(page.locator('.due .new-date').waitFor(), 'the new date is on the screen');
    const font = String(await page.evaluate('getComputedStyle(document.body).fontFamily'));
    assert.match(font, /Segoe UI/, `the page's own styles apply (the CSP allows the inline stylesheet by its hash); the body's font is "${font}"`);
    const timing = JSON.parse(String(await page.evaluate('JSON.stringify(performance.getEntriesByType("navigation")[0].toJSON())'))) as Record<string, number>;
    const transferred = Number(await page.evaluate('performance.getEntriesByType("resource").reduce((n, r) => n + r.transferSize, performance.getEntriesByType("navigation")[0].transferSize)'));
    // A figure for docs/benchmarks.md, not a pass/fail: the machine running the tests is shared.
    const figure = { loadEventEndMs: Math.round(timing.loadEventEnd), domContentLoadedMs: Math.round(timing.domContentLoadedEventEnd), transferredBytes: transferred };
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(SCREENSHOTS_DIR, '..', 'citizen-slow-phone.json'), JSON.stringify(figure, null, 2));
    console.log(`      slow phone: ${JSON.stringify(figure)}`);
    await screenshot(page, 'citizen-thong-bao-cham');
  });
});
