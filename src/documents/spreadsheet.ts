import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { formatNumber } from '../domain/vn-format';
import type { ReportTable } from '../services/reports';

/** Excel opens a CSV as UTF-8 only when it starts with a byte order mark; without it Vietnamese turns to mojibake. */
const BOM = '\uFEFF';

/** Rates as Vietnamese percentages ("95,3%"), so the file reads the same as the report page. */
function csvCell(value: string | number | null, kind: ReportTable['columns'][number]['kind']): string {
  if (value === null) return '';
  if (kind === 'rate' && typeof value === 'number') return `${formatNumber(value * 100, 1)}%`;
  return String(value);
}

export function tableToCsv(t: ReportTable): Buffer {
  const body = stringify([t.columns.map((c) => c.header), ...t.rows.map((r) => r.map((v, i) => csvCell(v, t.columns[i].kind)))], {
    record_delimiter: '\r\n',
  });
  return Buffer.from(BOM + body.normalize('NFC'), 'utf8');
}

export async function tableToXlsx(t: ReportTable): Promise<Buffer> {
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
