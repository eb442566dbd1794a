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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { createDb, migrateLatest, MIGRATIONS_DIR, type Db } from '../src/db/connection';
import { CalendarRepository } from '../src/db/calendar';
import { DossierRepository } from '../src/db/dossiers';
import { DEFAULT_AGENCY_SETTINGS, type Agency } from '../src/db/agencies';
import type { Procedure } from '../src/db/procedures';
import { WorkingCalendar } from '../src/domain/calendar';
import { computeDue } from '../src/domain/deadline';
import type { CalendarEntry } from '../src/domain/holidays';
import { foldForSearch } from '../src/domain/contact';
import { dayStartMs, dayToIso, localDayOf, weekdayOf, MINUTE_MS, DAY_MS, type DayNumber } from '../src/domain/time';
import { createLogger } from '../src/logger';
import { buildServices, type Services } from '../src/services';
import { weekScheduleOf } from '../src/services/calendar';
import { FixedClock, type Actor } from '../src/services/clock';

/** Tuesday 10/03/2026, 09:00 in Vietnam. */
const NOW = new Date('2026-03-10T09:00:00+07:00');
const ACTOR: Actor = { name: 'bench', agencyId: null };
const ROWS_PER_STATEMENT = 2000;
const ROWS_PER_TRANSACTION = 50_000;
const SWEEP_RUNS = 20;
const SWEEP_LIMIT = 10_000;
const VERIFY_SAMPLE = 2000;

