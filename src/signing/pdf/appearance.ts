/**
 * The visible part of a signature: a form XObject drawn in the widget's rectangle.
 * - image: a PNG (the leader's blue signature, the agency's red seal) scaled to fit the
 *   rectangle, aspect ratio kept, centred; its transparency is kept (soft mask), so the seal
 *   laid over the signature lets both show.
 * - text: lines in Tinos, black, at the requested size (default 10 pt, the size Nghị định 30
 *   sets for the agency signature on electronic copies), wrapped at word boundaries and reduced
 *   down to 6 pt until they fit.
 * The page's own content is not touched: a widget is drawn on top of it.
 */
import { createHash } from 'node:crypto';
import { PDFContext, PDFDict, PDFName, PDFRawStream, PDFRef, PngEmbedder } from 'pdf-lib';
import { SigningError } from '../errors';
import type { IncrementalUpdate } from './incremental';
import { shapeLine, TextFonts, type ShapedRun } from './text-font';

/** [x1, y1, x2, y2] in PDF points, origin at the page's lower left corner. */
export type Rect = [number, number, number, number];

export type Appearance = { kind: 'image'; png: Buffer } | { kind: 'text'; lines: string[]; fontSize?: number };

interface ImageData {
  width: number;
  height: number;
  image: { dict: PDFDict; contents: Uint8Array };
  smask: { dict: PDFDict; contents: Uint8Array } | null;
}

/** Decoded PNGs by content hash: decoding is the slow part, and an agency uses the same two images all year. */
const imageCache = new Map<string, Promise<ImageData>>();
const MAX_CACHED_IMAGES = 32;

async function decodePng(png: Buffer): Promise<ImageData> {
  let embedder: PngEmbedder;
  try {
    embedder = await PngEmbedder.for(png);
  } catch (e) {
    throw new SigningError('image-unreadable', `Ảnh chữ ký/con dấu không phải tệp PNG đọc được: ${(e as Error).message}`);
  }
  const scratch = PDFContext.create();
  const ref = await embedder.embedIntoContext(scratch);
  const image = scratch.lookup(ref);
  if (!(image instanceof PDFRawStream)) throw new SigningError('image-unreadable', 'Ảnh chữ ký/con dấu không chuyển được sang PDF');
  const smaskRef = image.dict.get(PDFName.of('SMask'));
  const smaskObj = smaskRef instanceof PDFRef ? scratch.lookup(smaskRef) : null;
  const smask = smaskObj instanceof PDFRawStream ? smaskObj : null;
  return {
    width: embedder.width,
    height: embedder.height,
    image: { dict: image.dict, contents: image.contents },
    smask: smask ? { dict: smask.dict, contents: smask.contents } : null,
  };
}

function cachedPng(png: Buffer): Promise<ImageData> {
  const key = createHash('sha256').update(png).digest('hex');
  let pending = imageCache.get(key);
  if (!pending) {
    if (imageCache.size >= MAX_CACHED_IMAGES) imageCache.delete(imageCache.keys().next().value!);
    pending = decodePng(png);
    imageCache.set(key, pending);
    pending.catch(() => imageCache.delete(key));
  }
  return pending;
}

function copyStream(update: IncrementalUpdate, source: { dict: PDFDict; contents: Uint8Array }, replace: Record<string, PDFRef> = {}): PDFRef {
  const dict = source.dict.clone(update.context);
  for (const [name, ref] of Object.entries(replace)) dict.set(PDFName.of(name), ref);
  return update.add(PDFRawStream.of(dict, source.contents));
}

const n = (v: number) => (Math.round(v * 1000) / 1000).toString();

async function imageForm(update: IncrementalUpdate, png: Buffer, width: number, height: number): Promise<{ content: string; resources: Record<string, unknown> }> {
  const img = await cachedPng(png);
  const smaskRef = img.smask ? copyStream(update, img.smask) : null;
  const imageRef = copyStream(update, img.image, smaskRef ? { SMask: smaskRef } : {});
  const scale = Math.min(width / img.width, height / img.height);
  const w = img.width * scale;
  const h = img.height * scale;
  return {
    content: `q ${n(w)} 0 0 ${n(h)} ${n((width - w) / 2)} ${n((height - h) / 2)} cm /Im1 Do Q`,
    resources: { XObject: { Im1: imageRef } },
  };
}

const PADDING = 2;
const LINE_HEIGHT = 1.2;
const MIN_FONT_SIZE = 6;

/** Greedy word wrap of one line at `size` within `maxWidth` points. */
function wrap(line: string, size: number, maxWidth: number): string[] {
  const words = line.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let current = '';
  for (const word of words) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && (shapeLine(candidate).width * size) / 1000 > maxWidth) {
      out.push(current);
      current = word;
    } else current = candidate;
  }
  if (current || out.length === 0) out.push(current);
  return out;
}

