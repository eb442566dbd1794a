/**
 * Opens a PDF for an incremental update by reading only what the update touches — the trailer,
 * the catalog, the page tree down to one page, the form — instead of parsing every object.
 * pdf-lib's full parse (PDFDocument.load) of a letter costs more than the rest of a signature
 * (fonts and content streams are most of the file and the update never looks at them).
 *
 * Objects are found through the cross-reference sections, newest first along /Prev: classic
 * tables, cross-reference streams and hybrid files (/XRefStm), with objects inside object
 * streams. Each object is parsed by pdf-lib's own object parser the first time pdf-lib (or this
 * module) looks it up: the context's lookup methods load on demand, so pdf-lib objects such as
 * PDFDict.lookup work as on a fully parsed document.
 */
import { decodePDFRawStream, PDFArray, PDFContext, PDFDict, PDFName, PDFNumber, PDFObjectParser, PDFRawStream, PDFRef, type PDFObject } from 'pdf-lib';
import { SigningError } from '../errors';

type Entry = { kind: 'offset'; offset: number; gen: number } | { kind: 'compressed'; stream: number; index: number } | { kind: 'free' };

export interface LazyPdf {
  context: PDFContext;
  trailer: PDFDict;
  /** The last cross-reference section: the new section's /Prev, and its kind. */
  previous: { offset: number; kind: 'table' | 'stream'; size: number };
}

const unreadable = (why: string) => new SigningError('pdf-unreadable', `Không đọc được cấu trúc tệp PDF: ${why}`);

function lastStartXref(bytes: Buffer): number {
  const tail = bytes.subarray(Math.max(0, bytes.length - 2048)).toString('latin1');
  const all = [...tail.matchAll(/startxref\s+(\d+)/g)];
  const m = all[all.length - 1];
  if (!m) throw unreadable('thiếu startxref');
  const offset = Number(m[1]);
  if (!(offset > 0 && offset < bytes.length)) throw unreadable('startxref trỏ ra ngoài tệp');
  return offset;
}

function parseObjectAt(bytes: Buffer, offset: number, context: PDFContext, expect?: number): PDFObject {
  const head = /^\s*(\d+)\s+(\d+)\s+obj\b/.exec(bytes.subarray(offset, offset + 40).toString('latin1'));
  if (!head) throw unreadable(`không có đối tượng tại vị trí ${offset}`);
  if (expect !== undefined && Number(head[1]) !== expect) throw unreadable(`bảng tham chiếu trỏ sai đối tượng ${expect}`);
  return PDFObjectParser.forBytes(bytes.subarray(offset + head[0].length), context).parseObject();
}

function tableSection(bytes: Buffer, offset: number, entries: Map<number, Entry>, context: PDFContext): PDFDict {
  const text = bytes.subarray(offset, bytes.length).toString('latin1');
  const end = text.indexOf('trailer');
  if (end < 0) throw unreadable('thiếu trailer');
  const tokens = text.slice(4, end).trim().split(/\s+/);
  for (let i = 0; i + 1 < tokens.length; ) {
    const start = Number(tokens[i]);
    const count = Number(tokens[i + 1]);
    i += 2;
    for (let k = 0; k < count; k++, i += 3) {
      const num = start + k;
      if (entries.has(num)) continue;
      entries.set(num, tokens[i + 2] === 'n' ? { kind: 'offset', offset: Number(tokens[i]), gen: Number(tokens[i + 1]) } : { kind: 'free' });
    }
  }
  const trailer = PDFObjectParser.forBytes(bytes.subarray(offset + end + 'trailer'.length), context).parseObject();
  if (!(trailer instanceof PDFDict)) throw unreadable('trailer không phải từ điển');
  return trailer;
}

