/**
 * SMS encoding and splitting, as the phone network does it (3GPP TS 23.038 / 23.040):
 *
 * - GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table; an
 *   extension character (^ { } \ [ ~ ] | € and form feed) is sent as ESC + char and costs two
 *   septets. One SMS holds 160 septets; a concatenated message 153 per part (the user data
 *   header takes the rest), and an ESC pair is never split across parts.
 * - UCS-2 otherwise: 70 UTF-16 code units alone, 67 per part when concatenated, and a surrogate
 *   pair (an emoji, say) is never split across parts.
 *
 * Vietnamese with its diacritics ("ễ", "ộ", "đ", ...) is outside GSM-7, so a Vietnamese notice
 * is UCS-2. **The product sends the Vietnamese text with diacritics** (correctness first: a
 * name or a place without its marks can be misread), split into as many parts as needed.
 * `asciiVietnamese()` gives the marks-stripped variant for a gateway that only takes GSM-7; it
 * is offered, not used by default.
 */
import type { SmsText } from './types';

// GSM 03.38 default alphabet (0x1B, the escape to the extension table, is not a character).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set([...GSM_BASIC].filter((c) => c !== '\u001b'));
const EXTENSION = new Set([...GSM_EXTENSION]);

export const GSM7_SINGLE = 160;
export const GSM7_PART = 153;
export const UCS2_SINGLE = 70;
export const UCS2_PART = 67;

/** Septets a character costs in GSM-7 (1 basic, 2 extension), or 0 when it is not GSM-7 at all. */
export function gsm7Cost(ch: string): 0 | 1 | 2 {
  if (BASIC.has(ch)) return 1;
  if (EXTENSION.has(ch)) return 2;
  return 0;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (gsm7Cost(ch) === 0) return false;
  return true;
}

/** Length as the network counts it: septets for GSM-7, UTF-16 code units for UCS-2. */
export function smsLength(text: string): { encoding: SmsText['encoding']; units: number } {
  if (isGsm7(text)) {
    let units = 0;
    for (const ch of text) units += gsm7Cost(ch);
    return { encoding: 'GSM-7', units };
  }
  return { encoding: 'UCS-2', units: text.length };
}

function splitGsm7(text: string): string[] {
  let total = 0;
  for (const ch of text) total += gsm7Cost(ch);
  if (total <= GSM7_SINGLE) return [text];
  const parts: string[] = [];
  let part = '';
  let used = 0;
  for (const ch of text) {
    const cost = gsm7Cost(ch);
    if (used + cost > GSM7_PART) {
      parts.push(part);
      part = '';
      used = 0;
    }
    part += ch;
    used += cost;
  }
  if (part) parts.push(part);
  return parts;
}

function splitUcs2(text: string): string[] {
  if (text.length <= UCS2_SINGLE) return [text];
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + UCS2_PART, text.length);
    // Never leave a high surrogate at the end of a part: its low half would open the next one.
    if (end < text.length) {
      const last = text.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) end -= 1;
    }
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}

/** Encoding and network segments of a message. An empty text has no segment. */
export function smsText(text: string): SmsText {
  const encoding: SmsText['encoding'] = isGsm7(text) ? 'GSM-7' : 'UCS-2';
  const segments = text === '' ? [] : encoding === 'GSM-7' ? splitGsm7(text) : splitUcs2(text);
  return { text, encoding, segments };
}

const PUNCTUATION: Record<string, string> = {
  '…': '...',
  '–': '-',
  '—': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '\u00a0': ' ',
};

/**
 * Vietnamese without its diacritics ("Hẹn lại ngày 26/03" → "Hen lai ngay 26/03", "Đ" → "D"),
 * typographic punctuation made plain: usually GSM-7, for gateways that cannot send UCS-2.
 */
export function asciiVietnamese(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[…–—‘’“”\u00a0]/g, (c) => PUNCTUATION[c] ?? c)
    .normalize('NFC');
}
