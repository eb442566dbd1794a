import { findForbiddenCharacter } from './text';

/**
 * Contact details as citizens write them. Vietnamese mobiles: 10 digits starting 03, 05, 07, 08
 * or 09, also written +84…, 84… or without the leading 0; stored in E.164 (+84…).
 */
const MOBILE = /^(?:\+?84|0)?([35789]\d{8})$/;

export function normalizeVnMobile(input: string): string | null {
  const compact = input.replace(/[\s.\-()]/g, '');
  const m = MOBILE.exec(compact);
  return m ? `+84${m[1]}` : null;
}

/** The form Zalo's ZNS API wants: 84 followed by nine digits, no plus. */
export function zaloPhone(e164: string): string {
  return e164.replace(/^\+/, '');
}

// Deliberately simple: a full RFC 5322 check rejects addresses people really use; this catches typos.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** An address goes into a mail header: a control or invisible character there is refused like in any text. */
export function normalizeEmail(input: string): string | null {
  const trimmed = input.trim();
  return trimmed.length <= 254 && EMAIL.test(trimmed) && !findForbiddenCharacter(trimmed) ? trimmed.toLowerCase() : null;
}

/** NFC, lowercase, without diacritics (đ → d) — so "nguyen van a" finds "Nguyễn Văn A". */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .normalize('NFC');
}

/**
 * A provider's free-text answer with the e-mail addresses and phone numbers in it masked
 * ("<…@example.vn>", "09******78"): SMTP servers and SMS gateways quote the recipient back, and
 * such answers are logged, where personal data must never go.
 */
export function maskContacts(text: string): string {
  return text
    .replace(/[^\s<>"'@,;:]+@([^\s<>"'@,;:]+)/g, '…@$1')
    .replace(/\+?\d[\d .-]{7,}\d/g, (run) => {
      // Only runs with a phone's worth of digits: SMTP codes such as "550 5.1.1" stay readable.
      const digits = run.replace(/\D/g, '');
      return digits.length < 9 ? run : `${digits.slice(0, 2)}${'*'.repeat(digits.length - 4)}${digits.slice(-2)}`;
    });
}
