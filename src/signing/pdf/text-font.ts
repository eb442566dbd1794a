/**
 * Text for signature appearances in Tinos (the letter's own typeface, Times New Roman metrics),
 * embedded as a subset so any reader shows the Vietnamese diacritics — a standard PDF font
 * (Helvetica, Times) has no "ệ" or "ơ".
 *
 * @fontsource/tinos ships the face split by Unicode range, as the letter's CSS uses it: a
 * "latin" file and a "vietnamese" file (ă đ ĩ ũ ơ ư and U+1EA0–1EF9). Each character is drawn
 * from the first file that has it, so a line switches fonts mid-word when it must (Chromium does
 * the same in the letter). The fonts are parsed once per process with @pdf-lib/fontkit; a subset
 * is built per set of glyphs and cached, since one agency's appearances repeat the same letters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import fontkit, { type Font, type Glyph } from '@pdf-lib/fontkit';
import { PDFHexString, PDFRawStream, PDFString, type PDFRef } from 'pdf-lib';
import type { IncrementalUpdate } from './incremental';

interface Face {
  name: string;
  font: Font;
  /** Font units → 1/1000 em (PDF glyph space). */
  scale: number;
}

const FILES = ['tinos-latin-400-normal.woff', 'tinos-vietnamese-400-normal.woff'];
let faces: Face[] | null = null;

function loadFaces(): Face[] {
  if (faces) return faces;
  const dir = path.join(path.dirname(require.resolve('@fontsource/tinos/package.json')), 'files');
  faces = FILES.map((file) => {
    const font = fontkit.create(woffToSfnt(fs.readFileSync(path.join(dir, file))));
    return { name: file.replace(/\.woff$/, ''), font, scale: 1000 / font.unitsPerEm };
  });
  return faces;
}

/**
 * The WOFF file as the plain TrueType it wraps (WOFF 1.0: each table zlib-compressed on its own).
 * fontkit reads a WOFF's tables through a decompressing stream and inflates the whole glyf table
 * again for every glyph it copies into a subset: ~10 ms per subset, against ~2 ms from the sfnt.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') return woff;
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + i * 20;
    const [tag, offset, compLength, origLength, checksum] = [0, 4, 8, 12, 16].map((d) => woff.readUInt32BE(at + d));
    const stored = woff.subarray(offset, offset + compLength);
    return { tag, checksum, data: compLength < origLength ? inflateSync(stored) : stored };
  });
  // The sfnt table directory's binary-search fields (OpenType spec, "Table Directory").
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  const header = Buffer.alloc(12 + numTables * 16);
  header.writeUInt32BE(woff.readUInt32BE(4), 0); // flavor: the sfnt version
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(searchRange, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(numTables * 16 - searchRange, 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((t, i) => {
    header.writeUInt32BE(t.tag, 12 + i * 16);
    header.writeUInt32BE(t.checksum, 16 + i * 16);
    header.writeUInt32BE(offset, 20 + i * 16);
    header.writeUInt32BE(t.data.length, 24 + i * 16);
    const padded = Buffer.alloc((t.data.length + 3) & ~3); // tables start on 4-byte boundaries
    t.data.copy(padded);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}

export interface ShapedRun {
  face: Face;
  glyphs: Glyph[];
  codePoints: number[];
}

/** A line of text as runs of glyphs per face; `width` in 1/1000 em. Characters no face has become "?". */
export function shapeLine(text: string): { runs: ShapedRun[]; width: number } {
  const all = loadFaces();
  const runs: ShapedRun[] = [];
  let width = 0;
  for (const ch of text.normalize('NFC')) {
    let cp = ch.codePointAt(0)!;
    let face = all.find((f) => f.font.hasGlyphForCodePoint(cp));
    if (!face) {
      cp = 0x3f;
      face = all[0];
    }
    const glyph = face.font.glyphForCodePoint(cp);
    width += glyph.advanceWidth * face.scale;
    const last = runs[runs.length - 1];
    if (last && last.face === face) {
      last.glyphs.push(glyph);
      last.codePoints.push(cp);
    } else runs.push({ face, glyphs: [glyph], codePoints: [cp] });
  }
  return { runs, width };
}

interface SubsetData {
  baseFont: string;
  fontFile: Buffer;
  fontFileLength: number;
  widths: number[];
  cmap: Buffer;
  /** Original glyph id → id in the subset. */
  gids: Map<number, number>;
}

const subsetCache = new Map<string, Promise<SubsetData>>();
const MAX_CACHED_SUBSETS = 128;

function encodeSubset(face: Face, glyphs: Map<number, { glyph: Glyph; codePoint: number }>): Promise<SubsetData> {
  const subset = face.font.createSubset();
  const gids = new Map<number, number>();
  const ordered = [...glyphs.values()].sort((a, b) => a.glyph.id - b.glyph.id);
  for (const { glyph } of ordered) gids.set(glyph.id, subset.includeGlyph(glyph));
  return new Promise<SubsetData>((resolve) => {
    const parts: Uint8Array[] = [];
    subset
      .encodeStream()
      .on('data', (b: Uint8Array) => parts.push(b))
      .on('end', () => {
        const ttf = Buffer.concat(parts);
        const widths: number[] = [];
        const toUnicode: Array<[number, number]> = [];
        for (const { glyph, codePoint } of ordered) {
          const gid = gids.get(glyph.id)!;
          widths[gid] = Math.round(glyph.advanceWidth * face.scale);
          toUnicode.push([gid, codePoint]);
        }
        // A subset tag derived from the content, so the same subset gets the same name.
        const tag = [...ordered.map((o) => o.glyph.id).join(',')].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
        const letters = Array.from({ length: 6 }, (_, i) => String.fromCharCode(65 + (Math.floor(tag / 26 ** i) % 26))).join('');
        resolve({
          baseFont: `${letters}+Tinos-Regular`,
          fontFile: deflateSync(ttf),
          fontFileLength: ttf.length,
          widths,
          cmap: deflateSync(Buffer.from(toUnicodeCmap(toUnicode), 'latin1')),
          gids,
        });
      });
  });
}

