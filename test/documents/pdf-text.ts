/**
 * Reading a PDF back in tests with pdfjs-dist (its legacy build runs in Node 20). Loaded with a
 * real dynamic import: pdfjs-dist is an ES module, and TypeScript's CommonJS output would turn
 * `import()` into `require()`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface PdfTextItem {
  str: string;
  /** Baseline position in PDF points from the page's bottom-left corner. */
  x: number;
  y: number;
}

export interface PdfPageText {
  width: number;
  height: number;
  items: PdfTextItem[];
  /** The page's text, NFC, whitespace collapsed to single spaces. */
  text: string;
}

interface PdfjsTextItem {
  str?: string;
  hasEOL?: boolean;
  transform?: number[];
}
interface PdfjsPage {
  view: number[];
  getTextContent(): Promise<{ items: PdfjsTextItem[] }>;
}
interface PdfjsDocument {
  numPages: number;
  getPage(n: number): Promise<PdfjsPage>;
  destroy(): Promise<void>;
}
interface Pdfjs {
  getDocument(src: Record<string, unknown>): { promise: Promise<PdfjsDocument> };
}

const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

/** Whitespace collapsed, NFC: how the tests compare text. */
export const flat = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

export async function pdfPages(pdf: Buffer): Promise<PdfPageText[]> {
  const pdfjs = (await importEsm(pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href)) as Pdfjs;
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), verbosity: 0, isEvalSupported: false, disableFontFace: true, useSystemFonts: false }).promise;
  try {
    const pages: PdfPageText[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const items: PdfTextItem[] = [];
      let raw = '';
      for (const it of content.items) {
        if (typeof it.str !== 'string') continue;
        raw += it.str + (it.hasEOL ? '\n' : '');
        if (it.str.trim()) items.push({ str: it.str.normalize('NFC'), x: it.transform?.[4] ?? 0, y: it.transform?.[5] ?? 0 });
      }
      const [x0, y0, x1, y1] = page.view;
      pages.push({ width: x1 - x0, height: y1 - y0, items, text: flat(raw) });
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

/** `pdftotext` (poppler) when the machine has it, else null: a second, independent reader. */
export function pdftotext(pdf: Buffer): string | null {
  try {
    execFileSync('which', ['pdftotext'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-pdf-')), 'letter.pdf');
  fs.writeFileSync(file, pdf);
  try {
    return flat(execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}
