/**
 * Incremental updates (ISO 32000-1 §7.5.6): the original bytes are kept as they are and the new
 * or changed objects are appended, with a cross-reference section that points back to the
 * previous one (/Prev). That is what lets a second signature leave the first one valid.
 *
 * The document is read lazily (reader.ts) and the new objects are built with pdf-lib; this
 * module writes the appended section, which pdf-lib cannot do (its save() rewrites the file). The section's cross-reference is in the same form as the
 * previous one: a classic table after a table (what Chromium's Skia writes, and what our own
 * signatures write), an uncompressed cross-reference stream after a stream (files from other
 * producers), since readers are only required to follow /Prev to a section of the same kind.
 */
import { PDFArray, PDFDict, PDFName, PDFNumber, PDFRef, type PDFContext, type PDFObject } from 'pdf-lib';
import { SigningError } from '../errors';
import { openLazy, type LazyPdf } from './reader';

/** A new object whose bytes the caller writes itself (the signature dictionary, whose placeholders it patches later). */
interface RawObject {
  ref: PDFRef;
  body: Buffer;
}

export interface WrittenUpdate {
  /** The whole file: original bytes followed by the update. */
  bytes: Buffer;
  /** Absolute offset of each raw object's body (just after "n 0 obj\n"). */
  rawOffsets: Map<string, number>;
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');

function serializeObject(obj: PDFObject): Buffer {
  const out = Buffer.alloc(obj.sizeInBytes());
  obj.copyBytesInto(out, 0);
  return out;
}

const key = (ref: PDFRef) => `${ref.objectNumber} ${ref.generationNumber}`;

/**
 * A document opened for one incremental update: change objects through `doc`/`context`, mark
 * what changed, register new objects, then `write()`.
 */
export class IncrementalUpdate {
  private readonly changed = new Map<string, PDFRef>();
  private readonly raw = new Map<string, RawObject>();

  private constructor(
    readonly original: Buffer,
    readonly context: PDFContext,
    readonly catalog: PDFDict,
    readonly catalogRef: PDFRef,
    private readonly previous: LazyPdf['previous'],
  ) {}

  static open(original: Buffer): IncrementalUpdate {
    if (original.subarray(0, 1024).indexOf('%PDF-') < 0) throw new SigningError('pdf-unreadable', 'Tệp không phải PDF');
    let lazy: LazyPdf;
    try {
      lazy = openLazy(original);
    } catch (e) {
      if (e instanceof SigningError) throw e;
      throw new SigningError('pdf-unreadable', `Không đọc được tệp PDF: ${(e as Error).message}`);
    }
    const { context, previous } = lazy;
    if (context.trailerInfo.Encrypt) throw new SigningError('pdf-encrypted', 'Tệp PDF được mã hóa: không thể ký thêm');
    const catalogRef = context.trailerInfo.Root;
    const catalog = catalogRef instanceof PDFRef ? context.lookup(catalogRef) : undefined;
    if (!(catalogRef instanceof PDFRef) || !(catalog instanceof PDFDict)) throw new SigningError('pdf-unreadable', 'Tệp PDF thiếu danh mục gốc (/Root)');
    return new IncrementalUpdate(original, context, catalog, catalogRef, previous);
  }

  /** Records that the indirect object `ref` was modified and must be written again. */
  markChanged(ref: PDFRef): void {
    this.changed.set(key(ref), ref);
  }

  /** Registers a new object (written with the update). */
  add(obj: PDFObject): PDFRef {
    const ref = this.context.register(obj);
    this.markChanged(ref);
    return ref;
  }

  /** Reserves a number for an object whose bytes the caller supplies (`setRaw`). */
  reserve(): PDFRef {
    return this.context.nextRef();
  }

  setRaw(ref: PDFRef, body: Buffer): void {
    this.raw.set(key(ref), { ref, body });
  }

