import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { ValidationError } from '../../src/errors';
import { createTestContext, seedBasics, type TestContext } from '../support/context';
import { signIn } from '../support/pages';
import { sheetXml, workbook, zip } from '../support/zip';

const HEADER = 'Mã hồ sơ;Mã thủ tục;Mã cơ quan tiếp nhận;Tên người nộp;Số điện thoại;Hình thức nộp;Ngày tiếp nhận;Ngày có kết quả;Nhận thông báo qua Zalo';
const row = (code: string, name = 'Nguyễn Văn An', accepted = '02/02/2026 08:00') => `${code};1.009972;SXD;${name};;Trực tiếp;${accepted};;`;
const csvFile = (lines: string[], eol = '\r\n') => Buffer.from(`\uFEFF${[HEADER, ...lines].join(eol)}${eol}`, 'utf8');

// The header and one row, saved by a Vietnamese Windows in its own code page (Windows-1258).
const WINDOWS_1258 = Buffer.from(
  'TWHeIGj0zCBz9TtNYd4gdGh10iB0dfJjO01h3iBj9SBxdWFuIHRp6uxwIG5o4vJuO1TqbiBuZ/31zGkgbvTycDtIacxuaCB0aP3sYyBu9PJwO05nYcx5IHRp6uxwIG5o4vJuDQpXLTE7MS4wMDk5NzI7U1hEO05ndXnq3m4gVuNuIEFuO1Ry/fJjIHRp6uxwOzAyLzAyLzIwMjYgMDg6MDANCg==',
  'base64',
);

/** Small limits, so that the tests craft small files; the defaults are measured in bench/import-limits.bench.ts. */
const LIMITS = { recordBytes: 1024, unzippedBytes: 4 * 1024 * 1024, partBytes: 256 * 1024, entries: 40, cellChars: 16 * 1024, rowChars: 64 * 1024 };

const XLSX_HEADER = ['Mã hồ sơ', 'Mã thủ tục', 'Mã cơ quan tiếp nhận', 'Tên người nộp', 'Hình thức nộp', 'Ngày tiếp nhận'];
const xlsxRow = (code: string, name = 'Trần Thị Bình') => [code, '1.009972', 'SXD', name, 'Trực tuyến', '03/02/2026 14:30'];

