import assert from 'node:assert/strict';
import type { Db } from '../../src/db/connection';
import { normalizeVnMobile } from '../../src/domain/contact';
import { DOSSIER_STATES, type DossierState } from '../../src/domain/dossier';
import { createLogger } from '../../src/logger';
import { buildServices, type Services } from '../../src/compose';
import { FixedClock } from '../../src/clock';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { DEMO_DOSSIERS, isEmpty, seedDemo } from '../../src/demo/seed';
import { FakePdfRenderer } from '../fakes/pdf';
import { freshDatabase } from '../support/context';

// Tue 10/03/2026 10:15 in Vietnam: a working day, mid-morning, so dossiers can be due today.
const NOW = new Date('2026-03-10T10:15:00+07:00');

interface Fresh {
  db: Db;
  s: Services;
  close(): Promise<void>;
}

/** A fresh, migrated database (test/support/context.ts) and the services around it. */
async function fresh(now: Date): Promise<Fresh> {
  const { config, db, close } = await freshDatabase();
  const s = buildServices(config, db, new FixedClock(now), createLogger('silent'), { pdf: new FakePdfRenderer() });
  return { db, s, close };
}

async function allViews(s: Services) {
  return (await s.dossiers.list({}, 'code', 10_000, 0, SYSTEM_ACTOR)).items;
}

