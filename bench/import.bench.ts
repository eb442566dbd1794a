/**
 * Import throughput: a dossier list with the documented Vietnamese columns, imported through
 * ImportService.importDossiers (the path `henlai import` and the upload page take) into a fresh
 * SQLite database.
 *
 *  - CSV: 1,000,000 rows (BENCH_IMPORT_ROWS), written to a temp file first (not measured), read
 *    as a stream: every row parsed, checked, its due date computed, inserted with its history
 *    event, in transactions of 20,000 rows. Target ≤ 120 s.
 *  - XLSX: 100,000 rows (BENCH_IMPORT_XLSX_ROWS) through the streaming workbook reader.
 *
 * Every 50th row is deliberately bad (an invalid phone number): it must be rejected and counted
 * while the others go in.
 *
 *   node --import tsx bench/import.bench.ts
 *   BENCH_IMPORT_ROWS=100000 BENCH_IMPORT_XLSX_ROWS=20000 node --import tsx bench/import.bench.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { IMPORT_COLUMNS } from '../src/import/columns';
import { ACTOR, log, NAMES, NOW, openBench, PROCEDURES, AGENCIES, round, seconds, type Result } from './support/load';

const DAY = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** dd/mm/yyyy hh:mm in Vietnam time. */
function vnDate(ms: number): string {
  const d = new Date(ms + 7 * 3600_000);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export function row(i: number): string[] {
  const p = PROCEDURES[i % PROCEDURES.length];
  const accepted = NOW.getTime() - 400 * DAY + (i % 390) * DAY + (i % 480) * 60_000;
  const done = accepted + (5 + (i % 40)) * DAY;
  const resolved = i % 3 === 0 && done < NOW.getTime() ? vnDate(done) : '';
  const phone = i % 50 === 49 ? '0123' : `09${String(10_000_000 + (i % 89_999_999)).slice(0, 8)}`;
  return [
    `NK-${i}`, p.code, AGENCIES[0].code, '', NAMES[i % NAMES.length], 'Cá nhân', phone, '', '', ['Trực tuyến', 'Trực tiếp', 'Bưu chính'][i % 3],
    // The bad row asks for no Zalo notice, so that its phone is its only problem (`rejected` counts problems).
    '', vnDate(accepted), resolved, i % 2 && i % 50 !== 49 ? 'Có' : 'Không', 'Không', 'Không',
  ];
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export async function writeCsv(file: string, rows: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write(`\uFEFF${IMPORT_COLUMNS.map((c) => c.header).join(',')}\r\n`);
  let chunk: string[] = [];
  for (let i = 0; i < rows; i++) {
    chunk.push(row(i).map(csvCell).join(','));
    if (chunk.length === 10_000 || i === rows - 1) {
      if (!out.write(`${chunk.join('\r\n')}\r\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = [];
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export async function writeXlsx(file: string, rows: number): Promise<void> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: false });
  const sheet = book.addWorksheet('Danh sách hồ sơ');
  sheet.addRow(IMPORT_COLUMNS.map((c) => c.header)).commit();
  for (let i = 0; i < rows; i++) sheet.addRow(row(i)).commit();
  sheet.commit();
  await book.commit();
}

async function timeImport(file: string, format: 'csv' | 'xlsx', rows: number): Promise<{ s: number; created: number; rejected: number }> {
  const setup = await openBench('sqlite');
  try {
    const started = process.hrtime.bigint();
    let lastLog = 0;
    const report = await setup.s.imports.importDossiers(fs.createReadStream(file), format, {
      actor: ACTOR,
      onProgress: (p) => {
        if (p.rowsRead - lastLog >= 200_000) {
          lastLog = p.rowsRead;
          log(`[import ${format}] ${p.rowsRead.toLocaleString('en')} rows read, ${p.created.toLocaleString('en')} created (${seconds(started).toFixed(1)} s)`);
        }
      },
    });
    const s = seconds(started);
    const expectedBad = Math.floor((rows + 1) / 50);
    if (report.rejected !== expectedBad || report.created !== rows - expectedBad) {
      throw new Error(`import ${format}: expected ${rows - expectedBad} created and ${expectedBad} rejected, got ${report.created} and ${report.rejected}`);
    }
    return { s, created: report.created, rejected: report.rejected };
  } finally {
    await setup.close();
  }
}

export async function benchImport(options: { rows?: number; xlsxRows?: number } = {}): Promise<Result> {
  const rows = options.rows ?? (Number(process.env.BENCH_IMPORT_ROWS) || 1_000_000);
  const xlsxRows = options.xlsxRows ?? (Number(process.env.BENCH_IMPORT_XLSX_ROWS) || 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-import-bench-'));
  try {
    const csvFile = path.join(dir, 'danh-sach-ho-so.csv');
    const xlsxFile = path.join(dir, 'danh-sach-ho-so.xlsx');
    await writeCsv(csvFile, rows);
    await writeXlsx(xlsxFile, xlsxRows);
    log(`[import] files written: ${rows.toLocaleString('en')} CSV rows (${(fs.statSync(csvFile).size / 1e6).toFixed(0)} MB), ${xlsxRows.toLocaleString('en')} XLSX rows`);
    const csv = await timeImport(csvFile, 'csv', rows);
    log(`[import csv] ${csv.s.toFixed(1)} s`);
    const xlsx = await timeImport(xlsxFile, 'xlsx', xlsxRows);
    log(`[import xlsx] ${xlsx.s.toFixed(1)} s`);
    return {
      csv_rows: rows,
      csv_s: round(csv.s, 1),
      csv_rows_per_s: Math.round(rows / csv.s),
      csv_rejected: csv.rejected,
      xlsx_rows: xlsxRows,
      xlsx_s: round(xlsx.s, 1),
      xlsx_rows_per_s: Math.round(xlsxRows / xlsx.s),
      check: 'ok',
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchImport().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
