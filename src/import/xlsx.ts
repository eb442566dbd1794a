/**
 * A dossier list as XLSX: the first worksheet's rows, read as a stream through exceljs's
 * streaming reader, within limits. An XLSX is a zip: a file of a few hundred kilobytes can unzip
 * to gigabytes, and exceljs keeps some parts (shared strings, styles) and every cell's text whole
 * in memory. So every part is counted as it is unzipped, and the XML text is checked as it is
 * decoded; past a limit the file is refused with a message, before the memory is spent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import * as unzipper from 'unzipper';
import { FileRefused, type Cell, type Line, type ReadLimits } from './read';

type ReaderEvent = { eventType: string; value: unknown };
type ReaderInternals = {
  sharedStrings?: unknown[];
  workbookRels?: unknown;
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<ReaderEvent>;
  _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Iterable<ReaderEvent>;
  _parseHyperlinks(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Iterable<ReaderEvent>;
};
const BaseReader = ExcelJS.stream.xlsx.WorkbookReader as unknown as new (input: Readable, options: object) => ReaderInternals & AsyncIterable<unknown>;

/**
 * The XML text of a worksheet or of the shared strings, checked as it goes: the text between two
 * tags (a cell's value, a shared string) and a whole row must stay under their limits, because
 * exceljs builds each of them whole in memory.
 */
class XmlSizeGuard {
  private sinceTag = 0;
  private sinceRow = 0;
  private tail = '';

  constructor(
    private readonly limits: ReadLimits,
    private readonly rows: boolean,
  ) {}

  check(text: string): void {
    const { cellChars, rowChars } = this.limits;
    // Most chunks are far shorter than a cell may be: only the last tag in them matters.
    if (this.sinceTag + text.length > cellChars) {
      for (let from = 0, at = text.indexOf('<'); ; from = at + 1, at = text.indexOf('<', from)) {
        const gap = (at === -1 ? text.length : at) - from + (from === 0 ? this.sinceTag : 0);
        if (gap > cellChars) throw FileRefused.xlsxCellTooLong(this.limits.cellChars);
        if (at === -1) break;
      }
    }
    const lastTag = text.lastIndexOf('<');
    this.sinceTag = lastTag === -1 ? this.sinceTag + text.length : text.length - lastTag - 1;
    if (!this.rows) return;
    // "<row" may fall across two chunks: look in the end of the previous one too.
    const seen = this.tail + text;
    let rowStart = this.tail.length - this.sinceRow; // where the current row began, in `seen`
    for (let at = seen.indexOf('<row'); at !== -1; at = seen.indexOf('<row', at + 4)) {
      if (at - rowStart > rowChars) throw FileRefused.xlsxRowTooLong(rowChars);
      rowStart = at;
    }
    this.sinceRow = seen.length - rowStart;
    if (this.sinceRow > rowChars) throw FileRefused.xlsxRowTooLong(rowChars);
    this.tail = seen.slice(-3);
  }
}

/** UTF-8 text of a stream of buffers, decoded across chunk boundaries and checked as it goes. */
async function* decodeUtf8(chunks: AsyncIterable<Buffer | string>, guard: XmlSizeGuard): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    guard.check(text);
    if (text) yield text;
  }
  const tail = decoder.decode();
  guard.check(tail);
  if (tail) yield tail;
}

/** Passes an unzipped part on, counting its bytes against the part's limit and the workbook's. */
function counted(part: string, partLimit: number, addToWorkbook: (bytes: number) => void): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      bytes += chunk.length;
      if (bytes > partLimit) return done(FileRefused.xlsxPartTooLarge(part, partLimit));
      try {
        addToWorkbook(chunk.length);
      } catch (err) {
        return done(err as Error);
      }
      done(null, chunk);
    },
  });
}

/** Passes a worksheet's bytes on to its temporary file, refusing it as soon as its XML breaks a limit. */
function checkedSheet(limits: ReadLimits): Transform {
  const decoder = new TextDecoder('utf-8');
  const guard = new XmlSizeGuard(limits, true);
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      try {
        guard.check(decoder.decode(chunk, { stream: true }));
      } catch (err) {
        return done(err as Error);
      }
      done(null, chunk);
    },
  });
}

async function drain(stream: Readable): Promise<void> {
  for await (const _chunk of stream);
}

const WORKSHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;
const HYPERLINKS = /^xl\/worksheets\/_rels\/sheet(\d+)\.xml\.rels$/;

/**
 * exceljs's streaming WorkbookReader with two changes. Its `parse` is exceljs 4.4's own, except
 * that each zip entry is counted as it is unzipped (entries, bytes per part, bytes in all), the
 * parts nobody reads included; a worksheet that comes before the shared strings waits in a
 * temporary file only as far as the limits allow, and is then read with the shared strings
 * resolved (exceljs's own walk gave `{ sharedString: n }` for such a file, exceljs issue 683).
 * And it decodes the XML across chunk boundaries: exceljs decodes each unzipped chunk on its own,
 * so a Vietnamese letter (two or three bytes) falling across a boundary became U+FFFD — rows
 * rejected, or names stored mangled.
 */
