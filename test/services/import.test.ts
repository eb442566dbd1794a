import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import type { ImportProgress } from '../../src/services/import';
import { ValidationError } from '../../src/errors';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

const HEADER = 'Mã hồ sơ;Mã thủ tục;Mã cơ quan tiếp nhận;Tên người nộp;Số điện thoại;Hình thức nộp;Ngày tiếp nhận;Ngày có kết quả;Nhận thông báo qua Zalo';

const csv = (lines: string[]) => Readable.from([Buffer.from(`\uFEFF${[HEADER, ...lines].join('\r\n')}\r\n`, 'utf8')]);

describe('import of a dossier list', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  const run = (lines: string[], onProgress?: (p: ImportProgress) => void, batchSize?: number) =>
    ctx.services.imports.importDossiers(csv(lines), 'csv', { actor: SYSTEM_ACTOR, onProgress, batchSize });
  const get = async (code: string) => (await ctx.api('get', `/api/v1/dossiers/${encodeURIComponent(code)}`).expect(200)).body;

  it('registers the good rows with the due date the API computes, and reports each bad row by line, column and reason', async () => {
    const report = await run([
      'IMP-1;1.009972;SXD;Nguyễn Văn An;0912 345 678;Trực tiếp;02/02/2026 08:00;;Có',
      'IMP-2;9.999999;SXD;Trần Thị Bình;;Trực tuyến;03/02/2026 09:00;;Không',
      'IMP-3;1.009972;SXD;Lê Văn Cường;0123;Bưu chính;31/02/2026 09:00;;Có',
      'IMP-4;1.009972;SXD;Phạm Thị Dung;;Trực tuyến;04/02/2026 10:00;20/02/2026 16:00;',
      'IMP-5;1.009972;SXD;Võ Văn Em;;Fax;05/02/2026 10:00;;',
    ]);
    assert.deepEqual({ ...report, rejections: undefined }, { rowsRead: 5, created: 2, updated: 0, unchanged: 0, rejected: 5, rejections: undefined });
    assert.deepEqual(report.rejections, [
      { line: 3, field: 'Mã thủ tục', reason: 'Không có thủ tục mã "9.999999"' },
      { line: 4, field: 'Số điện thoại', reason: 'Số di động "0123" không hợp lệ (10 số, bắt đầu bằng 03, 05, 07, 08, 09)' },
      { line: 4, field: 'Ngày tiếp nhận', reason: 'Ngày giờ "31/02/2026 09:00" không hợp lệ (dd/mm/yyyy hh:mm)' },
      { line: 4, field: 'Nhận thông báo qua Zalo', reason: 'Nhận qua Zalo cần số điện thoại' },
      { line: 6, field: 'Hình thức nộp', reason: 'Hình thức nộp "Fax" không rõ: ghi "Trực tuyến", "Trực tiếp" hoặc "Bưu chính"' },
    ]);
    const viaApi = (await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'API-1', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201)).body;
    const imported = await get('IMP-1');
    assert.equal(imported.originalDueAt, viaApi.originalDueAt, 'an imported dossier must get the same due date as one received through the API');
    assert.equal(imported.channel, 'counter');
    assert.equal(imported.phone, '+84912345678');
    const resolved = await get('IMP-4');
    assert.equal(resolved.state, 'resolved');
    assert.equal(resolved.resolution, 'early');
    const events = (await ctx.api('get', '/api/v1/dossiers/IMP-4/events').expect(200)).body.items.map((e: { kind: string }) => e.kind);
    assert.deepEqual(events, ['created', 'resolved'], 'an imported dossier has its history, so reports can replay it');
    const report2 = (await ctx.api('get', '/api/v1/reports/period?period=2026-02').expect(200)).body.total;
    assert.equal(report2.received, 3, 'the two imported dossiers and the one from the API are in February’s report');
  });

  it('upserts by code: the same file again changes nothing, new details and a result date update, a different procedure is refused', async () => {
    const first = ['UP-1;1.009972;SXD;Nguyễn Văn An;;Trực tiếp;02/02/2026 08:00;;', 'UP-2;1.009972;SXD;Trần Thị Bình;;Trực tiếp;02/02/2026 09:00;;'];
    await run(first);
    const again = await run(first);
    assert.equal(again.unchanged, 2, `re-importing the same rows should change nothing: ${JSON.stringify(again)}`);
    assert.equal(again.created, 0);
    await ctx.api('post', '/api/v1/procedures').send({
      code: '2.000488', name: 'Cấp Phiếu lý lịch tư pháp', field: 'Lý lịch tư pháp', agencyCode: 'SXD',
      processingTime: { unit: 'days', amount: 5 }, supplementPolicy: 'restart', defaultExtensionDays: 3, defaultDelayReason: 'Chờ xác minh',
    }).expect(201);
    const changed = await run([
      'UP-1;1.009972;SXD;Nguyễn Văn An;0987 654 321;Trực tiếp;02/02/2026 08:00;27/02/2026 10:00;Có',
      'UP-2;2.000488;SXD;Trần Thị Bình;;Trực tiếp;02/02/2026 09:00;;',
    ]);
    assert.equal(changed.updated, 1);
    assert.deepEqual(changed.rejections, [{ line: 3, field: 'Mã hồ sơ', reason: 'Hồ sơ đã có với thủ tục hoặc cơ quan khác; không nhập đè' }]);
    const up1 = await get('UP-1');
    assert.equal(up1.phone, '+84987654321');
    assert.equal(up1.consent.zalo, true);
    assert.equal(up1.state, 'resolved');
    assert.equal((await get('UP-2')).procedure.code, '1.009972', 'the refused row must not have changed the dossier');
  });

  it('reports progress after each batch and keeps the good rows of a batch that has a bad one', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `P-${i};1.009972;SXD;Người thứ ${i};;Trực tuyến;02/02/2026 08:00;;`);
    lines[12] = 'P-12;1.009972;SXD;;;Trực tuyến;02/02/2026 08:00;;';
    const seen: ImportProgress[] = [];
    const report = await run(lines, (p) => seen.push(p), 10);
    assert.equal(report.created, 24);
    assert.deepEqual(report.rejections, [{ line: 14, field: 'Tên người nộp', reason: 'Không được để trống' }]);
    assert.deepEqual(seen.map((p) => p.created), [10, 20, 24], 'one progress report per committed batch of 10 valid rows (the bad row is not in any batch)');
  });

  it('refuses a file without a required column, naming it, and writes nothing', async () => {
    const noAccepted = Readable.from([Buffer.from('Mã hồ sơ,Mã thủ tục,Mã cơ quan tiếp nhận,Tên người nộp,Hình thức nộp\nX-1,1.009972,SXD,An,Trực tiếp\n')]);
    await assert.rejects(
      ctx.services.imports.importDossiers(noAccepted, 'csv', { actor: SYSTEM_ACTOR }),
      (err: unknown) => err instanceof ValidationError && err.fields.some((f) => f.field === 'Ngày tiếp nhận'),
    );
    assert.equal((await ctx.api('get', '/api/v1/dossiers').expect(200)).body.total, 0);
  });

  it('ends with the read error of a file that cannot be read, CSV or XLSX, instead of waiting for ever', async () => {
    for (const format of ['csv', 'xlsx'] as const) {
      // A first chunk arrives, then the disk fails.
      let sent = false;
      const failing = new Readable({
        read() {
          if (sent) return this.destroy(new Error('EIO: i/o error, read'));
          sent = true;
          this.push(Buffer.from(format === 'csv' ? 'Mã hồ sơ,Mã thủ tục\n' : 'PK\u0003\u0004'));
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        ctx.services.imports.importDossiers(failing, format, { actor: SYSTEM_ACTOR }).then(() => 'finished', (err: Error) => err.message),
        new Promise((r) => (timer = setTimeout(() => r('still waiting after 5 s'), 5_000))),
      ]);
      clearTimeout(timer);
      assert.match(String(outcome), /EIO/, `${format}: the import must fail with the read error, got: ${outcome}`);
    }
  });

  it('reads XLSX, with dates as real spreadsheet dates', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Danh sách hồ sơ');
    sheet.addRow(['Mã hồ sơ', 'Mã TTHC', 'Đơn vị tiếp nhận', 'Chủ hồ sơ', 'Hình thức nộp', 'Ngày tiếp nhận']);
    // Excel keeps the wall-clock time shown in the cell, as if it were UTC.
    sheet.addRow(['X-1', '1.009972', 'SXD', { richText: [{ text: 'Nguyễn ' }, { text: 'Văn An' }] }, 'Trực tuyến', new Date(Date.UTC(2026, 1, 2, 8, 0))]);
    sheet.addRow(['X-2', '1.009972', 'SXD', 'Trần Thị Bình', 'Bưu chính', '03/02/2026 14:30']);
    const buffer = Buffer.from(await book.xlsx.writeBuffer());
    const report = await ctx.services.imports.importDossiers(Readable.from([buffer]), 'xlsx', { actor: SYSTEM_ACTOR });
    assert.equal(report.created, 2, JSON.stringify(report.rejections));
    const x1 = await get('X-1');
    assert.equal(x1.acceptedAt, '2026-02-02T08:00:00+07:00');
    assert.equal(x1.applicant.name, 'Nguyễn Văn An');
    assert.equal((await get('X-2')).channel, 'post');
  });

  it('reads Vietnamese letters that fall across the chunks of a large XLSX sheet, with shared strings and inline', async () => {
    // exceljs decodes each decompressed chunk on its own: a letter split between two chunks came
    // out as U+FFFD ("Tr�c tuyến"), so rows were refused or names stored mangled.
    // Names made mostly of three-byte letters, so that chunk boundaries fall inside them.
    const names = ['Nguyễn Thị Ánh Tuyết', 'Trần Quốc Đạt', 'Lê Hoàng Phương Thảo', 'Huỳnh Ngọc Diệp'].map((n) => `${n} ${'Ễ'.repeat(120)}`);
    for (const useSharedStrings of [true, false]) {
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('Danh sách hồ sơ');
      sheet.addRow(['Mã hồ sơ', 'Mã TTHC', 'Đơn vị tiếp nhận', 'Chủ hồ sơ', 'Hình thức nộp', 'Ngày tiếp nhận']);
      for (let i = 0; i < 3000; i++) sheet.addRow([`U${useSharedStrings ? 'S' : 'I'}-${i}`, '1.009972', 'SXD', `${names[i % 4]} ${i}`, ['Trực tuyến', 'Trực tiếp', 'Bưu chính'][i % 3], '02/02/2026 08:00']);
      const file = Buffer.from(await new Promise<Buffer>((resolve, reject) => {
        // The streaming writer chooses inline strings or the shared-strings table.
        const parts: Buffer[] = [];
        const sink = new Writable({ write(c: Buffer, _e, cb) { parts.push(c); cb(); } });
        sink.on('finish', () => resolve(Buffer.concat(parts)));
        const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings, useStyles: false });
        const ws = writer.addWorksheet('Danh sách hồ sơ');
        sheet.eachRow((row) => ws.addRow((row.values as ExcelJS.CellValue[]).slice(1)).commit());
        ws.commit();
        writer.commit().catch(reject);
      }));
      const report = await ctx.services.imports.importDossiers(Readable.from([file]), 'xlsx', { actor: SYSTEM_ACTOR });
      assert.deepEqual(report.rejections.slice(0, 3), [], `shared strings ${useSharedStrings}`);
      assert.equal(report.created, 3000);
      const rows = await ctx.db('dossiers').where('code', 'like', `U${useSharedStrings ? 'S' : 'I'}-%`).select('applicant_name');
      const mangled = rows.filter((r: { applicant_name: string }) => r.applicant_name.includes('\uFFFD'));
      assert.deepEqual(mangled, [], 'no name may hold a replacement character');
    }
  });
});