function streamSection(bytes: Buffer, offset: number, entries: Map<number, Entry>, context: PDFContext): PDFDict {
  const stream = parseObjectAt(bytes, offset, context);
  if (!(stream instanceof PDFRawStream)) throw unreadable('bảng tham chiếu dạng luồng không đọc được');
  const dict = stream.dict;
  const w = (dict.lookup(PDFName.of('W')) as PDFArray).asArray().map((n) => (n as PDFNumber).asNumber());
  const size = (dict.lookup(PDFName.of('Size')) as PDFNumber).asNumber();
  const index = (dict.lookup(PDFName.of('Index')) as PDFArray | undefined)?.asArray().map((n) => (n as PDFNumber).asNumber()) ?? [0, size];
  const data = decodePDFRawStream(stream).decode();
  const field = (at: number, width: number, fallback: number) => {
    if (width === 0) return fallback;
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + data[at + i];
    return v;
  };
  const rowWidth = w[0] + w[1] + w[2];
  let row = 0;
  for (let i = 0; i + 1 < index.length; i += 2) {
    for (let k = 0; k < index[i + 1]; k++, row++) {
      const at = row * rowWidth;
      const num = index[i] + k;
      if (entries.has(num)) continue;
      const type = field(at, w[0], 1);
      const a = field(at + w[0], w[1], 0);
      const b = field(at + w[0] + w[1], w[2], 0);
      entries.set(num, type === 1 ? { kind: 'offset', offset: a, gen: b } : type === 2 ? { kind: 'compressed', stream: a, index: b } : { kind: 'free' });
    }
  }
  return dict;
}

/** Reads the cross-reference chain and returns a context that parses objects when looked up. */
export function openLazy(bytes: Buffer): LazyPdf {
  const context = PDFContext.create();
  const entries = new Map<number, Entry>();
  const first = lastStartXref(bytes);
  let trailer: PDFDict | null = null;
  let previous: LazyPdf['previous'] | null = null;
  const seen = new Set<number>();
  for (let offset: number | null = first; offset !== null; ) {
    if (seen.has(offset) || seen.size > 1000) throw unreadable('chuỗi /Prev lặp vòng');
    seen.add(offset);
    const isTable = /^\s*xref\b/.test(bytes.subarray(offset, offset + 16).toString('latin1'));
    const dict: PDFDict = isTable ? tableSection(bytes, offset, entries, context) : streamSection(bytes, offset, entries, context);
    const hybrid = dict.lookup(PDFName.of('XRefStm'));
    if (isTable && hybrid instanceof PDFNumber) streamSection(bytes, hybrid.asNumber(), entries, context);
    if (!trailer) {
      trailer = dict;
      const size = dict.lookup(PDFName.of('Size'));
      if (!(size instanceof PDFNumber)) throw unreadable('trailer thiếu /Size');
      previous = { offset, kind: isTable ? 'table' : 'stream', size: size.asNumber() };
    }
    const prev: PDFObject | undefined = dict.lookup(PDFName.of('Prev'));
    offset = prev instanceof PDFNumber ? prev.asNumber() : null;
  }
  if (!trailer || !previous) throw unreadable('không có bảng tham chiếu chéo');

  const objectStreams = new Map<number, { data: Uint8Array; first: number; offsets: number[] }>();
  const load = (ref: PDFRef): PDFObject | undefined => {
    const entry = entries.get(ref.objectNumber);
    if (!entry || entry.kind === 'free') return undefined;
    if (entry.kind === 'offset') return parseObjectAt(bytes, entry.offset, context, ref.objectNumber);
    let os = objectStreams.get(entry.stream);
    if (!os) {
      const stream = context.lookup(PDFRef.of(entry.stream));
      if (!(stream instanceof PDFRawStream)) throw unreadable(`luồng đối tượng ${entry.stream} không đọc được`);
      const data = decodePDFRawStream(stream).decode();
      const n = (stream.dict.lookup(PDFName.of('N')) as PDFNumber).asNumber();
      const firstAt = (stream.dict.lookup(PDFName.of('First')) as PDFNumber).asNumber();
      const header = Buffer.from(data.subarray(0, firstAt)).toString('latin1').trim().split(/\s+/).map(Number);
      os = { data, first: firstAt, offsets: Array.from({ length: n }, (_, i) => header[2 * i + 1]) };
      objectStreams.set(entry.stream, os);
    }
    return PDFObjectParser.forBytes(os.data.subarray(os.first + os.offsets[entry.index]), context).parseObject();
  };

  // Load on first lookup: pdf-lib's own accessors (PDFDict.lookup, …) go through these two.
  const loaded = new Set<PDFRef>();
  const ensure = (ref: unknown) => {
    if (ref instanceof PDFRef && !loaded.has(ref)) {
      loaded.add(ref);
      const obj = load(ref);
      if (obj) context.assign(ref, obj);
    }
  };
  const lookup = context.lookup.bind(context);
  const lookupMaybe = context.lookupMaybe.bind(context);
  context.lookup = ((ref: unknown, ...types: unknown[]) => {
    ensure(ref);
    return (lookup as (...a: unknown[]) => unknown)(ref, ...types);
  }) as PDFContext['lookup'];
  context.lookupMaybe = ((ref: unknown, ...types: unknown[]) => {
    ensure(ref);
    return (lookupMaybe as (...a: unknown[]) => unknown)(ref, ...types);
  }) as PDFContext['lookupMaybe'];

  const get = (name: string) => trailer!.get(PDFName.of(name));
  context.trailerInfo = { Root: get('Root'), Info: get('Info'), ID: get('ID'), Encrypt: get('Encrypt') };
  context.largestObjectNumber = previous.size - 1;
  return { context, trailer, previous };
}