  /**
   * `holder[name]` (a dict or array) ready for in-place edits, created if missing. Marks
   * whichever indirect object contains it: the value itself when it is a reference, otherwise
   * the holder (`holderRef`). Returns the value and that object's reference, for nested edits.
   */
  editable<T extends PDFDict | PDFArray>(holder: PDFDict, holderRef: PDFRef, name: string, create: () => T): { value: T; ref: PDFRef } {
    const fresh = create();
    const isT = (v: unknown): v is T => (fresh instanceof PDFDict ? v instanceof PDFDict : v instanceof PDFArray);
    const value = holder.get(PDFName.of(name));
    if (value instanceof PDFRef) {
      const target = this.context.lookup(value);
      if (isT(target)) {
        this.markChanged(value);
        return { value: target, ref: value };
      }
    } else if (isT(value)) {
      this.markChanged(holderRef);
      return { value, ref: holderRef };
    }
    holder.set(PDFName.of(name), fresh);
    this.markChanged(holderRef);
    return { value: fresh, ref: holderRef };
  }

  write(): WrittenUpdate {
    const parts: Buffer[] = [this.original];
    let offset = this.original.length;
    const push = (b: Buffer) => {
      parts.push(b);
      offset += b.length;
    };
    // The update starts on a line of its own.
    const last = this.original[this.original.length - 1];
    if (last !== 0x0a && last !== 0x0d) push(latin1('\n'));

    const entries: Array<{ num: number; gen: number; offset: number }> = [];
    const rawOffsets = new Map<string, number>();
    const all = [...this.changed.values(), ...[...this.raw.values()].map((r) => r.ref)].sort((a, b) => a.objectNumber - b.objectNumber);
    for (const ref of all) {
      const k = key(ref);
      entries.push({ num: ref.objectNumber, gen: ref.generationNumber, offset });
      push(latin1(`${ref.objectNumber} ${ref.generationNumber} obj\n`));
      const raw = this.raw.get(k);
      if (raw) {
        rawOffsets.set(k, offset);
        push(raw.body);
      } else {
        const obj = this.context.lookup(ref);
        if (!obj) throw new Error(`object ${k} vanished before writing`);
        push(serializeObject(obj));
      }
      push(latin1('\nendobj\n'));
    }

    const trailer = this.context.trailerInfo;
    const size = Math.max(this.previous.size, this.context.largestObjectNumber + 1);
    const common: Array<[string, PDFObject | undefined]> = [
      ['Root', trailer.Root],
      ['Info', trailer.Info],
      ['ID', trailer.ID],
      ['Prev', PDFNumber.of(this.previous.offset)],
    ];

    if (this.previous.kind === 'table') {
      const xrefAt = offset;
      let table = 'xref\n';
      for (const run of runs(entries)) {
        table += `${run[0].num} ${run.length}\n`;
        for (const e of run) table += `${String(e.offset).padStart(10, '0')} ${String(e.gen).padStart(5, '0')} n\r\n`;
      }
      const dict = this.context.obj({ Size: size });
      for (const [name, value] of common) if (value) dict.set(PDFName.of(name), value);
      push(latin1(`${table}trailer\n`));
      push(serializeObject(dict));
      push(latin1(`\nstartxref\n${xrefAt}\n%%EOF\n`));
    } else {
      // The stream's own entry is part of it, so its number is the next free one.
      const xrefRef = this.context.nextRef();
      const xrefAt = offset;
      const own = { num: xrefRef.objectNumber, gen: 0, offset: xrefAt };
      const all2 = [...entries, own].sort((a, b) => a.num - b.num);
      const rows = Buffer.alloc(all2.length * 7);
      all2.forEach((e, i) => {
        rows.writeUInt8(1, i * 7);
        rows.writeUInt32BE(e.offset, i * 7 + 1);
        rows.writeUInt16BE(e.gen, i * 7 + 5);
      });
      const index = runs(all2).flatMap((run) => [run[0].num, run.length]);
      const dict = this.context.obj({ Type: 'XRef', Size: Math.max(size, xrefRef.objectNumber + 1), W: [1, 4, 2], Index: index, Length: rows.length });
      for (const [name, value] of common) if (value) dict.set(PDFName.of(name), value);
      push(latin1(`${xrefRef.objectNumber} 0 obj\n`));
      push(serializeObject(dict));
      push(latin1('\nstream\n'));
      push(rows);
      push(latin1(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`));
    }
    return { bytes: Buffer.concat(parts, offset), rawOffsets };
  }
}

function runs<T extends { num: number }>(sorted: T[]): T[][] {
  const out: T[][] = [];
  for (const e of sorted) {
    const run = out[out.length - 1];
    if (run && run[run.length - 1].num + 1 === e.num) run.push(e);
    else out.push([e]);
  }
  return out;
}

export function refKey(ref: PDFRef): string {
  return key(ref);
}
