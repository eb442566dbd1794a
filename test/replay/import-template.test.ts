import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { formatVnIso } from '../../src/domain/time';
import { applyImportTemplate } from '../../src/replay/import-template';
import { loadReplayParams, ReplayParamsError, type ReplayParams } from '../../src/replay/params';
import { arrivalsForDay } from '../../src/replay/province';

const HEADER = ['Mã hồ sơ', 'Mã thủ tục', 'Mã cơ quan tiếp nhận', 'Mã cơ quan giải quyết', 'Tên người nộp', 'Loại người nộp', 'Số điện thoại', 'Thư điện tử', 'Hình thức nộp', 'Ngày tiếp nhận', 'Nhận thông báo qua Zalo'];
const CHANNEL = { online: 'Trực tuyến', counter: 'Trực tiếp', post: 'Bưu chính' };

/** "dd/mm/yyyy hh:mm" in Vietnam time, as a province's export writes it. */
function vnDateTime(ms: number): string {
  const iso = formatVnIso(new Date(ms)); // 2026-01-05T08:30:00+07:00
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 16)}`;
}

/** A province's export: the dossiers another parameter set receives over `days` days, in the import columns. */
function exportOf(p: ReplayParams, days: number, extra: string[][] = []): string {
  const rows: string[][] = [];
  for (let d = 0; d < days; d++) {
    for (const a of arrivalsForDay(p, d)) {
      rows.push([
        a.code,
        a.procedureCode,
        a.receivingAgencyCode,
        a.agencyCode,
        a.applicant.name,
        a.applicant.kind === 'person' ? 'Cá nhân' : 'Tổ chức',
        a.applicant.phone ?? '',
        a.applicant.email ?? '',
        CHANNEL[a.source],
        vnDateTime(a.receivedAt),
        a.applicant.zalo ? 'Có' : 'Không',
      ]);
    }
  }
  return stringify([HEADER, ...rows, ...extra]);
}

describe('replay: a province’s dossier list as the template of the intake', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-template-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes the volume, the agency mix, the sources and the contacts from a quarter of exported dossiers', async () => {
    // The "real" province: more online, fewer Zalo users, no land department, 40,000 a year.
    const agencies = loadReplayParams().agencies.map((a) => (a.code === 'SNNMT' ? { ...a, share: 0 } : a));
    const real = loadReplayParams(undefined, { yearlyVolume: 40_000, seed: 99, agencies, intake: { sources: { online: 0.75, counter: 0.2, post: 0.05 } }, contacts: { zalo: 0.3, noZaloPhone: 0.5, email: 0.1, none: 0.1 } });
    const file = path.join(dir, 'quy-1.csv');
    // A quarter holding Tết (quiet) and the rush before it, plus a row the import would refuse.
    fs.writeFileSync(file, exportOf(real, 90, [['X-1', '1.001193', 'NINHKIEU', '', 'Lê Văn Tư', 'Cá nhân', '', '', 'Fax', '05/01/2026 08:00', '']]));

    const { params, summary } = await applyImportTemplate(loadReplayParams(undefined, { importFile: file }));
    assert.ok(summary, 'a summary of what was read');
    assert.equal(summary.rejected, 1, 'the row with an unknown channel is counted as rejected, not read');
    const drift = Math.abs(params.yearlyVolume - 40_000) / 40_000;
    assert.ok(drift < 0.04, `a quarter of a 40,000-a-year province read as ${params.yearlyVolume} a year (${(drift * 100).toFixed(1)} % off; year fraction ${summary.yearFraction.toFixed(3)})`);
    assert.ok(Math.abs(params.intake.sources.online - 0.75) < 0.02, `online share ${params.intake.sources.online}, the file has 75 %`);
    assert.ok(Math.abs(params.contacts.zalo - 0.3) < 0.02, `Zalo share ${params.contacts.zalo}, the file has 30 %`);
    assert.equal(params.agencies.find((a) => a.code === 'SNNMT')?.share, 0, 'an agency absent from the file receives nothing');
    const total = real.agencies.reduce((s, a) => s + a.share, 0);
    for (const a of real.agencies.filter((x) => x.share > 0)) {
      const got = params.agencies.find((x) => x.code === a.code)!.share;
      assert.ok(Math.abs(got - a.share / total) < 0.015, `${a.code}: share ${got.toFixed(3)}, the file's ${(a.share / total).toFixed(3)}`);
    }
    assert.equal(params.calibration.figures.templateRows, summary.rows);
    // Named so the report (src/replay/calibration.ts) sets it beside the simulated dossiers per year.
    assert.equal(params.calibration.figures.templateReceivedPerYear, summary.yearlyVolume);

    // And the template's intake then replays the file's mix.
    const day = arrivalsForDay(params, 12);
    assert.ok(day.every((a) => a.agencyCode !== 'SNNMT'), 'no dossier for the agency the file does not have');
  });

  it('keeps --volume over the file’s, and refuses a procedure the parameters do not have, naming it', async () => {
    const file = path.join(dir, 'unknown.csv');
    fs.writeFileSync(file, stringify([HEADER, ['A-1', '9.999999', 'NINHKIEU', '', 'Lê Văn Tư', 'Cá nhân', '', '', 'Trực tiếp', '05/01/2026 08:00', '']]));
    await assert.rejects(applyImportTemplate(loadReplayParams(undefined, { importFile: file })), (e: unknown) => {
      assert.ok(e instanceof ReplayParamsError, String(e));
      assert.match(e.message, /thủ tục "9\.999999"/);
      return true;
    });
    const ok = path.join(dir, 'ok.csv');
    fs.writeFileSync(ok, stringify([HEADER, ['A-1', '1.001193', 'NINHKIEU', '', 'Lê Văn Tư', 'Cá nhân', '', '', 'Trực tiếp', '05/01/2026 08:00', '']]));
    const { params } = await applyImportTemplate(loadReplayParams(undefined, { importFile: ok }), { yearlyVolume: 1234 });
    assert.equal(params.yearlyVolume, 1234);
  });

  it('reads an XLSX export the same way, by the extension of the file', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Danh sách hồ sơ');
    sheet.addRow(['Mã hồ sơ', 'Mã TTHC', 'Đơn vị tiếp nhận', 'Chủ hồ sơ', 'Hình thức nộp', 'Ngày tiếp nhận']);
    // Excel keeps the wall-clock time shown in the cell, as if it were UTC.
    sheet.addRow(['X-1', '1.001193', 'NINHKIEU', 'Nguyễn Văn An', 'Trực tuyến', new Date(Date.UTC(2026, 1, 2, 8, 0))]);
    sheet.addRow(['X-2', '2.000815', 'CAIRANG', 'Trần Thị Bình', 'Trực tuyến', '03/02/2026 14:30']);
    sheet.addRow(['X-3', '2.000815', 'CAIRANG', 'Lê Văn Cường', 'Trực tiếp', '04/02/2026 09:30']);
    const file = path.join(dir, 'danh-sach.xlsx');
    fs.writeFileSync(file, Buffer.from(await book.xlsx.writeBuffer()));
    const { params, summary } = await applyImportTemplate(loadReplayParams(undefined, { importFile: file }));
    assert.deepEqual({ rows: summary?.rows, from: summary?.from, to: summary?.to }, { rows: 3, from: '2026-02-02', to: '2026-02-04' });
    assert.ok(Math.abs(params.intake.sources.online - 2 / 3) < 1e-9, `online share ${params.intake.sources.online}, the file has 2 of 3`);
    assert.deepEqual(
      params.agencies.filter((a) => a.share > 0).map((a) => [a.code, a.share]),
      [['NINHKIEU', 1 / 3], ['CAIRANG', 2 / 3]],
    );
  });
});