class LimitedWorkbookReader extends BaseReader {
  constructor(
    private readonly source: Readable,
    options: object,
    private readonly limits: ReadLimits,
  ) {
    super(source, options);
  }

  override _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Iterable<ReaderEvent> {
    return super._parseWorksheet(decodeUtf8(iterator, new XmlSizeGuard(this.limits, true)), sheetNo);
  }

  override _parseSharedStrings(entry: Readable): AsyncIterable<ReaderEvent> {
    return super._parseSharedStrings(Readable.from(decodeUtf8(entry, new XmlSizeGuard(this.limits, false))));
  }

  async *parse(): AsyncGenerator<ReaderEvent> {
    const { limits } = this;
    const zip = unzipper.Parse({ forceStream: true });
    // unzipper reports a broken or truncated zip on the zip, not on the entry that waits for its
    // bytes (which may not even be handed out yet): that entry would wait for ever.
    let current: Transform | null = null;
    let broken: Error | null = null;
    zip.on('error', (err: Error) => {
      broken = err;
      current?.destroy(err);
    });
    this.source.pipe(zip);
    let entries = 0;
    let unzipped = 0;
    const addToWorkbook = (bytes: number) => {
      unzipped += bytes;
      if (unzipped > limits.unzippedBytes) throw FileRefused.xlsxTooLarge(limits.unzippedBytes);
    };
    let tmpDir: string | null = null;
    const waitingSheets: { sheetNo: string; file: string }[] = [];
    try {
      for await (const entry of zip) {
        if (broken) throw broken;
        if (++entries > limits.entries) throw FileRefused.xlsxTooManyEntries(limits.entries);
        const sheet = WORKSHEET.exec(entry.path);
        const part = (current = counted(entry.path, sheet ? Infinity : limits.partBytes, addToWorkbook));
        // Whoever reads the part listens for its errors; this keeps a failure that arrives once
        // the part was read from crashing the process as an unheard 'error'.
        part.on('error', () => undefined);
        entry.on('error', (err: Error) => part.destroy(err));
        entry.pipe(part);
        const hyperlinks = HYPERLINKS.exec(entry.path);
        if (entry.path === 'xl/_rels/workbook.xml.rels') await this._parseRels(part);
        else if (entry.path === 'xl/workbook.xml') await this._parseWorkbook(part);
        else if (entry.path === 'xl/sharedStrings.xml') yield* this._parseSharedStrings(part);
        else if (entry.path === 'xl/styles.xml') await this._parseStyles(part);
        else if (sheet && this.sharedStrings && this.workbookRels) yield* this._parseWorksheet(part, sheet[1]);
        else if (sheet) {
          tmpDir ??= await fs.promises.mkdtemp(path.join(os.tmpdir(), 'henlai-xlsx-'));
          const file = path.join(tmpDir, `sheet${sheet[1]}.xml`);
          await pipeline(part, checkedSheet(limits), fs.createWriteStream(file, { mode: 0o600 }));
          waitingSheets.push({ sheetNo: sheet[1], file });
        } else if (hyperlinks) yield* this._parseHyperlinks(part, hyperlinks[1]);
        // What nobody read (document properties, themes, the rest of a part) is unzipped and counted too.
        await drain(part);
        current = null;
      }
      for (const { sheetNo, file } of waitingSheets) yield* this._parseWorksheet(fs.createReadStream(file), sheetNo);
    } finally {
      this.source.unpipe(zip);
      zip.destroy();
      if (tmpDir) await fs.promises.rm(tmpDir, { recursive: true, force: true });
    }
  }
}

/** The first worksheet's rows, read as a stream: a large workbook never sits in memory whole. */
export async function* xlsxLines(input: Readable, limits: ReadLimits): AsyncGenerator<Line> {
  const reader = new LimitedWorkbookReader(input, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', worksheets: 'emit' }, limits);
  // exceljs reads the file through pipe(), which does not pass a read error on: its reader would
  // wait for more bytes for ever. Each row is awaited so that the read error can end the wait.
  let failure: Error | null = null;
  let failWaiting: ((err: Error) => void) | null = null;
  input.once('error', (err) => {
    failure = err;
    failWaiting?.(err);
  });
  const rows = (async function* () {
    for await (const sheet of reader) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) yield row;
      return;
    }
  })();
  for (;;) {
    const next = await new Promise<IteratorResult<ExcelJS.Row>>((resolve, reject) => {
      if (failure) return reject(failure);
      failWaiting = reject;
      rows.next().then(resolve, reject);
    });
    if (next.done) return;
    const values = (next.value.values as ExcelJS.CellValue[]).slice(1);
    yield { line: next.value.number, cells: values.map(plainCell) };
  }
}

function plainCell(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || v instanceof Date) return v;
  if ('richText' in v) return v.richText.map((t) => t.text).join('');
  if ('text' in v) return String(v.text);
  if ('result' in v) return plainCell(v.result as ExcelJS.CellValue);
  return String(v);
}
