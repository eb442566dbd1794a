import { stringify } from 'csv-stringify/sync';
import { formatNumber } from '../domain/vn-format';

/** A report flattened for CSV / XLSX: Vietnamese headers, one value per cell. */
export interface ReportTable {
  title: string;
  /** What the file is called, without extension: Vietnamese, with diacritics. */
  fileName: string;
  columns: { header: string; kind: 'text' | 'int' | 'rate' }[];
  rows: (string | number | null)[][];
}

/** Excel opens a CSV as UTF-8 only when it starts with a byte order mark; without it Vietnamese turns to mojibake. */
const BOM = '\uFEFF';

// A text cell starting with one of these is run as a formula when the CSV is opened in a
// spreadsheet program (OWASP, "CSV injection"): an agency, procedure or reason named
// "=HYPERLINK(…)" would become a link that sends the other cells away.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Rates as Vietnamese percentages ("95,3%"), so the file reads the same as the report page. Text
 * that would start a formula gets a leading apostrophe, which spreadsheets read as "this is text"
 * and do not show; numbers are never text here, so -5 stays a number.
 */
function csvCell(value: string | number | null, kind: ReportTable['columns'][number]['kind']): string {
  if (value === null) return '';
  if (typeof value === 'number') return kind === 'rate' ? `${formatNumber(value * 100, 1)}%` : String(value);
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** The one CSV writer of the service: every CSV it sends goes through csvCell. */
export function tableToCsv(t: ReportTable): Buffer {
  const body = stringify([t.columns.map((c) => csvCell(c.header, 'text')), ...t.rows.map((r) => r.map((v, i) => csvCell(v, t.columns[i].kind)))], {
    record_delimiter: '\r\n',
  });
  return Buffer.from(BOM + body.normalize('NFC'), 'utf8');
}

/** exceljs writes a JS string as a string cell (a formula only from a `{ formula }` value), so no text runs. */
export async function tableToXlsx(t: ReportTable): Promise<Buffer> {
  // Loaded when a spreadsheet is asked for: exceljs took ~1.3 s of every start of the service.
  const ExcelJS = require('exceljs') as typeof import('exceljs');
  const book = new ExcelJS.Workbook();
  book.creator = 'Hẹn Lại';
  const sheet = book.addWorksheet('Báo cáo', { pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  sheet.addRow([t.title]).font = { bold: true, size: 13 };
  sheet.addRow([]);
  const header = sheet.addRow(t.columns.map((c) => c.header));
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' };
  for (const r of t.rows) sheet.addRow(r);
  sheet.getRow(sheet.rowCount).font = { bold: true };
  t.columns.forEach((c, i) => {
    const col = sheet.getColumn(i + 1);
    col.width = c.kind === 'text' ? (i === 1 ? 48 : 16) : 14;
    if (c.kind === 'rate') col.numFmt = '0.0%';
    if (c.kind === 'int') col.numFmt = '#,##0';
  });
  sheet.views = [{ state: 'frozen', ySplit: 3 }];
  return Buffer.from(await book.xlsx.writeBuffer());
}
