/**
 * The period report at scale: one million dossiers over 14 months, the report for a past quarter
 * (2025-Q4) grouped by agency.
 *
 *  1. Setup (not measured): a fresh database with the bench agencies and procedures, 1,000,000
 *     dossiers accepted from 01/01/2025 to `now` (10/03/2026) with due dates from the real
 *     calendar; most resolved (early, on time or late), some withdrawn, paused or still open; each
 *     with its `created` event and, when finished, its `resolved` / `withdrawn` event, recorded
 *     when they happened — the history the report replays for dossiers that changed after the
 *     quarter.
 *  2. ReportService.period for 2025-Q4 by agency: median of 5 runs after a warm-up; the same as of
 *     15/01/2026 (more rows replayed from events); by procedure for comparison. The identities
 *     are checked on the answer.
 *
 *   node --import tsx bench/reports.bench.ts                      # SQLite, 1,000,000 rows
 *   BENCH_PG_URL=postgres://…/scratch node --import tsx bench/reports.bench.ts   # and PostgreSQL (wiped)
 *   BENCH_ROWS=100000 node --import tsx bench/reports.bench.ts     # a quick try
 */
import type { Agency } from '../src/db/agencies';
import type { Procedure } from '../src/db/procedures';
import type { WorkingCalendar } from '../src/domain/calendar';
import { computeDue, resolutionOf } from '../src/domain/deadline';
import { brokenIdentities, parsePeriod, type Period } from '../src/domain/reports';
import {
  ACTOR, analyze, DOSSIER_COLUMNS, FOLDED, insertDossiers, log, median, NAMES, NOW, openBench, round, seconds, sqlText, xorshift,
  type DbKind, type Result,
} from './support/load';

const RUNS = 5;
const FROM = new Date('2025-01-01T07:30:00+07:00').getTime();
const DAY = 86_400_000;
const COLUMNS = [...DOSSIER_COLUMNS, 'resolution', 'resolved_at', 'closed_at'];
const EVENTS_PER_STATEMENT = 2000;

interface Plan {
  row: string;
  events: string[];
}

function planner(rows: number, agencies: Agency[], procedures: Procedure[], calendars: Map<number, WorkingCalendar>) {
  const rand = xorshift(766);
  const span = NOW.getTime() - FROM;
  const channels = ['online', 'counter', 'post'];
  return (seq: number): Plan => {
    const p = procedures[seq % procedures.length];
    const deciding = p.agencyId as number;
    const receiving = agencies[seq % 7 === 0 ? 0 : 1].id;
    const accepted = FROM + Math.floor(((seq - 1) / rows) * (span - DAY) + rand() * DAY);
    const due = computeDue(calendars.get(deciding) as WorkingCalendar, new Date(accepted), { unit: 'days', amount: p.timeAmount }).getTime();
    const r = rand();
    let state = 'processing';
    let resolution = 'null';
    let resolvedAt: number | null = null;
    let closedAt: number | null = null;
    const finishAt = accepted + Math.floor((due - accepted) * (0.3 + rand() * 1.1));
    if (finishAt < NOW.getTime()) {
      if (r < 0.9) {
        state = rand() < 0.8 ? 'returned' : 'resolved';
        resolvedAt = finishAt;
        resolution = sqlText(resolutionOf(new Date(finishAt), new Date(due)));
        if (state === 'returned') closedAt = Math.min(finishAt + 2 * DAY, NOW.getTime());
      } else if (r < 0.95) {
        state = 'withdrawn';
        closedAt = finishAt;
      } else if (r < 0.97) state = 'waiting_supplement';
    }
    const updated = closedAt ?? resolvedAt ?? accepted;
    const name = seq % NAMES.length;
    const row = `(${[
      sqlText(`BC-${seq}`), p.id, receiving, deciding, "'person'", sqlText(NAMES[name]), 'null', 'false', 'false', 'false', sqlText(channels[seq % 3]),
      accepted, accepted, "'days'", p.timeAmount, due, state === 'waiting_supplement' ? 'null' : due, 1, 0, sqlText(state),
      sqlText(`bc-${seq} ${FOLDED[name]}`), "'bench'", accepted, updated, resolution, resolvedAt ?? 'null', closedAt ?? 'null',
    ].join(',')})`;
    const ev = (kind: string, at: number, dueAt: number | null) => `(${seq},${sqlText(kind)},${at},${at},'bench','{}',${dueAt ?? 'null'})`;
    const events = [ev('created', accepted, due)];
    if (resolvedAt !== null) events.push(ev('resolved', resolvedAt, null));
    if (state === 'withdrawn') events.push(ev('withdrawn', closedAt as number, null));
    if (state === 'waiting_supplement') events.push(ev('supplement_requested', finishAt, null));
    return { row, events };
  };
}

