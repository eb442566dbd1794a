/**
 * What the benches at scale share: a fresh database with the bench agencies and procedures, and
 * a bulk loader that writes dossiers with multi-row INSERTs inside transactions (far faster than
 * the service's one-at-a-time path, which is not what these benches measure).
 *
 * The caller decides every dossier's columns (a row generator), so that each bench gets the
 * due-date distribution it needs while clock and due columns stay consistent with computeDue.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createDb, migrateLatest, MIGRATIONS, type Db } from '../../src/db/connection';
import type { Agency, AgencyInput } from '../../src/db/agencies';
import { DEFAULT_AGENCY_SETTINGS } from '../../src/domain/agency';
import type { Procedure, ProcedureInput } from '../../src/db/procedures';
import type { PdfRenderer } from '../../src/documents/pdf';
import { foldForSearch } from '../../src/domain/contact';
import { createLogger } from '../../src/logger';
import { buildServices, type Services } from '../../src/compose';
import { FixedClock } from '../../src/clock';
import type { Actor } from '../../src/domain/actor';

/** Tuesday 10/03/2026, 09:00 in Vietnam. */
export const NOW = new Date('2026-03-10T09:00:00+07:00');
export const ACTOR: Actor = { name: 'bench', agencyId: null, role: 'system' };
export const ROWS_PER_STATEMENT = 2000;
export const ROWS_PER_TRANSACTION = 50_000;

export type Result = Record<string, number | string>;
export type DbKind = 'sqlite' | 'pg';

const CLOCK_TICKS = 100;

