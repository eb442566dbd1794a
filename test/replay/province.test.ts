import assert from 'node:assert/strict';
import { DEFAULT_REPLAY_PARAMS, loadReplayParams, type ReplayParams } from '../../src/replay/params';
import { afterOfficeHours, arrivalsForDay, dossierBodyOf, dossierInputOf, finishInstant, installCatalogue, provinceCatalogue, type DossierArrival } from '../../src/replay/province';
import type { FaultParams as FaultsSeam } from '../../src/replay/faults';
import type { AuditParams } from '../../src/replay/audit-types';
import { WorkingCalendar } from '../../src/domain/calendar';
import { NATIONAL_DECISIONS } from '../../src/domain/national-calendar';
import { expectedArrivals, intakeModelOf } from '../../src/replay/intake';
import { dayStartMs, dayToIso, formatVnIso, localDayOf, weekdayOf, DAY_MS } from '../../src/domain/time';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createTestContext, onPostgres, type TestContext } from '../support/context';

/** Counts of a whole run, kept small: the year is generated once for all the checks below. */
interface YearTally {
  total: number;
  perDay: number[];
  sources: Record<string, number>;
  contacts: Record<string, number>;
  agencies: Record<string, number>;
}

function contactOf(a: DossierArrival): string {
  if (a.applicant.phone) return a.applicant.zalo ? 'zalo' : 'noZaloPhone';
  return a.applicant.email ? 'email' : 'none';
}

function tally(p: ReplayParams): YearTally {
  const t: YearTally = { total: 0, perDay: [], sources: {}, contacts: {}, agencies: {} };
  for (let d = 0; d < p.days; d++) {
    const day = arrivalsForDay(p, d);
    t.perDay.push(day.length);
    t.total += day.length;
    for (const a of day) {
      t.sources[a.source] = (t.sources[a.source] ?? 0) + 1;
      const c = contactOf(a);
      t.contacts[c] = (t.contacts[c] ?? 0) + 1;
      t.agencies[a.agencyCode] = (t.agencies[a.agencyCode] ?? 0) + 1;
    }
  }
  return t;
}

