/**
 * The registry at scale: one million open dossiers.
 *
 *  1. Setup (not measured): a fresh database, 3 agencies, 4 procedures counted in working days,
 *     and 1,000,000 dossiers bulk-inserted with multi-row INSERTs inside transactions. Their due
 *     dates are spread over ±60 days around a fixed `now` and computed with the real calendar
 *     (the one CalendarService builds), so a recomputation moves only the dossiers a calendar
 *     change truly affects. A few percent are paused (waiting for a supplement, no due date) or
 *     re-appointed (extensions_count 1): a recomputation must leave those alone.
 *  2. Recompute: a national day off is entered about 20 days after `now` and
 *     RecomputeService.recompute(null, …) is timed over every dossier. The number moved is checked
 *     against the number expected from counting in memory with the new calendar, and a sample of
 *     rows is read back and compared with computeDue.
 *  3. Sweeper: DossierRepository.dueBetween(now, end of the next working day, 10000), median
 *     of 20 runs, next to the bare indexed range query on current_due_at, and their ratio.
 *
 * Runs on SQLite (a file in a temp dir) and, when BENCH_PG_URL is set, also on that PostgreSQL
 * database, reported beside it with a `pg_` prefix. BENCH_PG_URL's database is WIPED (every
 * migration rolled back) before and after.
 *
 *   node --import tsx bench/registry.bench.ts                 # 1,000,000 rows
 *   BENCH_ROWS=50000 node --import tsx bench/registry.bench.ts   # a quick try
 */
import { CalendarRepository } from '../src/db/calendar';
import { DossierRepository } from '../src/db/dossiers';
import type { Agency } from '../src/db/agencies';
import { WorkingCalendar } from '../src/domain/calendar';
import { computeDue } from '../src/domain/deadline';
import type { CalendarEntry } from '../src/domain/holidays';
import { dayStartMs, dayToIso, localDayOf, weekdayOf, MINUTE_MS, DAY_MS, type DayNumber } from '../src/domain/time';
import { weekScheduleOf } from '../src/services/calendar';
import {
  ACTOR,
  analyze,
  DOSSIER_COLUMNS,
  FOLDED,
  insertDossiers,
  insertOpenPauses,
  log,
  median,
  NAMES,
  NOW,
  openBench,
  round,
  seconds,
  sqlText,
  xorshift,
  type BenchSetup,
  type Result,
} from './support/load';

const SWEEP_RUNS = 20;
const SWEEP_LIMIT = 10_000;
const VERIFY_SAMPLE = 2000;

/** The first working weekday at least 20 days after `now`: where the new national day off goes. */
function dayOffAfter(cal: WorkingCalendar, now: Date): DayNumber {
  let d = localDayOf(now) + 20;
  while (!cal.isWorkingDay(d) || weekdayOf(d) === 0 || weekdayOf(d) === 6) d++;
  return d;
}

interface LoadReport {
  expectedMoved: number;
  recomputable: number;
  paused: number;
  reappointed: number;
  loadSeconds: number;
  /** Due dates relative to now, in days: earliest, latest, and the share after now. */
  dueMinDays: number;
  dueMaxDays: number;
  dueAfterNowShare: number;
}

/**
 * Inserts `rows` dossiers. Each due date is what computeDue gives with the agency's current
 * calendar; the same dossier is also counted with `after` (the calendar with the new day off)
 * to know how many a recomputation should move.
 */