const isDigit = (cp: number) => cp >= 0x30 && cp <= 0x39;

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function utf16Hex(cp: number): string {
  return String.fromCodePoint(cp)
    .split('')
    .map((c) => hex4(c.charCodeAt(0)))
    .join('');
}

function toUnicodeCmap(pairs: Array<[number, number]>): string {
  const blocks: string[] = [];
  for (let i = 0; i < pairs.length; i += 100) {
    const chunk = pairs.slice(i, i + 100);
    blocks.push(`${chunk.length} beginbfchar\n${chunk.map(([g, cp]) => `<${hex4(g)}> <${utf16Hex(cp)}>`).join('\n')}\nendbfchar`);
  }
  return [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <FFFF>',
    'endcodespacerange',
    ...blocks,
    'endcmap',
    'CMapName currentdict /CMap defineresource pop',
    'end',
    'end',
  ].join('\n');
}

/**
 * Collects the glyphs an appearance uses, then embeds one Type0/CIDFontType2 font per face used
 * into the update and encodes the lines for the content stream.
 */
export class TextFonts {
  private readonly used = new Map<Face, Map<number, { glyph: Glyph; codePoint: number }>>();

  add(runs: ShapedRun[]): void {
    for (const run of runs) {
      let m = this.used.get(run.face);
      if (!m) this.used.set(run.face, (m = new Map()));
      run.glyphs.forEach((g, i) => m!.set(g.id, { glyph: g, codePoint: run.codePoints[i] }));
      // Every letter has its own number: a subset with all ten digits serves every number and
      // date of an agency from the cache, where one per set of digits was built afresh.
      if (run.codePoints.some(isDigit)) for (let cp = 0x30; cp <= 0x39; cp++) m.set(run.face.font.glyphForCodePoint(cp).id, { glyph: run.face.font.glyphForCodePoint(cp), codePoint: cp });
    }
  }

  /** Embeds the fonts; returns the resource dictionary entries and an encoder for runs. */
  async embed(update: IncrementalUpdate): Promise<{ fonts: Record<string, PDFRef>; encode: (run: ShapedRun) => { font: string; hex: string } }> {
    const fonts: Record<string, PDFRef> = {};
    const byFace = new Map<Face, { name: string; data: SubsetData }>();
    let i = 0;
    for (const [face, glyphs] of this.used) {
      const key = `${face.name}:${[...glyphs.keys()].sort((a, b) => a - b).join(',')}`;
      let pending = subsetCache.get(key);
      if (!pending) {
        if (subsetCache.size >= MAX_CACHED_SUBSETS) subsetCache.delete(subsetCache.keys().next().value!);
        pending = encodeSubset(face, glyphs);
        subsetCache.set(key, pending);
        pending.catch(() => subsetCache.delete(key));
      }
      const data = await pending;
      const name = `F${++i}`;
      byFace.set(face, { name, data });
      fonts[name] = embedSubset(update, face, data);
    }
    return {
      fonts,
      encode(run) {
        const entry = byFace.get(run.face)!;
        return { font: entry.name, hex: run.glyphs.map((g) => hex4(entry.data.gids.get(g.id)!)).join('') };
      },
    };
  }
}

function embedSubset(update: IncrementalUpdate, face: Face, data: SubsetData): PDFRef {
  const ctx = update.context;
  const f = face.font;
  const s = face.scale;
  const fontFile = update.add(PDFRawStream.of(ctx.obj({ Filter: 'FlateDecode', Length1: data.fontFileLength }), data.fontFile));
  const descriptor = update.add(
    ctx.obj({
      Type: 'FontDescriptor',
      FontName: data.baseFont,
      Flags: 34, // serif, non-symbolic
      FontBBox: [f.bbox.minX * s, f.bbox.minY * s, f.bbox.maxX * s, f.bbox.maxY * s].map(Math.round),
      ItalicAngle: 0,
      Ascent: Math.round(f.ascent * s),
      Descent: Math.round(f.descent * s),
      CapHeight: Math.round((f.capHeight || f.ascent) * s),
      StemV: 80,
      FontFile2: fontFile,
    }),
  );
  const cidFont = update.add(
    ctx.obj({
      Type: 'Font',
      Subtype: 'CIDFontType2',
      BaseFont: data.baseFont,
      CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('Identity'), Supplement: 0 },
      FontDescriptor: descriptor,
      CIDToGIDMap: 'Identity',
      W: [0, Array.from(data.widths, (w) => w ?? 0)],
    }),
  );
  const toUnicode = update.add(PDFRawStream.of(ctx.obj({ Filter: 'FlateDecode' }), data.cmap));
  return update.add(ctx.obj({ Type: 'Font', Subtype: 'Type0', BaseFont: data.baseFont, Encoding: 'Identity-H', DescendantFonts: [cidFont], ToUnicode: toUnicode }));
}

/** A PDF text string (UTF-16BE with BOM) for dictionary values such as /Name and /Reason. */
export function pdfText(value: string): PDFHexString {
  return PDFHexString.fromText(value.normalize('NFC'));
}