/** The page at `index` (0-based) by walking /Kids with /Count, and the page count. */
export function findPage(context: PDFContext, catalog: PDFDict, index: number): { ref: PDFRef; node: PDFDict; count: number } | { ref: null; count: number } {
  const root = catalog.lookup(PDFName.of('Pages'));
  if (!(root instanceof PDFDict)) throw unreadable('thiếu cây trang');
  const count = (root.lookup(PDFName.of('Count')) as PDFNumber | undefined)?.asNumber() ?? 0;
  if (index < 0 || index >= count) return { ref: null, count };
  let node: PDFDict = root;
  let remaining = index;
  for (let depth = 0; depth < 64; depth++) {
    const kids = node.lookup(PDFName.of('Kids'));
    if (!(kids instanceof PDFArray)) break;
    let next: PDFDict | null = null;
    for (const kidRef of kids.asArray()) {
      const kid = context.lookup(kidRef);
      if (!(kid instanceof PDFDict) || !(kidRef instanceof PDFRef)) continue;
      const isPages = kid.lookup(PDFName.of('Type')) === PDFName.of('Pages');
      const n = isPages ? ((kid.lookup(PDFName.of('Count')) as PDFNumber | undefined)?.asNumber() ?? 0) : 1;
      if (remaining >= n) {
        remaining -= n;
        continue;
      }
      if (!isPages) return { ref: kidRef, node: kid, count };
      next = kid;
      break;
    }
    if (!next) break;
    node = next;
  }
  throw unreadable(`không tìm thấy trang ${index + 1} trong cây trang`);
}

/** The page's MediaBox (inherited from its ancestors when the page has none). */
export function mediaBox(page: PDFDict): { x: number; y: number; width: number; height: number } {
  for (let node: PDFDict | undefined = page, depth = 0; node && depth < 64; depth++) {
    const box = node.lookup(PDFName.of('MediaBox'));
    if (box instanceof PDFArray) {
      const [x1, y1, x2, y2] = box.asArray().map((n) => (n as PDFNumber).asNumber());
      return { x: Math.min(x1, x2), y: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
    }
    const parent: PDFObject | undefined = node.lookup(PDFName.of('Parent'));
    node = parent instanceof PDFDict ? parent : undefined;
  }
  throw unreadable('trang không có /MediaBox');
}