describe('replay: the synthetic province', function () {
  // A year at a tenth of the default volume: the shape is the same, and it takes a fraction of a second.
  const year = loadReplayParams(undefined, { yearlyVolume: 70_000 });
  let t: YearTally;

  before(function () {
    this.timeout(60_000);
    t = tally(year);
  });

  it('gives the same arrivals for the same seed, and different ones for another seed', () => {
    for (const d of [0, 5, 40, 200]) {
      assert.deepEqual(arrivalsForDay(year, d), arrivalsForDay(year, d), `day ${d}: generating twice gave different dossiers`);
    }
    const other = loadReplayParams(undefined, { yearlyVolume: 70_000, seed: year.seed + 1 });
    const a = arrivalsForDay(year, 5);
    const b = arrivalsForDay(other, 5);
    assert.ok(a.length > 0, 'a Tuesday in January receives dossiers');
    assert.notDeepEqual(
      a.map((x) => [x.receivedAt, x.applicant.name]),
      b.map((x) => [x.receivedAt, x.applicant.name]),
      'another seed should give other dossiers',
    );
  });

  it('generates a day on its own: day 40 is the same whether or not the days before were generated', () => {
    const fresh = loadReplayParams(undefined, { yearlyVolume: 70_000 });
    assert.deepEqual(arrivalsForDay(fresh, 40), arrivalsForDay(year, 40));
  });

  it('receives the yearly volume within 2 % over a year', () => {
    const drift = Math.abs(t.total - year.yearlyVolume) / year.yearlyVolume;
    assert.ok(drift <= 0.02, `a year received ${t.total} dossiers, ${(drift * 100).toFixed(2)} % away from yearlyVolume ${year.yearlyVolume}`);
    const expected = expectedArrivals(year);
    assert.ok(Math.abs(expected - year.yearlyVolume) < 1, `the model expects ${expected} over the calendar year 2026, not yearlyVolume ${year.yearlyVolume}`);
  });

  it('expects a month at about its share of the year, and February 2026 (rush, nine-day Tết break, quiet after) below it', () => {
    const perDay = year.yearlyVolume / 365;
    const january = expectedArrivals(year, 0, 31);
    const february = expectedArrivals(year, 31, 59);
    assert.ok(Math.abs(january / (perDay * 31) - 1) < 0.1, `January expects ${january.toFixed(0)}, not about a 31-day share (${(perDay * 31).toFixed(0)})`);
    // The break's nine days off outweigh the rush before it.
    assert.ok(february < perDay * 28 * 0.9, `February 2026 holds the Tết break and expects ${february.toFixed(0)}, not under a 28-day share (${(perDay * 28).toFixed(0)})`);
  });

  it('sorts each day by receipt, inside office hours of that day, with unique codes', () => {
    const codes = new Set<string>();
    for (const d of [0, 5, 60, 180]) {
      const day = arrivalsForDay(year, d);
      for (let i = 0; i < day.length; i++) {
        const a = day[i];
        if (i > 0) assert.ok(day[i - 1].receivedAt <= a.receivedAt, `day ${d}: dossier ${i} is received before the one listed ahead of it`);
        assert.equal(localDayOf(new Date(a.receivedAt)), intakeModelOf(year).startDay + d, `${a.code} is received on another day than the one asked for`);
        assert.ok(!codes.has(a.code), `code ${a.code} given twice`);
        codes.add(a.code);
        if (a.submittedAt !== undefined) assert.ok(a.submittedAt <= a.receivedAt, `${a.code} submitted after it was received`);
      }
    }
  });

  it('receives nothing on Sundays and holidays, and little on the Saturday swapped for a working day', () => {
    const start = intakeModelOf(year).startDay;
    for (let d = 0; d < year.days; d++) {
      if (weekdayOf(start + d) === 0) assert.equal(t.perDay[d], 0, `Sunday ${dayToIso(start + d)} received ${t.perDay[d]} dossiers`);
    }
    // 2026: Tết Dương lịch 01/01 off; Friday 02/01 off, worked back on Saturday 10/01.
    assert.equal(t.perDay[0], 0, '01/01/2026 is a holiday');
    assert.equal(t.perDay[1], 0, '02/01/2026 is a swapped day off');
    const swapped = t.perDay[9];
    const ordinarySaturday = t.perDay[16]; // 17/01: only the ward open on Saturday mornings receives
    assert.ok(swapped > ordinarySaturday, `the swapped Saturday 10/01 (${swapped}) should receive more than an ordinary Saturday (${ordinarySaturday})`);
  });

  it('is quiet in the Tết weeks and busier in the week before', () => {
    const model = intakeModelOf(year);
    const tet = model.tetWindow(2026);
    const weekOf = (from: number) => t.perDay.slice(from - model.startDay, from - model.startDay + 7).reduce((s, n) => s + n, 0);
    const averageWeek = (t.total / year.days) * 7;
    const breakWeek = weekOf(tet.breakStart);
    const before = weekOf(tet.breakStart - 7);
    assert.ok(breakWeek < averageWeek * 0.5, `the Tết week from ${dayToIso(tet.breakStart)} received ${breakWeek}, expected well under the average week (${averageWeek.toFixed(0)})`);
    assert.ok(before > averageWeek * 1.15, `the week before Tết received ${before}, expected a rush above the average week (${averageWeek.toFixed(0)})`);
    const after = weekOf(tet.breakEnd + 1);
    assert.ok(after < before, `the week after Tết (${after}) should be quieter than the week before (${before})`);
  });

  it('keeps the source, contact and agency shares of the parameters', () => {
    const near = (label: string, got: number, want: number) =>
      assert.ok(Math.abs(got / t.total - want) < 0.01, `${label}: ${((got / t.total) * 100).toFixed(2)} % of dossiers, parameters say ${(want * 100).toFixed(2)} %`);
    for (const [k, v] of Object.entries(year.intake.sources)) near(`source ${k}`, t.sources[k] ?? 0, v);
    for (const [k, v] of Object.entries(year.contacts)) near(`contact ${k}`, t.contacts[k] ?? 0, v);
    const shareTotal = year.agencies.reduce((s, a) => s + a.share, 0);
    for (const a of year.agencies) near(`agency ${a.code}`, t.agencies[a.code] ?? 0, a.share / shareTotal);
  });

  it('draws slips near each agency’s slip rate', () => {
    const days = [...Array(year.days).keys()].filter((d) => d % 3 === 0);
    const by = new Map<string, { n: number; late: number }>();
    for (const d of days) {
      for (const a of arrivalsForDay(year, d)) {
        const s = by.get(a.agencyCode) ?? { n: 0, late: 0 };
        s.n++;
        if (a.fate.slips) s.late++;
        assert.equal(a.fate.slips, a.fate.workShare > 1, `${a.code}: workShare ${a.fate.workShare} disagrees with slips=${a.fate.slips}`);
        by.set(a.agencyCode, s);
      }
    }
    for (const a of year.agencies.filter((x) => x.share > 0)) {
      const s = by.get(a.code)!;
      const sd = Math.sqrt((a.slipRate * (1 - a.slipRate)) / s.n);
      assert.ok(Math.abs(s.late / s.n - a.slipRate) < 4 * sd + 0.002, `${a.code}: ${s.late} of ${s.n} slipped, slip rate ${a.slipRate}`);
    }
  });
});