/** A fresh database with `rows` dossiers and their history (exported for profiling scripts). */
export async function loadReportData(kind: DbKind, rows: number, pgUrl?: string): Promise<Awaited<ReturnType<typeof openBench>>> {
  const setup = await openBench(kind, pgUrl);
  const { s, db } = setup;
  {
    const started = process.hrtime.bigint();
    const calendars = new Map<number, WorkingCalendar>();
    for (const a of setup.agencies) calendars.set(a.id, await s.calendars.forAgency(a));
    const plan = planner(rows, setup.agencies, setup.procedures, calendars);
    let pending: string[] = [];
    const flushEvents = async () => {
      for (let i = 0; i < pending.length; i += EVENTS_PER_STATEMENT) {
        await db.raw(`insert into dossier_events (dossier_id, kind, occurred_at, recorded_at, actor, data, due_at) values ${pending.slice(i, i + EVENTS_PER_STATEMENT).join(',')}`);
      }
      pending = [];
    };
    await insertDossiers(db, rows, COLUMNS, (seq) => {
      const p = plan(seq);
      pending.push(...p.events);
      return p.row;
    }, `reports ${kind}`, started);
    await flushEvents();
    await analyze(db);
    log(`[reports ${kind}] loaded ${rows.toLocaleString('en')} dossiers and their events in ${seconds(started).toFixed(1)} s`);
  }
  return setup;
}

async function runOn(kind: DbKind, rows: number, pgUrl?: string): Promise<Result> {
  const setup = await loadReportData(kind, rows, pgUrl);
  const { s } = setup;
  try {
    const quarter = parsePeriod('2025-Q4') as Period;
    const time = async (fn: () => Promise<unknown>) => {
      await fn();
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = process.hrtime.bigint();
        await fn();
        runs.push(seconds(t));
      }
      return median(runs);
    };
    const report = await s.reports.period({ period: quarter, groupBy: 'agency' }, ACTOR);
    const broken = [...report.rows.map((r) => brokenIdentities(r.figures)), brokenIdentities(report.total)].flat();
    const byAgency = await time(() => s.reports.period({ period: quarter, groupBy: 'agency' }, ACTOR));
    const asOf = await time(() => s.reports.period({ period: quarter, groupBy: 'agency', asOf: new Date('2026-01-15T00:00:00+07:00') }, ACTOR));
    const byProcedure = await time(() => s.reports.period({ period: quarter, groupBy: 'procedure' }, ACTOR));
    log(`[reports ${kind}] quarter by agency ${byAgency.toFixed(3)} s, as of 15/01 ${asOf.toFixed(3)} s, by procedure ${byProcedure.toFixed(3)} s`);
    return {
      rows,
      quarter_received: report.total.received,
      quarter_by_agency_s: round(byAgency, 3),
      quarter_as_of_s: round(asOf, 3),
      quarter_by_procedure_s: round(byProcedure, 3),
      identities: broken.length ? broken.join('; ') : 'ok',
    };
  } finally {
    await setup.close();
  }
}

export async function benchReports(options: { rows?: number } = {}): Promise<Result> {
  const rows = options.rows ?? (Number(process.env.BENCH_ROWS) || 1_000_000);
  const out: Result = await runOn('sqlite', rows);
  const pgUrl = process.env.BENCH_PG_URL;
  if (pgUrl) {
    for (const [k, v] of Object.entries(await runOn('pg', rows, pgUrl))) out[`pg_${k}`] = v;
  }
  return out;
}

if (require.main === module) {
  benchReports().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
