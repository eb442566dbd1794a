/**
 * The letter's typeface, embedded in the HTML itself: Tinos (metric-compatible with Times New
 * Roman, which Nghị định 30/2020 prescribes) from the npm package @fontsource/tinos, as
 * `@font-face` rules whose `src` is a `data:` URL. The same HTML therefore prints identically in
 * any browser and the PDF renderer needs no system font.
 *
 * Only the "latin" and "vietnamese" subsets are embedded (woff2, ≈ 105 KB for the four styles,
 * ≈ 140 KB as base64): together they cover Vietnamese in NFC and the usual punctuation. A rarer
 * character falls back to the next family in the stack ('Times New Roman', serif).
 */
import fs from 'node:fs';
import path from 'node:path';

const SUBSETS = ['latin', 'vietnamese'] as const;
const STYLES = [
  { weight: 400, style: 'normal' },
  { weight: 400, style: 'italic' },
  { weight: 700, style: 'normal' },
  { weight: 700, style: 'italic' },
] as const;

/** The CSS family name the stylesheet uses. */
export const LETTER_FONT_FAMILY = 'Tinos';

let cached: string | null = null;

function packageDir(): string {
  return path.dirname(require.resolve('@fontsource/tinos/package.json'));
}

/** `@font-face` rules for Tinos regular, italic, bold and bold italic, fonts inlined. Built once per process. */
export function embeddedFontFaceCss(): string {
  if (cached !== null) return cached;
  const dir = packageDir();
  const ranges = JSON.parse(fs.readFileSync(path.join(dir, 'unicode.json'), 'utf8')) as Record<string, string>;
  const rules: string[] = [];
  for (const subset of SUBSETS) {
    const range = ranges[subset];
    if (!range) throw new Error(`@fontsource/tinos: no unicode-range for the "${subset}" subset`);
    for (const { weight, style } of STYLES) {
      const file = path.join(dir, 'files', `tinos-${subset}-${weight}-${style}.woff2`);
      const b64 = fs.readFileSync(file).toString('base64');
      rules.push(
        `@font-face{font-family:'${LETTER_FONT_FAMILY}';font-style:${style};font-weight:${weight};font-display:block;` +
          `src:url(data:font/woff2;base64,${b64}) format('woff2');unicode-range:${range};}`,
      );
    }
  }
  cached = rules.join('\n');
  return cached;
}