describe('import: what a file can do to the import', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  const run = (file: Buffer, format: 'csv' | 'xlsx' = 'csv') =>
    ctx.services.imports.importDossiers(Readable.from([file]), format, { actor: SYSTEM_ACTOR, limits: LIMITS } as Parameters<typeof ctx.services.imports.importDossiers>[2]);
  const codes = async () => (await ctx.db('dossiers').select('code').orderBy('code')).map((r: { code: string }) => r.code);
  const refusal = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof ValidationError, `the file must be refused with a clear message, not fail with ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      return err.fields.map((f) => f.message).join(' | ');
    }
    assert.fail('the file was imported instead of refused');
  };

  it('a date outside the calendar rejects its own row, with line and column; the other rows go in', async () => {
    const report = await run(csvFile([row('D-1'), row('D-2', 'Trần Thị Bình', '01/01/1800 08:00'), row('D-3', 'Lê Văn Cường', '31/12/2260 08:00'), row('D-4')]));
    assert.deepEqual(await codes(), ['D-1', 'D-4'], 'the good rows are imported');
    assert.deepEqual(report.rejections.map((r) => [r.line, r.field]), [[3, 'Ngày tiếp nhận'], [4, 'Ngày tiếp nhận']]);
    assert.match(report.rejections[0].reason, /01\/01\/1800.*ngoài phạm vi lịch/);
  });

  it('a control or invisible character rejects its own row, naming the column', async () => {
    const report = await run(csvFile([row('C-1'), row('C-2', 'Nguyễn\u0007Văn An'), row('C-3', 'Nguyễn \u202EnA năV'), row('C-4')]));
    assert.deepEqual(await codes(), ['C-1', 'C-4']);
    assert.deepEqual(report.rejections.map((r) => [r.line, r.field]), [[3, 'Tên người nộp'], [4, 'Tên người nộp']]);
    assert.match(report.rejections[1].reason, /U\+202E/);
  });

  it('a stray quote costs only the lines it spans, reported with their numbers; a quote inside a cell is text', async () => {
    const report = await run(
      csvFile([
        row('Q-1'),
        row('Q-2', 'Công ty "Mê Kông"'),
        row('Q-3', '"Trần Thị Bình'), // opens a quote…
        row('Q-4', 'Lê Văn Cường'),
        row('Q-5', 'Phạm "Dung'), // …closed here: lines 4–6 read as one record
        row('Q-6'),
      ]),
    );
    assert.deepEqual(await codes(), ['Q-1', 'Q-2', 'Q-6']);
    assert.equal((await ctx.db('dossiers').where({ code: 'Q-2' }).first()).applicant_name, 'Công ty "Mê Kông"');
    assert.equal(report.rejections.length, 1, JSON.stringify(report.rejections));
    assert.equal(report.rejections[0].line, 4);
    assert.match(report.rejections[0].reason, /4–6/, 'the message names the lines the quote spans');

    // The same with LF line ends (csv-parse counts a quoted CRLF as two lines: the numbers must not drift).
    const lf = await run(csvFile([row('L-1'), row('L-2', '"Mở'), row('L-3', 'Đóng"'), row('L-4', 'x "y')], '\n'));
    assert.deepEqual(lf.rejections.map((r) => r.line), [3]);
    assert.match(lf.rejections[0].reason, /3–4/);

    const unclosed = await run(csvFile([row('U-1'), row('U-2', '"Không đóng'), row('U-3'), row('U-4')]));
    assert.deepEqual(unclosed.rejections.map((r) => r.line), [3]);
    assert.match(unclosed.rejections[0].reason, /từ dòng 3 .*đến cuối tệp|dòng 3 .*cuối tệp/);
    assert.ok((await codes()).includes('U-1'));
  });

  it('line numbers stay right after a quoted cell that spans lines in a CRLF file', async () => {
    const report = await run(csvFile([row('N-1', '"Hai\r\ndòng"'), row('N-2'), row('N-3', 'Phạm\u0000')]));
    assert.deepEqual(report.rejections.map((r) => r.line), [2, 5], 'N-1 spans lines 2–3, N-2 is line 4, N-3 line 5');
  });

  it('a file that is not UTF-8 is named as such, and nothing is written', async () => {
    const message = await refusal(run(WINDOWS_1258));
    assert.match(message, /không phải UTF-8/);
    assert.doesNotMatch(message, /Thiếu cột/, 'a Windows-1258 file must not be reported as missing columns');
    assert.deepEqual(await codes(), []);
  });

  it('an invalid byte far into a UTF-8 file rejects its own row', async () => {
    const good = Array.from({ length: 1200 }, (_, i) => row(`B-${i}`));
    const file = Buffer.concat([csvFile(good), Buffer.from('B-X;1.009972;SXD;Nguy', 'utf8'), Buffer.from([0xea, 0xde]), Buffer.from('n;;Trực tiếp;02/02/2026 08:00;;\r\n', 'utf8')]);
    const report = await run(file);
    assert.equal(report.created, 1200);
    assert.deepEqual(report.rejections.map((r) => [r.line, r.field]), [[1202, 'Tên người nộp']]);
    assert.match(report.rejections[0].reason, /UTF-8/);
  });

  it('a CSV record longer than the limit ends the import with its line; the rows before it are written', async () => {
    const message = await refusal(run(csvFile([row('R-1'), row('R-2', 'A'.repeat(5000)), row('R-3')])));
    assert.match(message, /Dòng 3 dài hơn 1 KB/);
    assert.deepEqual(await codes(), ['R-1']);
  });

  it('XLSX: reads a workbook whose sheet comes before its shared strings as text (exceljs gave {sharedString: n}, exceljs issue 683)', async () => {
    const strings = [...XLSX_HEADER, ...xlsxRow('S-1'), ...xlsxRow('S-2', 'Nguyễn Thị Ánh Tuyết')];
    const sst = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${strings.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`;
    const rowsXml = [0, 1, 2].map((r) => `<row r="${r + 1}">${[0, 1, 2, 3, 4, 5].map((c) => `<c r="${String.fromCharCode(65 + c)}${r + 1}" t="s"><v>${r * 6 + c}</v></c>`).join('')}</row>`).join('');
    const sheet = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rowsXml}</sheetData></worksheet>`;
    const report = await run(zip(workbook(sheet, sst)), 'xlsx');
    assert.equal(report.created, 2, JSON.stringify(report.rejections));
    assert.equal((await ctx.db('dossiers').where({ code: 'S-2' }).first()).applicant_name, 'Nguyễn Thị Ánh Tuyết');
  });

  it('XLSX: a truncated file, or one whose parts end inside their compressed data, ends the import with an error', async () => {
    const rows = [XLSX_HEADER, ...Array.from({ length: 2000 }, (_, i) => xlsxRow(`T-${i}`))];
    const whole = zip(workbook(sheetXml(rows)));
    for (const [what, file] of [['cut in the middle', whole.subarray(0, Math.floor(whole.length * 0.6))], ['parts cut short', zip(workbook(sheetXml(rows)), { truncateData: true })]] as const) {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        run(file, 'xlsx').then(() => 'imported', (err: Error) => `failed: ${err.message}`),
        new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting after 5 s'), 5_000))),
      ]);
      clearTimeout(timer);
      assert.match(String(outcome), /^failed: /, `${what}: the import must end with an error, got: ${outcome}`);
    }
  });

  it('XLSX: a workbook that unzips past the limits is refused with a message, whichever part is too large', async () => {
    const rows = (n: number) => [XLSX_HEADER, ...Array.from({ length: n }, () => xlsxRow('Z-1'))];
    const cases: [string, Buffer, RegExp][] = [
      ['one huge cell', zip(workbook(sheetXml([XLSX_HEADER, xlsxRow('Z-1', 'A'.repeat(100_000))]))), /ô dài hơn/],
      ['one huge row', zip(workbook(sheetXml([XLSX_HEADER, [...xlsxRow('Z-1'), ...Array.from({ length: 10_000 }, () => 'x')]]))), /dòng dài hơn/],
      ['a sheet unzipping past the workbook limit', zip(workbook(sheetXml(rows(1)).replace('</sheetData>', `${'<row r="3"/>'.repeat(400_000)}</sheetData>`))), /giải nén ra hơn 4 MB/],
      ['parts unzipping past the workbook limit together', zip(workbook(sheetXml(rows(1)), undefined, Array.from({ length: 20 }, (_, i) => ({ name: `customXml/item${i}.xml`, data: 'x'.repeat(250 * 1024) })))), /giải nén ra hơn 4 MB/],
      ['shared strings past the part limit', zip(workbook(sheetXml(rows(1)), `<sst>${'<si><t>chuỗi lặp lại</t></si>'.repeat(20_000)}</sst>`)), /sharedStrings\.xml.*giải nén ra hơn/],
      ['an unread part past the part limit', zip(workbook(sheetXml(rows(1)), undefined, [{ name: 'docProps/custom.xml', data: 'x'.repeat(1024 * 1024) }])), /custom\.xml.*giải nén ra hơn/],
      ['too many entries', zip(workbook(sheetXml(rows(1)), undefined, Array.from({ length: 50 }, (_, i) => ({ name: `xl/media/image${i}.png`, data: 'x' })))), /hơn 40 tệp con/],
    ];
    for (const [what, file, expected] of cases) {
      assert.ok(file.length < 300 * 1024, `${what}: the crafted file is small (${file.length} bytes)`);
      const message = await refusal(run(file, 'xlsx'));
      assert.match(message, expected, `${what}: ${message}`);
    }
  });
});

describe('import page (/ho-so/nhap): a file that is not UTF-8, a stray quote, a date outside the calendar', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  after(async () => ctx.close());

  async function importThroughPage(name: string, body: Buffer): Promise<string> {
    const counter = await signIn(ctx, 'counter', 'SXD');
    const res = await counter.agent.post('/ho-so/nhap').set('Content-Type', 'text/csv').set('Accept', 'application/json').set('X-File-Name', encodeURIComponent(name)).set('X-CSRF-Token', counter.csrf).send(body);
    assert.equal(res.status, 202, `the upload answered ${res.status}: ${res.text}`);
    for (let i = 0; i < 200; i++) {
      const page = await counter.agent.get(res.body.url).expect(200);
      if (!page.text.includes('http-equiv="refresh"')) return page.text;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`the import at ${res.body.url} did not finish`);
  }

  it('names a Windows-1258 file instead of listing missing columns or saying the file is broken', async () => {
    const page = await importThroughPage('danh-sach-1258.csv', WINDOWS_1258);
    assert.match(page, /Tệp không phải UTF-8/);
    assert.doesNotMatch(page, /Thiếu cột|tệp hỏng/);
  });

  it('lists the lines of a stray quote and a date in 1800 each with its line, and imports the rest', async () => {
    const page = await importThroughPage('danh-sach.csv', csvFile([row('P-1'), row('P-2', '"Mở ngoặc'), row('P-3', 'Đóng" ngoặc'), row('P-4', 'Lê Văn Cường', '01/01/1800 08:00'), row('P-5')]));
    assert.match(page, /<tr><th scope="row" class="num">3<\/th><td>\(dòng\)<\/td><td>Các dòng 3–4 bị đọc thành một dòng/);
    assert.match(page, /<tr><th scope="row" class="num">5<\/th><td>Ngày tiếp nhận<\/td><td>Ngày &quot;01\/01\/1800 08:00&quot; ngoài phạm vi lịch/);
    assert.deepEqual((await ctx.db('dossiers').select('code').orderBy('code')).map((r: { code: string }) => r.code), ['P-1', 'P-5']);
  });
});