async function load(setup: BenchSetup, rows: number, before: Map<number, WorkingCalendar>, after: Map<number, WorkingCalendar>, label: string): Promise<LoadReport> {
  const { db, agencies, procedures } = setup;
  const rnd = xorshift(0x5eed1e55);
  const nowMs = NOW.getTime();
  const today = localDayOf(NOW);
  const receiving = agencies.find((a) => a.code === 'TTPVHCC') as Agency;
  const hash = 'b'.repeat(64);
  const report: LoadReport = { expectedMoved: 0, recomputable: 0, paused: 0, reappointed: 0, loadSeconds: 0, dueMinDays: Infinity, dueMaxDays: -Infinity, dueAfterNowShare: 0 };
  let dueAfterNow = 0;
  const pausedIds: number[] = [];
  // Calendar days spanned by each procedure, to place acceptance so that due dates land within ±60 days.
  const span = new Map(procedures.map((p) => [p.id, Math.ceil(p.timeAmount * 1.45) + 2]));
  const t0 = process.hrtime.bigint();
  const row = (seq: number): string => {
    const proc = procedures[Math.floor(rnd() * procedures.length)];
    const deciding = proc.agencyId as number;
    const cal = before.get(deciding) as WorkingCalendar;
    // Acceptance: a working day from (now - 60 days - span) to (now + 60 days - span), never
    // after now, so that due dates spread over ±60 days around now.
    const sp = span.get(proc.id) as number;
    const lo = Math.max(0, sp - 60);
    let day = today - (lo + Math.floor(rnd() * (60 + sp - lo + 1)));
    while (!cal.isWorkingDay(day)) day--;
    const minute = 450 + Math.floor(rnd() * 570); // 07:30 … 17:00, lunch included: a counter sometimes works through it
    let accepted = dayStartMs(day) + minute * MINUTE_MS + Math.floor(rnd() * 60) * 1000;
    if (accepted > nowMs) accepted = nowMs - Math.floor(rnd() * 3600) * 1000;
    const due = computeDue(cal, new Date(accepted), { unit: 'days', amount: proc.timeAmount }).getTime();
    const rel = (due - nowMs) / DAY_MS;
    if (rel < report.dueMinDays) report.dueMinDays = rel;
    if (rel > report.dueMaxDays) report.dueMaxDays = rel;
    if (rel > 0) dueAfterNow++;
    const u = rnd();
    let state = u < 0.48 ? 'received' : 'processing';
    let current: number | null = due;
    let extensions = 0;
    let version = 1;
    if (u > 0.97) {
      state = 'waiting_supplement';
      current = null;
      report.paused++;
    } else if (u > 0.95) {
      extensions = 1;
      version = 2;
      current = cal.endOfDay(cal.addWorkingDays(localDayOf(new Date(due)), 5)).getTime();
      report.reappointed++;
    } else {
      report.recomputable++;
      const moved = computeDue(after.get(deciding) as WorkingCalendar, new Date(accepted), { unit: 'days', amount: proc.timeAmount }).getTime();
      if (moved !== due) report.expectedMoved++;
    }
    if (state === 'waiting_supplement') pausedIds.push(seq);
    const name = Math.floor(rnd() * NAMES.length);
    const phone = `+849${String(10_000_000 + (seq % 89_999_999)).padStart(8, '0')}`;
    return (
      `('B${String(seq).padStart(8, '0')}',${proc.id},${receiving.id},${deciding},'person',${sqlText(`${NAMES[name]} ${seq}`)},'${phone}',` +
      `${rnd() < 0.6},false,false,'${rnd() < 0.4 ? 'online' : 'counter'}',${accepted},${accepted},'days',${proc.timeAmount},${due},` +
      `${current === null ? 'null' : current},${version},${extensions},'${state}',${sqlText(`b${String(seq).padStart(8, '0')} ${FOLDED[name]} ${seq}`)},'${hash}',${nowMs},${nowMs})`
    );
  };
  await insertDossiers(db, rows, DOSSIER_COLUMNS, row, label, t0);
  // Paused dossiers get their open pause, as the service would have recorded it. Ids are 1…rows on a fresh table.
  await insertOpenPauses(db, pausedIds, nowMs - DAY_MS);
  await analyze(db);
  report.loadSeconds = seconds(t0);
  report.dueAfterNowShare = dueAfterNow / rows;
  return report;
}