type Result = Record<string, number | string>;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function seconds(fromNs: bigint): number {
  return Number(process.hrtime.bigint() - fromNs) / 1e9;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** xorshift32: deterministic, so every run loads the same data. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function sqlText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const AGENCIES = [
  { code: 'TTPVHCC', name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ', level: 'center' as const, letterSymbol: 'PXL-TTPVHCC' },
  { code: 'SNNMT', name: 'Sở Nông nghiệp và Môi trường', level: 'department' as const, letterSymbol: 'PXL-SNNMT' },
  { code: 'NINHKIEU', name: 'UBND phường Ninh Kiều', level: 'commune' as const, letterSymbol: 'PXL-UBND' },
];

const PROCEDURES = [
  { code: '1.004221', name: 'Đăng ký biến động quyền sử dụng đất', days: 10, agency: 'SNNMT' },
  { code: '1.004227', name: 'Cấp Giấy chứng nhận quyền sử dụng đất lần đầu', days: 20, agency: 'SNNMT' },
  { code: '2.000488', name: 'Cấp Phiếu lý lịch tư pháp', days: 30, agency: 'TTPVHCC' },
  { code: '1.010004', name: 'Cấp giấy phép xây dựng nhà ở riêng lẻ', days: 45, agency: 'NINHKIEU' },
];

const NAMES = ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Hoàng Cường', 'Phạm Ngọc Dung', 'Huỳnh Minh Đức', 'Võ Thị Hạnh', 'Châu Quốc Khang', 'Thạch Thị Mai'];
const FOLDED = NAMES.map((n) => foldForSearch(n));

interface Setup {
  s: Services;
  db: Db;
  agencies: Agency[];
  procedures: Procedure[];
  close(): Promise<void>;
}

async function open(kind: 'sqlite' | 'pg', pgUrl?: string): Promise<Setup> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-bench-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: kind === 'pg' ? pgUrl : undefined, LOG_LEVEL: 'silent' });
  const db = createDb(config.database);
  const wipe = () => db.migrate.rollback({ directory: MIGRATIONS_DIR, loadExtensions: ['.ts'] }, true);
  if (kind === 'pg') await wipe();
  await migrateLatest(db);
  const s = buildServices(config, db, new FixedClock(NOW), createLogger('silent'));
  const agencies: Agency[] = [];
  for (const a of AGENCIES) {
    agencies.push(
      await s.registry.createAgency(
        { ...a, parentName: 'UBND THÀNH PHỐ CẦN THƠ', placeName: 'Cần Thơ', contactEmail: null, contactPhone: null, address: null, settings: { ...DEFAULT_AGENCY_SETTINGS } },
        ACTOR,
      ),
    );
  }
  const procedures: Procedure[] = [];
  for (const p of PROCEDURES) {
    procedures.push(
      await s.registry.createProcedure(
        {
          code: p.code,
          name: p.name,
          field: 'Đất đai',
          agencyId: (agencies.find((a) => a.code === p.agency) as Agency).id,
          timeUnit: 'days',
          timeAmount: p.days,
          sameDayCutoff: null,
          supplementPolicy: 'restart',
          defaultExtensionDays: 5,
          defaultDelayReason: '',
        },
        ACTOR,
      ),
    );
  }
  return {
    s,
    db,
    agencies,
    procedures,
    async close() {
      if (kind === 'pg') await wipe();
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The first working weekday at least 20 days after `now`: where the new national day off goes. */
function dayOffAfter(cal: WorkingCalendar, now: Date): DayNumber {
  let d = localDayOf(now) + 20;
  while (!cal.isWorkingDay(d) || weekdayOf(d) === 0 || weekdayOf(d) === 6) d++;
  return d;
}

const COLUMNS = [
  'code', 'procedure_id', 'receiving_agency_id', 'deciding_agency_id', 'applicant_kind', 'applicant_name', 'phone', 'consent_zalo',
  'consent_email', 'consent_sms', 'channel', 'accepted_at', 'clock_started_at', 'clock_unit', 'clock_amount', 'original_due_at',
  'current_due_at', 'deadline_version', 'extensions_count', 'state', 'search_text', 'content_hash', 'created_at', 'updated_at',
];

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
async function load(setup: Setup, rows: number, before: Map<number, WorkingCalendar>, after: Map<number, WorkingCalendar>, label: string): Promise<LoadReport> {
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
  let n = 0;
  while (n < rows) {
    const txRows = Math.min(ROWS_PER_TRANSACTION, rows - n);
    await db.transaction(async (trx) => {
      for (let done = 0; done < txRows; ) {
        const k = Math.min(ROWS_PER_STATEMENT, txRows - done);
        const values: string[] = new Array(k);
        for (let i = 0; i < k; i++) {
          const seq = n + done + i + 1;
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
          values[i] =
            `('B${String(seq).padStart(8, '0')}',${proc.id},${receiving.id},${deciding},'person',${sqlText(`${NAMES[name]} ${seq}`)},'${phone}',` +
            `${rnd() < 0.6},false,false,'${rnd() < 0.4 ? 'online' : 'counter'}',${accepted},${accepted},'days',${proc.timeAmount},${due},` +
            `${current === null ? 'null' : current},${version},${extensions},'${state}',${sqlText(`b${String(seq).padStart(8, '0')} ${FOLDED[name]} ${seq}`)},'${hash}',${nowMs},${nowMs})`;
        }
        await trx.raw(`insert into dossiers (${COLUMNS.join(', ')}) values ${values.join(',')}`);
        done += k;
      }
    });
    n += txRows;
    if (n % 200_000 === 0 || n === rows) log(`[${label}] loaded ${n.toLocaleString('en')} / ${rows.toLocaleString('en')} dossiers (${seconds(t0).toFixed(1)} s)`);
  }
  // Paused dossiers get their open pause, as the service would have recorded it. Ids are 1…rows on a fresh table.
  for (let i = 0; i < pausedIds.length; i += ROWS_PER_STATEMENT) {
    const chunk = pausedIds.slice(i, i + ROWS_PER_STATEMENT).map((id) => `(${id},'restart',${nowMs - DAY_MS},null)`);
    await db.raw(`insert into dossier_pauses (dossier_id, policy, started_at, due_before) values ${chunk.join(',')}`);
  }
  // A table that grew by a million rows gets its statistics refreshed (autovacuum / ANALYZE would do it in service).
  await db.raw('analyze');
  report.loadSeconds = seconds(t0);
  report.dueAfterNowShare = dueAfterNow / rows;
  return report;
}

async function runOn(kind: 'sqlite' | 'pg', rows: number, pgUrl?: string): Promise<Result> {
  const label = kind === 'pg' ? 'postgres' : 'sqlite';
  const setup = await open(kind, pgUrl);
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
