import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { auditReplay, type AuditParams } from '../../src/replay/audit';
import { writeReport } from '../../src/replay/report';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';
import { assertAccessible, launchBrowser, screenshot } from './browser';

const at = (s: string): number => new Date(`${s}+07:00`).getTime();

describe('replay report in a browser', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let browser: Browser;
  let dir: string;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => browser.close());

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-report-'));
  });
  afterEach(async () => {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens from the file alone, asks the network for nothing, draws both charts and passes the accessibility check', async () => {
    await seedBasics(ctx);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LATE-1', acceptedAt: '2026-01-05T09:00:00+07:00' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LATE-2', acceptedAt: '2026-01-06T09:00:00+07:00' })).expect(201);
    const d = await ctx.api('post', '/api/v1/dossiers/LATE-1/apologies').send({}).expect(201);
    await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    const params: AuditParams = {
      seed: 1,
      start: '2026-01-01',
      days: 61,
      prices: { zaloMessage: 200, smsSegment: 800, email: 0, currency: 'VND' },
      calibration: { source: 'Cần Thơ, quý I/2019', figures: { receivedPerQuarter: 169_055 } },
    };
    const audit = await auditReplay({
      db: ctx.db,
      deliveries: [],
      params,
      run: { startedRealMs: 0, endedRealMs: 5000, virtualStart: at('2026-01-01T00:00:00'), virtualEnd: at('2026-03-02T10:00:00'), kills: [], dbOutages: [], processes: [] },
    });
    const { htmlFile } = writeReport(dir, audit, params);

    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requested.push(r.url());
    });
    await page.goto(pathToFileURL(htmlFile).href);
    assert.deepEqual(requested, [], 'the report fetches nothing: it must open offline, from the file alone');
    assert.equal(await page.locator('figure.chart svg rect').count() > 0, true, 'the charts have bars');
    assert.equal(await page.getByRole('img', { name: 'Hồ sơ tiếp nhận và hồ sơ trễ hạn theo tháng' }).count(), 1);
    assert.equal(await page.getByRole('img', { name: 'Thư xin lỗi và danh sách gọi điện theo tháng' }).count(), 1);
    const box = await page.locator('figure.chart svg').first().boundingBox();
    assert.ok(box && box.width > 300 && box.height > 100, `the chart is drawn at a readable size, got ${JSON.stringify(box)}`);
    await assert.doesNotReject(page.getByText('LATE-2').first().waitFor({ timeout: 2000 }), 'the late dossier never apologised is named');
    await screenshot(page, 'replay-report');
    await assertAccessible(page, 'the replay report');
    await context.close();
  });
});
