import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import { createTestContext } from '../support/context';
import { seedWorkQueues } from '../support/work-queues';
import { createStaff, look, screenshot, signIn, STAFF_PASSWORD as PASSWORD, withStaffBrowser } from './browser';

/**
 * Issue 15 item 6 in a real browser set to American English, without JavaScript: dates are shown
 * and typed as dd/mm/yyyy (a type="date" input would show mm/dd/yyyy here), agencies and
 * procedures are chosen by name. Screenshots: test-artifacts/screenshots/dates-pickers-*.png.
 */
describe('browser: dd/mm/yyyy dates and name pickers, whatever the browser’s language', function () {
  this.timeout(180_000);
  let english: BrowserContext;
  let scripted: BrowserContext;

  /** axe-core runs as a script in the page: the same page, again, in a context with JavaScript on. */
  const axeAt = async (url: string, username: string, name: string) => {
    const page = await scripted.newPage();
    await scripted.clearCookies();
    await signIn(page, username, PASSWORD);
    await page.goto(url);
    await look(page, name);
    await page.close();
  };

  const rig = withStaffBrowser(
    () => createTestContext('2026-03-02T09:00:00+07:00'),
    async ({ ctx }) => {
      await seedWorkQueues(ctx);
      await createStaff(ctx, [['giamsat', 'supervisor', null], ['chuyenvien', 'officer', 'SXD']]);
    },
  );
  before(async () => {
    english = await rig.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US', javaScriptEnabled: false });
    english.setDefaultTimeout(30_000);
    scripted = await rig.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    scripted.setDefaultTimeout(30_000);
  });
  after(async () => {
    await english?.close();
    await scripted?.close();
  });

  it('the dossier list: dd/mm/yyyy typed and shown back, the agency chosen by name, a wrong date refused by its field', async () => {
    await english.clearCookies();
    const page = await english.newPage();
    await signIn(page, 'giamsat', PASSWORD);
    await page.goto('/ho-so');
    const from = page.getByLabel('Hạn giải quyết từ ngày');
    assert.equal(await from.getAttribute('type'), 'text', 'the date is a text box, not the browser’s own date input (mm/dd/yyyy in en-US)');
    assert.equal(await from.getAttribute('placeholder'), 'dd/mm/yyyy', 'the box shows the format to type');
    await from.fill('1/3/2026');
    await page.getByLabel('đến ngày').fill('31/12/2026');
    await page.getByLabel('Cơ quan giải quyết').selectOption({ label: 'Sở Nông nghiệp và Môi trường' });
    await page.getByRole('button', { name: 'Lọc' }).click();
    await page.waitForURL(/agency=SNN/);
    assert.equal(await page.getByLabel('Hạn giải quyết từ ngày').inputValue(), '01/03/2026', '1/3/2026 is shown back as 01/03/2026');
    const agencies = await page.locator('table.data tbody td:nth-child(4)').allTextContents();
    assert.ok(agencies.length > 0, 'the filter finds the agency’s dossiers');
    assert.deepEqual([...new Set(agencies)], ['Sở Nông nghiệp và Môi trường'], 'the rows name the agency, not its code');
    await screenshot(page, 'dates-pickers-dossier-list-en-US');
    await axeAt(page.url(), 'giamsat', 'dates-pickers-dossier-list-axe');

    await page.getByLabel('Hạn giải quyết từ ngày').fill('31/02/2026');
    await page.getByRole('button', { name: 'Lọc' }).click();
    await page.locator('#e-dueFrom').waitFor();
    assert.match(await page.locator('#e-dueFrom').innerText(), /Ngày không hợp lệ: nhập dạng dd\/mm\/yyyy/, 'the impossible date is refused next to its field, in Vietnamese');
    await screenshot(page, 'dates-pickers-dossier-list-error');
    await axeAt(page.url(), 'giamsat', 'dates-pickers-dossier-list-error-axe');
    await page.close();
  });

  it('the report form and the progress form show dd/mm/yyyy (HH:mm)', async () => {
    await english.clearCookies();
    const page = await english.newPage();
    await signIn(page, 'giamsat', PASSWORD);
    await page.goto('/bao-cao?period=range&from=2026-03-01&to=2026-03-31');
    assert.equal(await page.getByLabel('Từ ngày (khoảng tự chọn)').inputValue(), '01/03/2026', 'a date from an old link (yyyy-mm-dd) is shown as dd/mm/yyyy');
    assert.ok((await page.getByLabel('Cơ quan', { exact: true }).locator('option').allTextContents()).includes('Sở Xây dựng thành phố Cần Thơ'), 'the report’s agency is chosen by name');
    await screenshot(page, 'dates-pickers-report-en-US');
    await axeAt(page.url(), 'giamsat', 'dates-pickers-report-axe');
    await page.close();

    await english.clearCookies();
    const officer = await english.newPage();
    await signIn(officer, 'chuyenvien', PASSWORD);
    await officer.goto('/ho-so/SXD-HOMNAY');
    const when = officer.getByLabel('Thời điểm');
    // seedWorkQueues leaves the clock at 09:00 on 18/03/2026.
    assert.equal(await when.inputValue(), '18/03/2026 09:00', 'the time of the progress form defaults to now, written dd/mm/yyyy HH:mm');
    await screenshot(officer, 'dates-pickers-progress-form-en-US');
    await axeAt(officer.url(), 'chuyenvien', 'dates-pickers-progress-form-axe');
    await officer.close();
  });
});
