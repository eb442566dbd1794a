import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../../src/documents/pdf';
import type { UserRole } from '../../src/domain/access';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import type { TestContext } from '../support/context';

/** Screenshots of every page the browser tests visit, kept for people to look at (CI artefacts). */
export const SCREENSHOTS_DIR = path.resolve(process.env.ARTIFACTS_DIR ?? path.join(__dirname, '../../test-artifacts'), 'screenshots');

/** The app of a test context, listening on a free loopback port, as a browser reaches it. */
export async function serve(ctx: TestContext): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = http.createServer(ctx.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headless Chromium from the npm package (no browser download at install), as the PDF renderer uses. */
export async function launchBrowser(): Promise<Browser> {
  const { executablePath, args } = await chromiumLaunchOptions(process.env.HENLAI_CHROMIUM_PATH);
  return chromium.launch({ executablePath, args, headless: true, timeout: 60_000 });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}

/**
 * Runs axe-core on the page and fails on any serious or critical violation, naming the rule,
 * the elements and axe's own explanation.
 */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`),
    [],
    `accessibility problems on ${label}`,
  );
}

/** Signs in through the real form and waits for the dashboard. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/dang-nhap');
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL('**/tong-quan');
}

/** A screenshot for the artefacts, then the accessibility check of the page as it stands. */
export async function look(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await assertAccessible(page, name);
}

/** The password of every staff account the browser tests create. */
export const STAFF_PASSWORD = 'mat-khau-thu-nghiem';

/** Staff accounts named "Người dùng <username>", signing in with STAFF_PASSWORD. */
export async function createStaff(ctx: TestContext, accounts: readonly (readonly [username: string, role: UserRole, agencyCode: string | null])[]): Promise<void> {
  for (const [username, role, agencyCode] of accounts) {
    await ctx.services.users.create({ username, fullName: `Người dùng ${username}`, role, agencyId: null, agencyCode, active: true }, STAFF_PASSWORD, SYSTEM_ACTOR);
  }
}

/** A citizen's 360 px phone, for `StaffBrowser.newContext`. */
export const PHONE: BrowserContextOptions = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

/** What a browser suite works with; filled in by its `before` hook. */
export interface StaffBrowser {
  ctx: TestContext;
  baseUrl: string;
  browser: Browser;
  /** A new browser context on the app, in Vietnamese, on a 1280×900 desktop unless `options` say otherwise. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
}

/**
 * Registers the suite's hooks: before, the app of `open()` served on loopback and a headless
 * Chromium, then `setUp` (seeding, accounts); after, all of it closed, even when the before hook
 * failed half-way. The returned object is empty until the before hook has run.
 */
export function withStaffBrowser(open: () => Promise<TestContext>, setUp?: (rig: StaffBrowser) => Promise<void>): StaffBrowser {
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  const rig = {
    newContext: (options?: BrowserContextOptions) =>
      rig.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', baseURL: rig.baseUrl, ...options }),
  } as StaffBrowser;
  before(async () => {
    rig.ctx = await open();
    server = await serve(rig.ctx);
    rig.baseUrl = server.baseUrl;
    rig.browser = await launchBrowser();
    await setUp?.(rig);
  });
  after(async () => {
    await rig.browser?.close();
    await server?.close();
    await rig.ctx?.close();
  });
  return rig;
}
