/**
 * A province's own figures as the replay's intake: its exported dossier list (the columns of
 * "Nhập danh sách hồ sơ", src/import/columns.ts; CSV or XLSX) read as a TEMPLATE, not replayed
 * row by row. From the rows it takes how many dossiers a year (scaled from the period the file
 * covers with the seasonality model, so a quarter holding Tết is not read as a quiet year), the
 * agency and procedure mix, the weekday profile, the months (when the file covers a whole year),
 * the share online/counter/post and the contact mix. The dossiers themselves are then drawn
 * like any synthetic ones.
 *
 * Why a template: the file's people are real citizens, and their names, phones and addresses have
 * no business in a test database, a fake Zalo's log or a report; the file covers the past and
 * usually a quarter, while a replay runs a year from `start`; and nothing in the columns says
 * what the procedure's time limit is, so the catalogue (procedures and their processing times)
 * stays in the parameters: a row naming a procedure or agency the parameters do not have is
 * refused with its code, rather than guessed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { mapHeader, parseRow, type ImportRow } from '../import/columns';
import { csvLines } from '../import/csv';
import { DEFAULT_READ_LIMITS, type Line } from '../import/read';
import { dayToIso, dayToYmd, localDayOf, weekdayOf, type DayNumber } from '../domain/time';
import { IntakeModel } from './intake';
import { ReplayParamsError, validateReplayParams, type AgencyParams, type ReplayParams } from './params';

export interface TemplateSummary {
  file: string;
  rows: number;
  /** Rows the import would refuse (unreadable dates, unknown channel…): left out of the counts. */
  rejected: number;
  from: string;
  to: string;
  days: number;
  /** Share of a year's intake the covered days hold, by the seasonality model. */
  yearFraction: number;
  yearlyVolume: number;
}

interface Counts {
  rows: number;
  rejected: number;
  first: DayNumber;
  last: DayNumber;
  perAgency: Map<string, Map<string, number>>;
  receivedBy: Map<string, Map<string, number>>;
  months: number[];
  monthsSeen: Set<string>;
  weekdays: number[];
  sources: { online: number; counter: number; post: number };
  contacts: { zalo: number; noZaloPhone: number; email: number; none: number };
}

function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

async function* linesOf(file: string): AsyncGenerator<Line> {
  const input: Readable = fs.createReadStream(file);
  if (path.extname(file).toLowerCase() !== '.xlsx') return yield* csvLines(input, DEFAULT_READ_LIMITS);
  // The XLSX reader (and its unzipper) loads only for a workbook, as in the import service.
  // require, as there: a dynamic import() bypasses the TypeScript loader the demo and the tests run under.
  const { xlsxLines } = require('../import/xlsx') as typeof import('../import/xlsx');
  yield* xlsxLines(input, DEFAULT_READ_LIMITS);
}

/** The deciding agency of a row: its own column, else the procedure's single owner in the parameters, else the counter. */
function decidingOf(row: ImportRow, owners: Map<string, string[]>): string {
  if (row.decidingAgencyCode) return row.decidingAgencyCode;
  const own = owners.get(row.procedureCode) ?? [];
  if (own.length === 1) return own[0];
  return row.receivingAgencyCode;
}

async function count(file: string, p: ReplayParams): Promise<Counts> {
  const owners = new Map<string, string[]>();
  for (const a of p.agencies) for (const x of a.procedures) owners.set(x.code, [...(owners.get(x.code) ?? []), a.code]);
  const c: Counts = {
    rows: 0,
    rejected: 0,
    first: Infinity,
    last: -Infinity,
    perAgency: new Map(),
    receivedBy: new Map(),
    months: new Array<number>(12).fill(0),
    monthsSeen: new Set(),
    weekdays: new Array<number>(7).fill(0),
    sources: { online: 0, counter: 0, post: 0 },
    contacts: { zalo: 0, noZaloPhone: 0, email: 0, none: 0 },
  };
  let index: ReturnType<typeof mapHeader>['index'] | null = null;
  for await (const line of linesOf(file)) {
    if (!index) {
      const header = mapHeader(line.cells.map((x) => String(x ?? '')));
      if (header.missing.length) throw new ReplayParamsError([{ field: 'importFile', message: `tệp ${file} thiếu cột ${header.missing.join(', ')}` }], file);
      index = header.index;
      continue;
    }
    if (line.problem || line.cells.every((x) => x === null || x === undefined || x === '')) {
      if (line.problem) c.rejected++;
      continue;
    }
    const parsed = parseRow(line.cells, index);
    if (!('row' in parsed)) {
      c.rejected++;
      continue;
    }
    const row = parsed.row;
    c.rows++;
    const day = localDayOf(new Date(row.acceptedAt));
    c.first = Math.min(c.first, day);
    c.last = Math.max(c.last, day);
    const deciding = decidingOf(row, owners);
    let procs = c.perAgency.get(deciding);
    if (!procs) c.perAgency.set(deciding, (procs = new Map()));
    bump(procs, row.procedureCode);
    if (row.receivingAgencyCode !== deciding) {
      let by = c.receivedBy.get(deciding);
      if (!by) c.receivedBy.set(deciding, (by = new Map()));
      bump(by, row.receivingAgencyCode);
    }
    const { year, month } = dayToYmd(day);
    c.months[month - 1]++;
    c.monthsSeen.add(`${year}-${month}`);
    c.weekdays[weekdayOf(day)]++;
    c.sources[row.channel]++;
    if (row.phone) c.contacts[row.consentZalo ? 'zalo' : 'noZaloPhone']++;
    else if (row.email) c.contacts.email++;
    else c.contacts.none++;
  }
  if (c.rows === 0) throw new ReplayParamsError([{ field: 'importFile', message: `tệp ${file} không có dòng hồ sơ đọc được nào` }], file);
  return c;
}

