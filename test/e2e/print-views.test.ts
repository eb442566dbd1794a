import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createTestContext } from '../support/context';
import { seedWorkQueues } from '../support/work-queues';
import { createStaff, look, signIn, STAFF_PASSWORD, withStaffBrowser } from './browser';

/**
 * Print views (issue 15, item 6): a print button that prints and is not printed; the period
 * report's 20 columns scroll inside their own box with the first column fixed, and print on A4
 * landscape by themselves (checked on the PDF Chromium prints, with pdfinfo).
 */
describe('browser: print views print by themselves', function () {
  this.timeout(180_000);
  let staff: BrowserContext;
  let ids: Record<string, number>;
  after(async () => staff?.close());
  withStaffBrowser(
    () => createTestContext('2026-03-02T09:00:00+07:00'),
    async (rig) => {
      ids = await seedWorkQueues(rig.ctx);
      await rig.ctx.api('post', `/api/v1/apologies/${ids.waiting}/approve`).send({}).expect(200);
      await createStaff(rig.ctx, [['lanhdao', 'leader', 'SXD']]);
      staff = await rig.newContext({ viewport: { width: 1366, height: 768 } });
      // Counts the calls instead of opening the print dialog, which a headless browser cannot show.
      await staff.addInitScript('window.printed = 0; window.print = () => { window.printed += 1; };');
      await signIn(await staff.newPage(), 'lanhdao', STAFF_PASSWORD);
    },
  );

  const printButtonWorks = async (page: Page, name: RegExp) => {
    const button = page.getByRole('button', { name });
    await button.click();
    assert.equal(await page.evaluate('window.printed'), 1, 'the print button opens the browser’s print dialog (window.print)');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await button.isVisible(), false, 'the print button is not printed');
    await page.emulateMedia({ media: 'screen' });
  };

  it('the issued letter’s print view has a print button that is not printed', async () => {
    const page = await staff.newPage();
    await page.goto(`/thu-xin-loi/${ids.waiting}/in`);
    await printButtonWorks(page, /In thư/);
    await look(page, 'print-letter');
  });

  it('the period report: a print button, the table scrolling in its box with the first column fixed, A4 landscape on paper', async () => {
    const page = await staff.newPage();
    await page.goto('/bao-cao?period=2026-Q1');
    await printButtonWorks(page, /In báo cáo/);
    const wrap = page.getByRole('region', { name: /Bảng số liệu/ });
    const sizes = await wrap.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    const pageWidth = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(pageWidth <= 0, `the page itself does not scroll sideways (it is ${pageWidth} px wider than the window)`);
    const firstCell = wrap.locator('tbody tr:first-child > :first-child');
    const before = await firstCell.boundingBox();
    await wrap.evaluate((el) => el.scrollBy(400, 0));
    const after = await firstCell.boundingBox();
    assert.ok(before && after, 'the first column is on screen');
    assert.equal(Math.round(after.x), Math.round(before.x), `the first column stays in place when the table scrolls sideways (table ${sizes.scroll} px in a ${sizes.client} px box)`);
    await look(page, 'print-period-report');

    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ preferCSSPageSize: true });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-print-')), 'bao-cao.pdf');
    fs.writeFileSync(file, pdf);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
    assert.ok(size, `pdfinfo gives the page size:\n${info}`);
    const [width, height] = [Number(size[1]), Number(size[2])];
    assert.ok(Math.abs(width - 841.89) < 2 && Math.abs(height - 595.28) < 2, `the report prints on A4 landscape (841.89 × 595.28 pt), got ${width} × ${height} pt`);
  });
});
