/**
 * The one rule for free text that people type or files bring (names, addresses, reasons, notes):
 * what it is stored as, and which characters it may not contain.
 *
 * Such text is copied into letters, PDFs, e-mails, Zalo messages and spreadsheets, where a
 * character that cannot be seen still acts: NUL and other C0/C1 controls break files and
 * protocols, a line break inside a one-line field splits a letter's line or a ZNS parameter,
 * and Unicode format characters (category Cf) change how text reads without showing — U+202E
 * turns "Nguyễn Văn An" around, U+200B makes two identical-looking names different for search
 * and deduplication. They are refused, not removed: the person who typed or exported the text
 * should see what was wrong with it.
 *
 * Format characters include U+200C (ZWNJ) and U+200D (ZWJ). They are needed by some scripts
 * (Persian, the Indic scripts) and by emoji sequences, never by Vietnamese, whose letters are
 * single code points in NFC; in an administrative letter to a Vietnamese citizen they could only
 * hide a difference, so they are refused with the rest of Cf.
 */

/** Trimmed, NFC; in multi-line text every line ending becomes LF (browsers send CRLF from a textarea). */
export function normalizeText(text: string, options: { multiline?: boolean } = {}): string {
  const nfc = text.normalize('NFC');
  return (options.multiline ? nfc.replace(/\r\n?/g, '\n') : nfc).trim();
}

// C0 controls, DEL, C1 controls, format characters (Cf), line and paragraph separators, and lone
// surrogates (not characters at all: they cannot be written as UTF-8).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN_ONE_LINE = /[\u0000-\u001F\u007F-\u009F\p{Cf}\u2028\u2029\p{Cs}]/u;
// The same, except LF.
// eslint-disable-next-line no-control-regex -- as above
const FORBIDDEN_MULTI_LINE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\p{Cf}\u2028\u2029\p{Cs}]/u;

export interface ForbiddenCharacter {
  /** The code point, e.g. 0x202E. */
  codePoint: number;
  /** 1-based position in the text, in characters as a person counts them (code points). */
  position: number;
  /** A line break in a one-line field, or any other character that is never accepted. */
  kind: 'line-break' | 'invisible';
}

/** The first character the rule refuses, or null when the text may be stored. Expects normalised text. */
export function findForbiddenCharacter(text: string, options: { multiline?: boolean } = {}): ForbiddenCharacter | null {
  const pattern = options.multiline ? FORBIDDEN_MULTI_LINE : FORBIDDEN_ONE_LINE;
  const m = pattern.exec(text);
  if (!m) return null;
  const codePoint = m[0].codePointAt(0) as number;
  const position = [...text.slice(0, m.index)].length + 1;
  const lineBreak = codePoint === 0x0a || codePoint === 0x0d || codePoint === 0x2028 || codePoint === 0x2029;
  return { codePoint, position, kind: lineBreak ? 'line-break' : 'invisible' };
}

function hex(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** What a person reads next to the field. */
export function forbiddenCharacterMessage(c: ForbiddenCharacter): string {
  if (c.kind === 'line-break') return `Chỉ ghi trên một dòng: có dấu xuống dòng ở ký tự thứ ${c.position}`;
  return `Có ký tự điều khiển hoặc ký tự ẩn không được phép (${hex(c.codePoint)}, ký tự thứ ${c.position}); hãy xoá hoặc gõ lại đoạn này`;
}

/** The message for text that breaks the rule, or null when it may be stored. */
export function textProblem(text: string, options: { multiline?: boolean } = {}): string | null {
  const c = findForbiddenCharacter(text, options);
  return c ? forbiddenCharacterMessage(c) : null;
}
