/**
 * A dossier list as CSV: comma or semicolon separated (Excel in Vietnamese writes ';'), UTF-8 with
 * or without a BOM. One broken record is reported with its lines and the others are read on; a
 * file that is not UTF-8, or a record longer than the limit, is refused as a whole.
 */
import { Transform, type TransformCallback, pipeline, type Readable } from 'node:stream';
import { parse as csvParser, type CsvError, type Options } from 'csv-parse';
import { FileRefused, type Line, type ReadLimits } from './read';

/** How much of the file must be UTF-8 before a row is read: a header in Windows-1258 or TCVN3 fails here. */
const CHECKED_HEAD_BYTES = 64 * 1024;

/**
 * Passes the bytes on, refusing the file if its first 64 KB are not UTF-8. Further on, an invalid
 * byte is decoded as U+FFFD and the row holding it is refused by the row check, so that one
 * mangled row does not cost the whole file.
 */
function utf8Head(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let checked = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      if (checked < CHECKED_HEAD_BYTES) {
        const head = chunk.subarray(0, CHECKED_HEAD_BYTES - checked);
        checked += head.length;
        try {
          decoder.decode(head, { stream: checked < CHECKED_HEAD_BYTES });
        } catch {
          return done(FileRefused.notUtf8());
        }
      }
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      try {
        decoder.decode();
      } catch {
        return done(FileRefused.notUtf8());
      }
      done();
    },
  });
}

const count = (text: string, what: string) => text.split(what).length - 1;

interface Numbered {
  cells: string[];
  start: number;
  end: number;
}

/** CSV records with the line each starts on (the header is line 1). */
export async function* csvLines(input: Readable, limits: ReadLimits): AsyncGenerator<Line> {
  const unreadable: Line[] = [];
  let tooLong: FileRefused | null = null;
  // Kept as the parser goes (on_record runs inside it), so that a failure knows the line it is at.
  let lastEnd = 0;
  // csv-parse counts a CRLF inside a quoted cell as two lines; this many lines were over-counted.
  let overCounted = 0;
  const options: Options<Numbered, string[]> = {
    bom: true,
    delimiter: [',', ';'],
    relax_column_count: true,
    // A quote inside a cell (Công ty "Mê Kông") is taken as text, as Excel takes it.
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: limits.recordBytes,
    skip_records_with_error: true,
    on_record: (cells, context): Numbered | null => {
      if (tooLong) return null;
      let inside = 0;
      for (const cell of cells) {
        if (cell.indexOf('\n') === -1 && cell.indexOf('\r') === -1) continue;
        const crlf = count(cell, '\r\n');
        overCounted += crlf;
        inside += count(cell, '\n') + count(cell, '\r') - crlf;
      }
      const end = context.lines - overCounted;
      lastEnd = end;
      return { cells, start: end - inside, end };
    },
    on_skip: (err: CsvError | undefined): undefined => {
      // After this error csv-parse cannot find the next record: the file is refused there, once
      // the records before it are read (an error thrown here would drop those still buffered).
      if (err?.code === 'CSV_MAX_RECORD_SIZE') {
        tooLong ??= FileRefused.recordTooLong(lastEnd + 1, limits.recordBytes);
        return undefined;
      }
      // CSV_QUOTE_NOT_CLOSED: a quote opened and never closed swallowed the rest of the file.
      const from = lastEnd + 1;
      unreadable.push({
        line: from,
        cells: [],
        problem: `Dấu ngoặc kép (") mở từ dòng ${from} không được đóng đến cuối tệp: các dòng từ ${from} đến hết tệp chưa được nhập. Hãy sửa dấu ngoặc kép rồi nhập lại các dòng này.`,
      });
      return undefined;
    },
  };
  // The typings accept a typed on_record only with `columns`; this parser has none.
  const parser = csvParser(options as unknown as Options);
  // pipeline, not pipe: a file that cannot be read ends the import with its error instead of
  // leaving the parser waiting for bytes (or crashing the process on an unheard 'error').
  pipeline(input, utf8Head(), parser, () => undefined);
  for await (const { cells, start, end } of parser as AsyncIterable<Numbered>) {
    if (start === end) {
      yield { line: start, cells };
      continue;
    }
    // Every column holds one line; a record over several lines is a quote left open (or a cell
    // with a line break): its lines are reported together rather than read as one garbled row.
    yield {
      line: start,
      cells,
      problem: `Các dòng ${start}–${end} bị đọc thành một dòng: một ô có dấu ngoặc kép (") mở ở dòng ${start} chỉ được đóng ở dòng ${end}, hoặc một ô có xuống dòng. Mỗi ô chỉ ghi trên một dòng; hãy sửa rồi nhập lại các dòng này.`,
    };
  }
  if (tooLong) throw tooLong;
  yield* unreadable;
}