describe('demo seed', function () {
  this.timeout(60_000);
  let ctx: Fresh;
  let report: Awaited<ReturnType<typeof seedDemo>>;
  let emptyBefore: boolean;
  let seconds: number;

  before(async () => {
    ctx = await fresh(NOW);
    emptyBefore = await isEmpty(ctx.s);
    const t0 = process.hrtime.bigint();
    report = await seedDemo(ctx.s, NOW);
    seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  });
  after(async () => ctx?.close());

  it('loads only into an empty database, and the database is no longer empty after', async () => {
    assert.equal(emptyBefore, true, 'a freshly migrated database should count as empty');
    assert.equal(await isEmpty(ctx.s), false, 'after seeding, the database should no longer count as empty');
  });

  it('reports what it created, matching the database', async () => {
    const agencies = await ctx.s.registry.listAgencies();
    const procedures = await ctx.s.registry.listProcedures();
    const dossiers = Number((await ctx.db('dossiers').count({ n: '*' }).first())?.n);
    assert.equal(report.agencies, agencies.length, 'reported agency count should match the agencies table');
    assert.equal(report.procedures, procedures.length, 'reported procedure count should match the procedures table');
    assert.equal(report.dossiers, dossiers, 'reported dossier count should match the dossiers table');
    assert.equal(report.dossiers, DEMO_DOSSIERS, `the demo should create ${DEMO_DOSSIERS} dossiers`);
    assert.ok(agencies.length >= 8, `expected a centre, departments and wards/communes, got ${agencies.length} agencies`);
    assert.ok(procedures.length >= 12, `expected about a dozen procedures, got ${procedures.length}`);
    const levels = new Set(agencies.map((a) => a.level));
    for (const level of ['center', 'department', 'commune']) assert.ok(levels.has(level as never), `expected an agency of level '${level}'`);
    assert.ok(agencies.some((a) => a.settings.apologyMode === 'review'), 'expected one agency that reviews apologies before they go out');
    assert.ok(
      agencies.some((a) => a.level === 'commune' && (a.settings.officeHours.sat?.length ?? 0) > 0),
      'expected one ward/commune open on Saturday mornings',
    );
    const units = new Set(procedures.map((p) => p.timeUnit));
    assert.deepEqual([...units].sort(), ['days', 'hours', 'same_day'], 'procedures should be counted in days, in hours and same-day');
    process.stderr.write(`      (seeded ${report.dossiers} dossiers in ${seconds.toFixed(2)} s)\n`);
  });

  it('puts dossiers in every state', async () => {
    const rows = (await ctx.db('dossiers').select('state').count({ n: '*' }).groupBy('state')) as { state: DossierState; n: number | string }[];
    const byState = new Map(rows.map((r) => [r.state, Number(r.n)]));
    for (const state of DOSSIER_STATES) {
      assert.ok((byState.get(state) ?? 0) > 0, `expected at least one dossier in state '${state}', got ${JSON.stringify(Object.fromEntries(byState))}`);
    }
    const resolutions = new Set((await ctx.db('dossiers').whereNotNull('resolution').distinct('resolution')).map((r: { resolution: string }) => r.resolution));
    for (const r of ['early', 'on_time', 'late']) assert.ok(resolutions.has(r), `expected dossiers resolved '${r}'`);
  });

  it('has overdue, due-soon and paused dossiers as the service sees them at "now"', async () => {
    const overdue = await ctx.s.dossiers.list({ timeliness: 'overdue' }, 'due', 500, 0, SYSTEM_ACTOR);
    assert.ok(overdue.total > 0, 'expected at least one open dossier already past its due date');
    assert.ok(
      overdue.items.every((v) => v.timeliness === 'overdue' && (v.dossier.currentDueAt as number) < NOW.getTime()),
      'every dossier listed as overdue should be open and past due',
    );
    const soon = await ctx.s.dossiers.list({ timeliness: 'due_soon' }, 'due', 500, 0, SYSTEM_ACTOR);
    assert.ok(soon.total > 0, 'expected at least one open dossier due soon (today or the next working day)');
    const paused = (await allViews(ctx.s)).filter((v) => v.timeliness === 'paused');
    assert.ok(paused.length > 0, 'expected at least one dossier paused while waiting for a supplement');
    assert.ok(paused.every((v) => v.dossier.currentDueAt === null), 'a paused dossier has no running due date');
  });

  it('dates everything in the past three months, through the service rules', async () => {
    const views = await allViews(ctx.s);
    const threeMonths = 95 * 86_400_000;
    for (const { dossier: d } of views) {
      assert.ok(d.acceptedAt <= NOW.getTime(), `${d.code} was accepted after "now"`);
      assert.ok(d.acceptedAt >= NOW.getTime() - threeMonths, `${d.code} was accepted more than three months before "now"`);
      assert.ok(d.submittedAt === null || d.submittedAt <= d.acceptedAt, `${d.code} was submitted after it was accepted`);
      assert.match(d.code, /^H13\.[A-Z]+-\d{6}-\d{4}$/, `${d.code} should look like a receipt number`);
    }
    const lastEvent = Number((await ctx.db('dossier_events').max({ m: 'occurred_at' }).first())?.m);
    assert.ok(lastEvent <= NOW.getTime(), 'no event may lie after "now"');
    const channels = new Set(views.map((v) => v.dossier.channel));
    assert.deepEqual([...channels].sort(), ['counter', 'online', 'post'], 'dossiers should arrive online, at the counter and by post');
  });

  it('uses realistic applicants: NFC names, valid mobiles, representatives and organisations', async () => {
    const views = await allViews(ctx.s);
    for (const { dossier: d } of views) {
      assert.equal(d.applicantName, d.applicantName.normalize('NFC'), `${d.code}: applicant name should be NFC`);
      for (const phone of [d.phone, d.representativePhone]) {
        if (phone !== null) assert.equal(normalizeVnMobile(phone), phone, `${d.code}: ${phone} should be a valid mobile stored in E.164`);
      }
    }
    assert.ok(views.some((v) => v.dossier.representativeName), 'expected dossiers filed by an authorised representative');
    assert.ok(views.some((v) => v.dossier.applicantKind === 'organisation'), 'expected dossiers of organisations');
    assert.ok(views.some((v) => v.dossier.email), 'expected applicants with an e-mail address');
    assert.ok(views.some((v) => /[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/u.test(v.dossier.applicantName)), 'expected Vietnamese names');
  });

  it('returns an installation-wide API token that authenticates', async () => {
    const actor = await ctx.s.tokens.authenticate(`Bearer ${report.token}`);
    assert.equal(actor.agencyId, null, 'the demo token should be installation-wide');
    assert.equal(actor.name, 'token:demo');
  });

  it('depends only on "now": a second seeding gives the same dossiers', async () => {
    const snapshot = async (s: Services) =>
      (await allViews(s)).map((v) => [v.dossier.code, v.dossier.state, v.dossier.currentDueAt, v.dossier.resolution, v.dossier.applicantName].join('|'));
    const first = await snapshot(ctx.s);
    const again = await fresh(NOW);
    try {
      await seedDemo(again.s, NOW);
      assert.deepEqual(await snapshot(again.s), first, 'seeding twice with the same "now" should give identical dossiers');
    } finally {
      await again.close();
    }
  });

  it('still fits every scenario when "now" is a Sunday evening of a holiday week', async () => {
    const sunday = new Date('2026-02-22T20:00:00+07:00'); // last day of the Tết 2026 break
    const other = await fresh(sunday);
    try {
      const r = await seedDemo(other.s, sunday);
      assert.equal(r.dossiers, DEMO_DOSSIERS);
      const soon = await other.s.dossiers.list({ timeliness: 'due_soon' }, 'due', 500, 0, SYSTEM_ACTOR);
      assert.ok(soon.total > 0, 'even on a Sunday evening, some dossiers should be due on the next working day');
    } finally {
      await other.close();
    }
  });
});