describe('replay: arrivals become dossiers the service accepts', function () {
  let ctx: TestContext;
  afterEach(() => ctx?.close());

  it(`creates a day's sample of dossiers through DossierService.create (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, async () => {
    const p = DEFAULT_REPLAY_PARAMS;
    const arrivals = arrivalsForDay(p, 12); // Tuesday 13/01/2026
    assert.ok(arrivals.length > 100, `a January Tuesday should receive a full day, got ${arrivals.length}`);
    ctx = await createTestContext(new Date(dayStartMs(intakeModelOf(p).startDay + 12) + DAY_MS).toISOString());
    await installCatalogue(ctx.services.registry, SYSTEM_ACTOR, p);
    const { procedures } = provinceCatalogue(p);
    assert.equal((await ctx.services.registry.listProcedures()).length, procedures.length, 'every procedure of the catalogue was created');
    // Every procedure and source at least once, then a spread of the rest.
    const sample: DossierArrival[] = [];
    const seen = new Set<string>();
    for (const a of arrivals) {
      const key = `${a.procedureCode}|${a.source}|${a.applicant.kind}`;
      if (!seen.has(key) || sample.length < 60) sample.push(a);
      seen.add(key);
    }
    for (const a of sample) {
      const { view, created } = await ctx.services.dossiers.create(dossierInputOf(a), SYSTEM_ACTOR);
      assert.ok(created, `${a.code} was not created`);
      assert.equal(view.decidingAgency.code, a.agencyCode, `${a.code} should be decided by ${a.agencyCode}`);
      assert.equal(view.receivingAgency.code, a.receivingAgencyCode);
      assert.ok((view.dossier.currentDueAt ?? 0) > a.receivedAt, `${a.code}: due date ${view.dossier.currentDueAt} is not after receipt ${a.receivedAt}`);
    }
    // And through the HTTP API, as a driver with server processes receives them.
    for (const a of arrivals.filter((x) => !sample.includes(x)).slice(0, 40)) {
      const res = await ctx.api('post', '/api/v1/dossiers').send(dossierBodyOf(a));
      assert.equal(res.status, 201, `POST /api/v1/dossiers refused ${a.code}: ${JSON.stringify(res.body)}`);
      const body = res.body as { acceptedAt: string; decidingAgencyCode: string; consent: { zalo: boolean } };
      assert.equal(Date.parse(body.acceptedAt), a.receivedAt, `${a.code} accepted at ${body.acceptedAt}, received at ${formatVnIso(new Date(a.receivedAt))}`);
      assert.equal(body.decidingAgencyCode, a.agencyCode);
      assert.equal(body.consent.zalo, a.applicant.zalo);
    }
  });
});

describe('replay: turning a fate into instants on the working calendar', () => {
  const cal = new WorkingCalendar({ entries: NATIONAL_DECISIONS });
  const friday = Date.parse('2026-02-13T15:00:00+07:00'); // the last afternoon before the Tết break

  it('counts office hours across a weekend and the Tết break', () => {
    // 2.5 office hours from Friday 15:00: two until 17:00; the break runs to Sunday 22/02; the last half hour from 07:30 on Monday 23/02.
    assert.equal(new Date(afterOfficeHours(cal, friday, 2.5)).toISOString(), new Date('2026-02-23T08:00:00+07:00').toISOString());
  });

  it('finishes before the due date for workShare < 1 and after it for workShare > 1', () => {
    const due = Date.parse('2026-03-06T17:00:00+07:00');
    assert.ok(finishInstant(cal, friday, due, 0.95) < due, 'a dossier using 95 % of its time is finished in time');
    assert.ok(finishInstant(cal, friday, due, 1.05) > due, 'a dossier needing 105 % of its time is late');
  });
});

// The seams other modules of the replay declare on their side: these lines stop compiling if the
// parameters drift from them.
export const faultsFit: FaultsSeam = DEFAULT_REPLAY_PARAMS.faults;
export const auditFits: AuditParams = DEFAULT_REPLAY_PARAMS;