/** The largest size ≤ `preferred` (by half points, down to 6 pt) at which the wrapped lines fit. */
export function layoutText(lines: string[], preferred: number, width: number, height: number): { size: number; lines: string[] } {
  const maxWidth = width - 2 * PADDING;
  for (let size = preferred; size >= MIN_FONT_SIZE; size -= 0.5) {
    const wrapped = lines.flatMap((l) => wrap(l, size, maxWidth));
    const fits = wrapped.length * size * LINE_HEIGHT <= height - 2 * PADDING && wrapped.every((l) => (shapeLine(l).width * size) / 1000 <= maxWidth);
    if (fits) return { size, lines: wrapped };
  }
  return { size: MIN_FONT_SIZE, lines: lines.flatMap((l) => wrap(l, MIN_FONT_SIZE, maxWidth)) };
}

async function textForm(update: IncrementalUpdate, lines: string[], fontSize: number, width: number, height: number): Promise<{ content: string; resources: Record<string, unknown> }> {
  const layout = layoutText(lines, fontSize, width, height);
  const fonts = new TextFonts();
  const shaped: ShapedRun[][] = layout.lines.map((l) => shapeLine(l).runs);
  shaped.forEach((runs) => fonts.add(runs));
  const { fonts: resources, encode } = await fonts.embed(update);
  const size = layout.size;
  const ops: string[] = ['q', '0 g', 'BT'];
  shaped.forEach((runs, i) => {
    const baseline = height - PADDING - size * (0.9 + LINE_HEIGHT * i);
    ops.push(`1 0 0 1 ${n(PADDING)} ${n(baseline)} Tm`);
    for (const run of runs) {
      const { font, hex } = encode(run);
      ops.push(`/${font} ${n(size)} Tf <${hex}> Tj`);
    }
  });
  ops.push('ET', 'Q');
  return { content: ops.join('\n'), resources: { Font: resources } };
}

/** Adds the appearance stream (a form XObject `width` × `height` points) and returns its reference. */
export async function addAppearance(update: IncrementalUpdate, appearance: Appearance, width: number, height: number): Promise<PDFRef> {
  const { content, resources } =
    appearance.kind === 'image'
      ? await imageForm(update, appearance.png, width, height)
      : await textForm(update, appearance.lines, appearance.fontSize ?? 10, width, height);
  const dict = update.context.obj({
    Type: 'XObject',
    Subtype: 'Form',
    BBox: [0, 0, Number(n(width)), Number(n(height))],
    Resources: resources as never,
  });
  // A few hundred bytes of operators: compressing them costs more time than it saves space.
  return update.add(PDFRawStream.of(dict, Buffer.from(content, 'latin1')));
}

/** An empty appearance for an invisible signature (some readers want /AP on every widget). */
export function addEmptyAppearance(update: IncrementalUpdate): PDFRef {
  const dict = update.context.obj({ Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 0, 0] });
  return update.add(PDFRawStream.of(dict, new Uint8Array()));
}

/**
 * Text written onto the page at issuance (the letter's number and date, as the VGCA plugin's
 * "sign issued" call writes them): one line on a white ground over the blank left for it,
 * centred, `fontSize` points, slanted like italic when asked.
 */
export interface Stamp {
  page: number;
  rect: Rect;
  text: string;
  fontSize: number;
  italic?: boolean;
}

export async function addStampAppearance(update: IncrementalUpdate, stamp: Stamp): Promise<PDFRef> {
  const width = stamp.rect[2] - stamp.rect[0];
  const height = stamp.rect[3] - stamp.rect[1];
  const shaped = shapeLine(stamp.text);
  const size = Math.min(stamp.fontSize, ((width - 2 * PADDING) * 1000) / Math.max(1, shaped.width));
  const fonts = new TextFonts();
  fonts.add(shaped.runs);
  const { fonts: resources, encode } = await fonts.embed(update);
  const x = (width - (shaped.width * size) / 1000) / 2;
  const baseline = (height - size * 0.7) / 2;
  const slant = stamp.italic ? 0.21 : 0;
  const ops = ['q', '1 g', `0 0 ${n(width)} ${n(height)} re f`, '0 g', 'BT', `1 0 ${slant} 1 ${n(x)} ${n(baseline)} Tm`];
  for (const run of shaped.runs) {
    const { font, hex } = encode(run);
    ops.push(`/${font} ${n(size)} Tf <${hex}> Tj`);
  }
  ops.push('ET', 'Q');
  const dict = update.context.obj({ Type: 'XObject', Subtype: 'Form', BBox: [0, 0, Number(n(width)), Number(n(height))], Resources: { Font: resources } as never });
  return update.add(PDFRawStream.of(dict, Buffer.from(ops.join('\n'), 'latin1')));
}
