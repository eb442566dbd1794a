import { createHash } from 'node:crypto';
import fs from 'node:fs';

/** The stylesheet as citizen pages carry it inline, and the CSP source that allows exactly it. */
export interface PageStyle {
  css: string;
  cspSource: string;
}

/**
 * A citizen opens one page, once, often on a slow phone: a linked stylesheet costs a second
 * round trip (300 ms on the slow-phone profile) before anything is painted. Inline, it travels
 * compressed with the page (~4 KB). The CSP allows this one style block by its hash rather
 * than 'unsafe-inline', so injected styles stay refused. Read once: the hash and the text the
 * pages send must be the same bytes.
 */
export function loadPageStyle(file: string): PageStyle {
  const css = fs.readFileSync(file, 'utf8');
  if (/<\/style/i.test(css)) throw new Error(`${file} cannot be placed inside a <style> element`);
  return { css, cspSource: `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'` };
}