/**
 * CPU seconds a process has used (user + system), from /proc (Linux; NaN elsewhere). Unlike a
 * rate, CPU per unit of work hardly moves when other work shares the machine.
 */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function seconds(fromNs: bigint): number {
  return Number(process.hrtime.bigint() - fromNs) / 1e9;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** xorshift32: deterministic, so every run loads the same data. */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export function sqlText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export const AGENCIES = [
  { code: 'TTPVHCC', name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ', level: 'center' as const, letterSymbol: 'PXL-TTPVHCC' },
  { code: 'SNNMT', name: 'Sở Nông nghiệp và Môi trường', level: 'department' as const, letterSymbol: 'PXL-SNNMT' },
  { code: 'NINHKIEU', name: 'UBND phường Ninh Kiều', level: 'commune' as const, letterSymbol: 'PXL-UBND' },
];

export const PROCEDURES = [
  { code: '1.004221', name: 'Đăng ký biến động quyền sử dụng đất', days: 10, agency: 'SNNMT' },
  { code: '1.004227', name: 'Cấp Giấy chứng nhận quyền sử dụng đất lần đầu', days: 20, agency: 'SNNMT' },
  { code: '2.000488', name: 'Cấp Phiếu lý lịch tư pháp', days: 30, agency: 'TTPVHCC' },
  { code: '1.010004', name: 'Cấp giấy phép xây dựng nhà ở riêng lẻ', days: 45, agency: 'NINHKIEU' },
];

export const NAMES = ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Hoàng Cường', 'Phạm Ngọc Dung', 'Huỳnh Minh Đức', 'Võ Thị Hạnh', 'Châu Quốc Khang', 'Thạch Thị Mai'];
export const FOLDED = NAMES.map((n) => foldForSearch(n));

/** The dossier columns every loader writes; a bench may append more (e.g. `email`). */
export const DOSSIER_COLUMNS = [
  'code', 'procedure_id', 'receiving_agency_id', 'deciding_agency_id', 'applicant_kind', 'applicant_name', 'phone', 'consent_zalo',
  'consent_email', 'consent_sms', 'channel', 'accepted_at', 'clock_started_at', 'clock_unit', 'clock_amount', 'original_due_at',
  'current_due_at', 'deadline_version', 'extensions_count', 'state', 'search_text', 'content_hash', 'created_at', 'updated_at',
];

export interface BenchSetup {
  kind: DbKind;
  label: string;
  s: Services;
  db: Db;
  clock: FixedClock;
  agencies: Agency[];
  procedures: Procedure[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Fields of each bench agency to set beyond the defaults (settings are merged into DEFAULT_AGENCY_SETTINGS). */
  agency?: (code: string) => Partial<Omit<AgencyInput, 'settings'>> & { settings?: Partial<AgencyInput['settings']> };
  /** Fields of each bench procedure to set beyond the defaults. */
  procedure?: (code: string) => Partial<ProcedureInput>;
  /** The PDF renderer the services use (default: their own, launched lazily). */
  pdf?: PdfRenderer;
}

/**
 * A fresh database — a SQLite file in a temp dir, or BENCH_PG_URL's database with every migration
 * rolled back first (it is WIPED, before and after) — migrated, with the bench agencies and
 * procedures created through the services, which run on a FixedClock at NOW.
 */
export async function openBench(kind: DbKind, pgUrl?: string, options: OpenOptions = {}): Promise<BenchSetup> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-bench-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: kind === 'pg' ? pgUrl : undefined, LOG_LEVEL: 'silent' });
  const db = createDb(config.database, createLogger('warn'));
  const wipe = () => db.migrate.rollback(MIGRATIONS, true);
  if (kind === 'pg') await wipe();
  await migrateLatest(db);
  const clock = new FixedClock(NOW);
  const s = buildServices(config, db, clock, createLogger('silent'), options.pdf ? { pdf: options.pdf } : {});
  const agencies: Agency[] = [];
  for (const a of AGENCIES) {
    const extra = options.agency?.(a.code) ?? {};
    agencies.push(
      await s.registry.createAgency(
        {
          ...a,
          parentName: 'UBND THÀNH PHỐ CẦN THƠ',
          placeName: 'Cần Thơ',
          contactEmail: null,
          contactPhone: null,
          address: null,
          ...extra,
          settings: { ...DEFAULT_AGENCY_SETTINGS, ...extra.settings },
        },
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
          ...options.procedure?.(p.code),
        },
        ACTOR,
      ),
    );
  }
  return {
    kind,
    label: kind === 'pg' ? 'postgres' : 'sqlite',
    s,
    db,
    clock,
    agencies,
    procedures,
    async close() {
      if (kind === 'pg') await wipe();
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Inserts dossiers 1…rows (ids equal `seq` on a fresh table): `row(seq)` gives the SQL tuple of
 * `columns`, called in order, so a generator drawing from a seeded random source loads the same
 * data every run. Progress every 200,000 rows on stderr; the time from `startedNs` is shown.
 */
export async function insertDossiers(
  db: Db,
  rows: number,
  columns: string[],
  row: (seq: number) => string,
  label: string,
  startedNs: bigint = process.hrtime.bigint(),
): Promise<void> {
  let n = 0;
  while (n < rows) {
    const txRows = Math.min(ROWS_PER_TRANSACTION, rows - n);
    await db.transaction(async (trx) => {
      for (let done = 0; done < txRows; ) {
        const k = Math.min(ROWS_PER_STATEMENT, txRows - done);
        const values: string[] = new Array(k);
        for (let i = 0; i < k; i++) values[i] = row(n + done + i + 1);
        await trx.raw(`insert into dossiers (${columns.join(', ')}) values ${values.join(',')}`);
        done += k;
      }
    });
    n += txRows;
    if (n % 200_000 === 0 || n === rows) log(`[${label}] loaded ${n.toLocaleString('en')} / ${rows.toLocaleString('en')} dossiers (${seconds(startedNs).toFixed(1)} s)`);
  }
}

/** The open pause of each paused dossier, as the service would have recorded it. */
export async function insertOpenPauses(db: Db, dossierIds: number[], startedAt: number): Promise<void> {
  for (let i = 0; i < dossierIds.length; i += ROWS_PER_STATEMENT) {
    const chunk = dossierIds.slice(i, i + ROWS_PER_STATEMENT).map((id) => `(${id},'restart',${startedAt},null)`);
    await db.raw(`insert into dossier_pauses (dossier_id, policy, started_at, due_before) values ${chunk.join(',')}`);
  }
}

/** A table that grew by a million rows gets its statistics refreshed (autovacuum / ANALYZE would do it in service). */
export async function analyze(db: Db): Promise<void> {
  await db.raw('analyze');
}