/** Weights normalised so that they sum to exactly 1 (the schema checks shares to 1e-6). */
function shares<K extends string>(counts: Record<K, number>): Record<K, number> {
  const total = Object.values<number>(counts).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries<number>(counts).map(([k, v]) => [k, v / total])) as Record<K, number>;
}

function mostCommon(m: Map<string, number> | undefined): string | undefined {
  if (!m) return undefined;
  return [...m.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/**
 * The parameters with the intake taken from `p.importFile` (a no-op without one), and what was
 * read. The yearly volume is the file's rows divided by the share of a year's intake its days
 * hold under the resulting weekday/month/Tết model, unless `options.yearlyVolume` sets it.
 */
export async function applyImportTemplate(
  p: ReplayParams,
  options: { yearlyVolume?: number } = {},
): Promise<{ params: ReplayParams; summary: TemplateSummary | null }> {
  if (!p.importFile) return { params: p, summary: null };
  const file = p.importFile;
  const c = await count(file, p);

  const unknown: { field: string; message: string }[] = [];
  const byCode = new Map(p.agencies.map((a) => [a.code, a]));
  for (const [code, procs] of c.perAgency) {
    const a = byCode.get(code);
    if (!a) {
      unknown.push({ field: 'importFile', message: `cơ quan "${code}" (${[...procs.values()].reduce((s, n) => s + n, 0)} hồ sơ) chưa có trong agencies của tham số` });
      continue;
    }
    const known = new Set(a.procedures.map((x) => x.code));
    const catalogue = new Set(p.agencies.flatMap((x) => x.procedures.map((y) => y.code)));
    for (const [proc, n] of procs) {
      if (!known.has(proc) && !catalogue.has(proc)) unknown.push({ field: 'importFile', message: `thủ tục "${proc}" của ${code} (${n} hồ sơ) chưa có trong tham số: thêm vào agencies[].procedures kèm thời hạn giải quyết` });
    }
  }
  if (unknown.length) throw new ReplayParamsError(unknown, file);

  const allProcedures = new Map(p.agencies.flatMap((a) => a.procedures.map((x) => [x.code, x] as const)));
  const agencies: AgencyParams[] = p.agencies.map((a) => {
    const procs = c.perAgency.get(a.code);
    if (!procs) return { ...a, share: 0 };
    const own = a.procedures.map((x) => ({ ...x, share: procs.get(x.code) ?? 0 }));
    // A procedure the file shows this agency deciding but the parameters list under another: same procedure, here too.
    const borrowed = [...procs.entries()].filter(([code]) => !a.procedures.some((x) => x.code === code)).map(([code, n]) => ({ ...allProcedures.get(code)!, share: n }));
    const receivedBy = a.receivedBy ?? mostCommon(c.receivedBy.get(a.code));
    return { ...a, ...(receivedBy && receivedBy !== a.code ? { receivedBy } : {}), share: [...procs.values()].reduce((s, n) => s + n, 0) / c.rows, procedures: [...own, ...borrowed] };
  });

  // Weekday: dossiers per occurrence of that weekday in the span, scaled so Monday–Friday average 1.
  const occurrences = new Array<number>(7).fill(0);
  for (let d = c.first; d <= c.last; d++) occurrences[weekdayOf(d)]++;
  const perDay = c.weekdays.map((n, i) => (occurrences[i] ? n / occurrences[i] : 0));
  const mean = (perDay[1] + perDay[2] + perDay[3] + perDay[4] + perDay[5]) / 5;
  const weekday = mean > 0 ? perDay.map((x) => x / mean) : p.intake.weekday;
  // Months only from a file that covers twelve of them: a quarter says nothing about December.
  const months = c.monthsSeen.size >= 12 ? c.months.map((n) => n / (c.rows / 12)) : p.intake.months;

  const shaped = validateReplayParams(
    {
      ...p,
      agencies,
      intake: { ...p.intake, weekday, months, sources: shares(c.sources) },
      contacts: shares(c.contacts),
    },
    file,
  );
  // How much of a year the covered days hold, by the model now shaped like the file.
  const model = new IntakeModel(shaped);
  let yearFraction = 0;
  for (let d = c.first; d <= c.last; d++) yearFraction += model.provinceWeight(d);
  const yearlyVolume = Math.round(c.rows / Math.max(yearFraction, 1e-9));
  const summary: TemplateSummary = { file, rows: c.rows, rejected: c.rejected, from: dayToIso(c.first), to: dayToIso(c.last), days: c.last - c.first + 1, yearFraction, yearlyVolume };
  const params = validateReplayParams(
    {
      ...shaped,
      // The command's --volume still wins: the province may want its mix at another scale.
      yearlyVolume: options.yearlyVolume ?? yearlyVolume,
      calibration: {
        source: `${shaped.calibration.source} Mẫu tiếp nhận: tệp ${path.basename(file)} (${c.rows} hồ sơ, ${summary.from} – ${summary.to}).`,
        figures: { ...shaped.calibration.figures, templateRows: c.rows, templateDays: summary.days, templateReceivedPerYear: yearlyVolume },
      },
    },
    file,
  );
  return { params, summary };
}
