import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { UserRole } from '../../src/domain/access';
import { seedDemo } from '../../src/demo/seed';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createTestContext } from '../support/context';
import { assertAccessible, createStaff, PHONE, screenshot, signIn, STAFF_PASSWORD, withStaffBrowser } from './browser';

/**
 * Every page of the application, as each role sees it, over the Cần Thơ demo after a watcher
 * tick and a dispatch run (so that lists, letters, messages and charts have content): each
 * must answer 200, fit a 360 px phone where a citizen reads it, and pass axe-core with no serious
 * or critical violation. Screenshots are kept as artefacts.
 */
describe('browser: every page is reachable and accessible', function () {
  this.timeout(300_000);
  const urls: Record<UserRole | 'public', string[]> = { counter: [], officer: [], leader: [], supervisor: [], admin: [], public: [] };

  const rig = withStaffBrowser(() => createTestContext('2026-11-20T10:00:00+07:00'), async ({ ctx }) => {
    await seedDemo(ctx.services, ctx.clock.now());
    await ctx.services.watcher.tick();
    await ctx.services.dispatcher.runOnce();
    await createStaff(ctx, [
      ['motcua', 'counter', 'TTPVHCC'],
      ['xuly', 'officer', 'SNNMT'],
      ['lanhdao', 'leader', 'SNNMT'],
      ['giamsat', 'supervisor', null],
      ['quantri', 'admin', null],
    ]);

    const issued = await ctx.db('apologies').join('dossiers', 'dossiers.id', 'apologies.dossier_id').where('apologies.status', 'issued').first('apologies.id', 'apologies.citizen_token', 'dossiers.code');
    assert.ok(issued, 'the demo plus a watcher tick should have issued at least one apology');
    const open = await ctx.services.dossiers.list({ timeliness: 'overdue', apology: 'none' }, 'due', 1, 0, SYSTEM_ACTOR);
    const dossier = (c: string) => `/ho-so/${encodeURIComponent(c)}`;
    const procedure = (await ctx.services.registry.listProcedures())[0];
    const user = (await ctx.services.users.list(SYSTEM_ACTOR))[0];

    urls.public.push('/dang-nhap', '/tra-cuu', '/cong-khai', `/c/${issued.citizen_token}`);
    urls.counter.push('/tong-quan', '/ho-so', '/ho-so?timeliness=overdue', dossier(issued.code), '/thu-xin-loi', `/thu-xin-loi/${issued.id}`, '/tin-nhan', '/ho-so/nhap');
    if (open.items[0]) urls.officer.push(`${dossier(open.items[0].dossier.code)}/xin-loi`);
    urls.leader.push('/thu-xin-loi?status=draft', '/bao-cao', '/bao-cao?theoThang=1', '/bao-cao/qua-han', '/bao-cao/xin-loi');
    urls.supervisor.push('/tong-quan', '/bao-cao');
    urls.admin.push(
      '/quan-tri',
      '/quan-tri/co-quan',
      '/quan-tri/co-quan/SXD',
      '/quan-tri/co-quan/moi',
      '/quan-tri/thu-tuc',
      `/quan-tri/thu-tuc/${encodeURIComponent(procedure.code)}`,
      '/quan-tri/thu-tuc/moi',
      '/quan-tri/lich?nam=2026',
      '/quan-tri/tai-khoan',
      '/quan-tri/tai-khoan/moi',
      `/quan-tri/tai-khoan/${user.id}`,
      '/quan-tri/ma-truy-cap',
      '/quan-tri/mau-thu',
      '/quan-tri/kenh-gui',
    );
  });

  async function visit(page: Page, who: string, url: string): Promise<void> {
    const response = await page.goto(url);
    assert.equal(response?.status(), 200, `${who} opening ${url} should get the page`);
    const name = `a11y-${who}-${url.replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-').slice(0, 60) || 'root'}`;
    await screenshot(page, name);
    await assertAccessible(page, `${url} (${who})`);
  }

  for (const who of ['public', 'counter', 'officer', 'leader', 'supervisor', 'admin'] as const) {
    it(`${who === 'public' ? 'citizens’ pages on a 360 px phone' : `the ${who}’s pages`}`, async () => {
      const context = await rig.newContext(who === 'public' ? PHONE : {});
      try {
        const page = await context.newPage();
        if (who !== 'public') {
          await signIn(page, who === 'counter' ? 'motcua' : who === 'officer' ? 'xuly' : who === 'leader' ? 'lanhdao' : who === 'supervisor' ? 'giamsat' : 'quantri', STAFF_PASSWORD);
        }
        for (const url of urls[who]) {
          await visit(page, who, url);
          if (who === 'public') {
            const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
            assert.ok(overflow <= 0, `${url} is ${overflow} px wider than a 360 px phone`);
          }
        }
      } finally {
        await context.close();
      }
    });
  }
});
