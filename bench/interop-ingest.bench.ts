/**
 * Interop ingest throughput (issue 16): the same dossier list as the import bench, once as a CSV
 * file through ImportService (`henlai import`) and once as DongBoHoSoMC payloads through
 * InteropInboundService (what POST /api/v1/interop/DongBoHoSoMC calls), each into a fresh SQLite
 * database, in the same run. Every 50th row is bad (an invalid phone number) and must be refused
 * on both paths; a third of the rows are resolved (TrangThaiHoSo 9 with NgayKetThucXuLy).
 *
 * The interop path registers each dossier through DossierService.create and moves it through
 * DossierService.recordEvent, one transaction per step — the one way to change a dossier — where
 * the CSV import writes 20,000 rows per statement batch. Figures: wall time, dossiers per second,
 * CPU milliseconds per dossier, and the load average at the start.
 *
 *   node --import tsx bench/interop-ingest.bench.ts
 *   BENCH_INTEROP_ROWS=10000 node --import tsx bench/interop-ingest.bench.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { row, writeCsv } from './import.bench';
import { ACTOR, PROCEDURES, log, openBench, round, seconds, type Result } from './support/load';
import type { Actor } from '../src/domain/actor';

const BATCH = 1000;

/** dd/mm/yyyy hh:mm (the CSV's Vietnam time) → yyyyMMddHHmmss. */
function compact(vn: string): string {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})$/.exec(vn);
  if (!m) throw new Error(`unexpected bench date ${vn}`);
  return `${m[3]}${m[2]}${m[1]}${m[4]}${m[5]}00`;
}

/** The CSV row `i` as the one-stop system would sync it. */
function payload(i: number): Record<string, unknown> {
  const [code, procedureCode, , , name, , phone, , , channel, , accepted, resolved] = row(i);
  const unit = PROCEDURES.find((p) => p.code === procedureCode)?.agency;
  return {
    MaHoSo: code,
    MaTTHC: procedureCode,
    ChuHoSo: name,
    LoaiDoiTuong: '1',
    SoDienThoai: phone,
    NgayTiepNhan: compact(accepted),
    NgayHenTra: '',
    TrangThaiHoSo: resolved ? '9' : '2',
    NgayKetThucXuLy: resolved ? compact(resolved) : '',
    DonViXuLy: unit,
    KenhThucHien: { 'Trực tiếp': '1', 'Trực tuyến': '2', 'Bưu chính': '3' }[channel] ?? '1',
    DanhSachHoSoBoSung: [],
    isUpdating: 'False',
  };
}

function cpuMs(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}

async function timeCsv(rows: number, file: string): Promise<{ s: number; cpuMs: number; created: number }> {
  const setup = await openBench('sqlite');
  try {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const report = await setup.s.imports.importDossiers(fs.createReadStream(file), 'csv', { actor: ACTOR });
    return { s: seconds(started), cpuMs: cpuMs(cpu), created: report.created };
  } finally {
    await setup.close();
  }
}

async function timeInterop(rows: number): Promise<{ s: number; cpuMs: number; created: number; refused: number }> {
  const setup = await openBench('sqlite');
  try {
    const { source } = await setup.s.interopSources.create(
      { code: 'BENCH', name: 'Một cửa (bench)', mode: 'push', agencyId: null, outboundUrl: null, pullUrl: null, dueGoverns: 'ours', enabled: true },
      null,
      ACTOR,
    );
    const actor: Actor = { name: 'token:nguồn BENCH', agencyId: null, role: 'integration' };
    let created = 0;
    let refused = 0;
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let i = 0; i < rows; i += BATCH) {
      const batch = [];
      for (let k = i; k < Math.min(rows, i + BATCH); k++) batch.push(payload(k));
      for (const r of await setup.s.interopInbound.receive(source, 'DongBoHoSoMC', batch, actor)) {
        if (r.outcome === 'created') created++;
        else if (r.outcome === 'refused') refused++;
      }
      if ((i / BATCH) % 10 === 9) log(`[interop] ${(i + BATCH).toLocaleString('en')} dossiers (${seconds(started).toFixed(1)} s)`);
    }
    return { s: seconds(started), cpuMs: cpuMs(cpu), created, refused };
  } finally {
    await setup.close();
  }
}

export async function benchInteropIngest(options: { rows?: number } = {}): Promise<Result> {
  const rows = options.rows ?? (Number(process.env.BENCH_INTEROP_ROWS) || 100_000);
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-interop-bench-'));
  try {
    const file = path.join(dir, 'danh-sach-ho-so.csv');
    await writeCsv(file, rows);
    const csv = await timeCsv(rows, file);
    log(`[interop] CSV import: ${rows} rows in ${csv.s.toFixed(1)} s`);
    const interop = await timeInterop(rows);
    log(`[interop] DongBoHoSoMC: ${rows} dossiers in ${interop.s.toFixed(1)} s`);
    const expectedBad = Math.floor((rows + 1) / 50);
    if (interop.refused !== expectedBad || interop.created !== rows - expectedBad || csv.created !== rows - expectedBad) {
      throw new Error(`expected ${rows - expectedBad} created and ${expectedBad} refused; interop ${interop.created}/${interop.refused}, csv ${csv.created}`);
    }
    return {
      rows,
      loadavg_at_start: load,
      csv_s: round(csv.s, 1),
      csv_per_s: Math.round(rows / csv.s),
      csv_cpu_ms_per_row: round(csv.cpuMs / rows, 3),
      interop_s: round(interop.s, 1),
      interop_per_s: Math.round(rows / interop.s),
      interop_cpu_ms_per_dossier: round(interop.cpuMs / rows, 3),
      check: 'ok',
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchInteropIngest()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