async function runOn(kind: 'sqlite' | 'pg', rows: number, pgUrl?: string): Promise<Result> {
  const setup = await openBench(kind, pgUrl);
  const label = setup.label;
  try {
    const { s, db, agencies } = setup;
    const maxId = Number((await db('dossiers').max({ m: 'id' }).first())?.m ?? 0);
    if (maxId !== 0) throw new Error('the dossiers table should be empty before the load');

    // Calendars before and after the change, built exactly as CalendarService builds them.
    const nationalCal = await s.calendars.forAgency(null);
    const dayOff = dayOffAfter(nationalCal, NOW);
    const newEntry: CalendarEntry = {
      date: dayToIso(dayOff),
      kind: 'off',
      occasion: null,
      name: 'Ngày nghỉ bổ sung (đo hiệu năng)',
      source: 'bench/registry.bench.ts',
      estimate: false,
      agencyCode: null,
    };
    const stored = await new CalendarRepository(db).all();
    const before = new Map<number, WorkingCalendar>();
    const after = new Map<number, WorkingCalendar>();
    for (const a of agencies) {
      before.set(a.id, await s.calendars.forAgency(a));
      after.set(a.id, new WorkingCalendar({ entries: [...stored, newEntry], schedule: weekScheduleOf(a.settings.officeHours), agencyCode: a.code }));
    }

    log(`[${label}] loading ${rows.toLocaleString('en')} dossiers…`);
    const loaded = await load(setup, rows, before, after, label);
    log(`[${label}] loaded in ${loaded.loadSeconds.toFixed(1)} s; entering a national day off on ${newEntry.date} and recomputing…`);

    await s.calendars.saveEntries([newEntry], ACTOR);
    const t0 = process.hrtime.bigint();
    const rep = await s.recompute.recompute(null, ACTOR, `Ngày nghỉ ${newEntry.date}`);
    const recomputeSeconds = seconds(t0);
    log(`[${label}] recompute: ${recomputeSeconds.toFixed(2)} s, examined ${rep.examined.toLocaleString('en')}, moved ${rep.moved.toLocaleString('en')} (expected ${loaded.expectedMoved.toLocaleString('en')})`);

    // Read back a sample and count it again with the new calendar.
    const rnd = xorshift(0xc0ffee);
    const ids = Array.from({ length: Math.min(VERIFY_SAMPLE, rows) }, () => 1 + Math.floor(rnd() * rows));
    const sample = (await db('dossiers').whereIn('id', ids).select('*')) as Record<string, unknown>[];
    let wrong = 0;
    for (const r of sample) {
      if (r.state === 'waiting_supplement' || Number(r.extensions_count) > 0) continue;
      const want = computeDue(after.get(Number(r.deciding_agency_id)) as WorkingCalendar, new Date(Number(r.clock_started_at)), {
        unit: 'days',
        amount: Number(r.clock_amount),
      }).getTime();
      if (Number(r.current_due_at) !== want) wrong++;
    }
    const events = Number((await db('dossier_events').where('kind', 'due_recomputed').count({ n: '*' }).first())?.n ?? 0);
    const check = rep.moved === loaded.expectedMoved && rep.examined === loaded.recomputable && wrong === 0 && events === rep.moved ? 'ok' : 'MISMATCH';

    // The sweeper's window: from now to the end of the next working day.
    const today = localDayOf(NOW);
    const until = nationalCal.endOfDay(nationalCal.addWorkingDays(today, 1)).getTime() + 1;
    const from = NOW.getTime();
    const repo = new DossierRepository(db);
    const bare = () => db('dossiers').select('id').where('current_due_at', '>=', from).where('current_due_at', '<', until).limit(SWEEP_LIMIT);
    let sweeperRows = 0;
    let bareRows = 0;
    for (let i = 0; i < 3; i++) {
      sweeperRows = (await repo.dueBetween(from, until, SWEEP_LIMIT)).length;
      bareRows = (await bare()).length;
    }
    const sweepMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < SWEEP_RUNS; i++) {
      let t = process.hrtime.bigint();
      await repo.dueBetween(from, until, SWEEP_LIMIT);
      sweepMs.push(seconds(t) * 1000);
      t = process.hrtime.bigint();
      await bare();
      bareMs.push(seconds(t) * 1000);
    }
    const sweeper = median(sweepMs);
    const bareMedian = median(bareMs);
    log(`[${label}] sweeper: median ${sweeper.toFixed(2)} ms for ${sweeperRows} rows; bare range query ${bareMedian.toFixed(2)} ms for ${bareRows} rows`);

    return {
      rows,
      load_s: round(loaded.loadSeconds, 1),
      due_spread_days: `${Math.floor(loaded.dueMinDays)}…+${Math.ceil(loaded.dueMaxDays)} (${Math.round(loaded.dueAfterNowShare * 100)}% after now)`,
      paused: loaded.paused,
      reappointed: loaded.reappointed,
      day_off: newEntry.date,
      recompute_s: round(recomputeSeconds),
      recompute_examined: rep.examined,
      recompute_moved: rep.moved,
      recompute_expected_moved: loaded.expectedMoved,
      recompute_rows_per_s: Math.round(rep.examined / recomputeSeconds),
      recompute_check: check,
      sweeper_rows: sweeperRows,
      sweeper_median_ms: round(sweeper),
      bare_range_rows: bareRows,
      bare_range_median_ms: round(bareMedian),
      sweeper_vs_bare_ratio: round(sweeper / bareMedian),
    };
  } finally {
    await setup.close();
  }
}

export async function benchRegistry(options: { rows?: number } = {}): Promise<Record<string, number | string>> {
  const rows = options.rows ?? (Number(process.env.BENCH_ROWS) || 1_000_000);
  const out: Result = { now: NOW.toISOString(), ...(await runOn('sqlite', rows)) };
  const pgUrl = process.env.BENCH_PG_URL;
  if (pgUrl) {
    const pg = await runOn('pg', rows, pgUrl);
    for (const [k, v] of Object.entries(pg)) out[`pg_${k}`] = v;
  }
  return out;
}

if (require.main === module) {
  benchRegistry().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
