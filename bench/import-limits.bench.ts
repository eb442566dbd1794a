/**
 * What a crafted XLSX ("zip bomb") or CSV does to the memory of the process that imports it, with
 * the import's limits and without them. Each file is imported in a child process of its own, so
 * that its peak resident memory (maxRSS) is its own; the figures are printed, never asserted.
 *
 *   node --import tsx bench/import-limits.bench.ts
 *
 * "without limits" is the same reader with every limit set to Infinity: what the import did before
 * the limits existed, minus exceljs's own order quirk.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_READ_LIMITS, type ReadLimits } from '../src/import/read';
import { sheetXml, workbook, zip } from '../test/support/zip';
import { ACTOR, openBench } from './support/load';

const HEADER = ['Mã hồ sơ', 'Mã thủ tục', 'Mã cơ quan tiếp nhận', 'Tên người nộp', 'Hình thức nộp', 'Ngày tiếp nhận'];
const MB = 1024 * 1024;

/** `n` bytes of `unit` repeated, in 1 MB chunks. */
function* repeated(unit: string, n: number): Generator<Buffer> {
  const chunk = Buffer.from(unit.repeat(Math.ceil(MB / unit.length)));
  for (let left = n; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

function* parts(...pieces: (string | Iterable<Buffer>)[]): Generator<Buffer> {
  for (const p of pieces) {
    if (typeof p === 'string') yield Buffer.from(p);
    else yield* p;
  }
}

/** The crafted files, each small on disk. */
function craft(dir: string): { name: string; file: string; format: 'csv' | 'xlsx' }[] {
  const [head, tail] = sheetXml([HEADER, ['Z-1', '1.009972', 'SXD', '@@', 'Trực tuyến', '03/02/2026 14:30']]).split('@@');
  const files: [string, 'csv' | 'xlsx', () => Buffer][] = [
    // One cell of 290 MB of "A": about the size of the 294 KB file of the report.
    ['xlsx: one cell of 290 MB', 'xlsx', () => zip(workbook(parts(head, repeated('A', 290 * MB), tail)))],
    // 300 MB of short shared strings (11 million of them), which the reader keeps in memory.
    ['xlsx: 300 MB of shared strings', 'xlsx', () => zip(workbook(sheetXml([HEADER]), parts('<sst>', repeated('<si><t>Nguyễn Văn An</t></si>', 300 * MB), '</sst>')))],
    // A CSV of one line of 300 MB (an opening quote never closed does the same).
    ['csv: one record of 300 MB', 'csv', () => Buffer.concat([Buffer.from(`${HEADER.join(',')}\r\nZ-1,1.009972,SXD,"`), Buffer.alloc(300 * MB, 'A')])],
  ];
  return files.map(([name, format, make]) => {
    const file = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.${format}`);
    fs.writeFileSync(file, make());
    return { name, file, format };
  });
}

interface Outcome {
  rssBeforeMb: number;
  maxRssMb: number;
  seconds: number;
  outcome: string;
}

/**
 * The process's peak resident memory. Linux's VmHWM belongs to the program the process runs now;
 * getrusage's maxRSS also counts the parent's memory at the fork, which here held the crafted files.
 */
function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** In the child: import one file, answer the memory it took. */
async function child(file: string, format: 'csv' | 'xlsx', limited: boolean): Promise<void> {
  const setup = await openBench('sqlite');
  const limits: ReadLimits = limited ? DEFAULT_READ_LIMITS : { recordBytes: 0, unzippedBytes: Infinity, partBytes: Infinity, entries: Infinity, cellChars: Infinity, rowChars: Infinity };
  global.gc?.();
  const rssBeforeMb = process.memoryUsage().rss / MB;
  const started = process.hrtime.bigint();
  let outcome: string;
  try {
    const r = await setup.s.imports.importDossiers(fs.createReadStream(file), format, { actor: ACTOR, limits });
    outcome = `imported: ${r.created} created, ${r.rejected} problems`;
  } catch (err) {
    outcome = `refused: ${(err as Error).message.slice(0, 110)}`;
  }
  const result: Outcome = { rssBeforeMb, maxRssMb: peakRssMb(), seconds: Number(process.hrtime.bigint() - started) / 1e9, outcome };
  await setup.close();
  process.stdout.write(JSON.stringify(result));
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-import-limits-'));
  try {
    for (const { name, file, format } of craft(dir)) {
      const size = fs.statSync(file).size;
      for (const limited of [false, true]) {
        let line: string;
        try {
          const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, 'child', file, format, limited ? 'limits' : 'none'], { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 * MB });
          const r = JSON.parse(out) as Outcome;
          line = `RSS ${r.rssBeforeMb.toFixed(0)} → peak ${r.maxRssMb.toFixed(0)} MB, ${r.seconds.toFixed(1)} s, ${r.outcome}`;
        } catch (err) {
          line = `child failed: ${(err as Error).message.split('\n')[0]}`;
        }
        process.stdout.write(`${name} (${(size / 1024).toFixed(0)} KB on disk), ${limited ? 'with limits   ' : 'without limits'}: ${line}\n`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  void child(process.argv[3], process.argv[4] as 'csv' | 'xlsx', process.argv[5] === 'limits');
} else {
  void main();
}
