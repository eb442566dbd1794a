/**
 * What the dossier-list readers (CSV, XLSX) hand to the import: numbered rows of cells, or a
 * numbered problem that makes one record unreadable; and the limits that keep a hostile or broken
 * file from taking the server's memory. Formats are read in csv.ts and xlsx.ts.
 */
import { formatNumber } from '../domain/vn-format';
import { ValidationError } from '../errors';

export type Cell = string | number | boolean | Date | null | undefined;

export interface Line {
  /** The line in the file (CSV) or the row number (XLSX); the header is line 1. */
  line: number;
  cells: Cell[];
  /** Set when the record could not be read into cells: why, in Vietnamese. */
  problem?: string;
}

export interface ReadLimits {
  /** Bytes of one CSV record, all its cells together. */
  recordBytes: number;
  /** XLSX: bytes of the whole workbook once unzipped. */
  unzippedBytes: number;
  /** XLSX: bytes of one unzipped part other than a worksheet (shared strings, styles…): the reader keeps these in memory. */
  partBytes: number;
  /** XLSX: files inside the zip. */
  entries: number;
  /** XLSX: characters of one cell's text (of any text between two XML tags), and of one row. */
  cellChars: number;
  rowChars: number;
}

/**
 * A record of the widest template row is under 2,000 characters and Excel's own cell limit is
 * 32,767. An XLSX's shared strings stay in memory at about four times their unzipped size (short
 * strings cost more): 32 MB holds the distinct names and addresses of some 250,000 rows; a longer
 * list goes as CSV, which is read as a stream whatever its length. Beyond these a file is refused
 * with a message instead of growing the process by its size (bench/import-limits.bench.ts).
 */
export const DEFAULT_READ_LIMITS: ReadLimits = Object.freeze({
  recordBytes: 64 * 1024,
  unzippedBytes: 1024 * 1024 * 1024,
  partBytes: 32 * 1024 * 1024,
  entries: 1_000,
  // Escaped in XML (&amp; is 5 characters), a full 32,767-character cell takes up to ~164,000.
  cellChars: 256 * 1024,
  rowChars: 2 * 1024 * 1024,
});

const MB = (bytes: number) => `${formatNumber(bytes / 1024 / 1024)} MB`;

/** A file refused as a whole: the message says why and what to do; rows read before it stay imported. */
export class FileRefused extends ValidationError {
  constructor(message: string) {
    super([{ field: 'file', message }], message);
  }

  static notUtf8(): FileRefused {
    return new FileRefused(
      'Tệp không phải UTF-8 (có thể là Windows-1258, TCVN3 hay VNI): trong Excel chọn Lưu thành → "CSV UTF-8 (phân cách bằng dấu phẩy)" rồi nhập lại tệp mới.',
    );
  }

  static recordTooLong(line: number, limit: number): FileRefused {
    return new FileRefused(
      `Dòng ${line} dài hơn ${formatNumber(limit / 1024)} KB (có thể thiếu dấu ngoặc kép đóng): không đọc tiếp được. Các dòng trước đó đã được nhập; sửa dòng ${line} rồi nhập lại tệp.`,
    );
  }

  static xlsxTooLarge(limit: number): FileRefused {
    return new FileRefused(`Tệp Excel giải nén ra hơn ${MB(limit)}: quá lớn để nhập. Hãy chia thành nhiều tệp, hoặc lưu dạng CSV UTF-8.`);
  }

  static xlsxPartTooLarge(part: string, limit: number): FileRefused {
    return new FileRefused(`Phần "${part}" của tệp Excel giải nén ra hơn ${MB(limit)}: quá lớn để nhập. Hãy chia thành nhiều tệp, hoặc lưu dạng CSV UTF-8.`);
  }

  static xlsxTooManyEntries(limit: number): FileRefused {
    return new FileRefused(`Tệp Excel chứa hơn ${formatNumber(limit)} tệp con: không phải một danh sách hồ sơ. Hãy lưu lại chỉ trang danh sách, hoặc dạng CSV UTF-8.`);
  }

  static xlsxCellTooLong(limit: number): FileRefused {
    return new FileRefused(`Tệp Excel có một ô dài hơn ${formatNumber(limit)} ký tự: không đọc được. Hãy xoá ô đó rồi nhập lại.`);
  }

  static xlsxRowTooLong(limit: number): FileRefused {
    return new FileRefused(`Tệp Excel có một dòng dài hơn ${formatNumber(limit)} ký tự: không đọc được. Hãy xoá các cột thừa rồi nhập lại.`);
  }
}
