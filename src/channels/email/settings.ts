/**
 * The e-mail settings, read from the environment together with the rest of src/config.ts. They
 * live here (as the Zalo ones do) so that config.ts only spreads `emailEnvShape` into its schema
 * and calls `readEmailSettings`.
 *
 * - `SMTP_URL` (`smtp://user:pass@host:587`, `smtps://…:465`): real SMTP. STARTTLS is used
 *   whenever the server offers it; `?requireTLS=true` refuses to go on without it (recommended
 *   whenever the URL carries a password: opportunistic STARTTLS can be stripped on the way).
 *   Tuning rides on the URL in nodemailer's own spelling, so one variable says everything about
 *   the relay: `maxConnections`, `maxMessages`, `connectionTimeout`, `greetingTimeout`,
 *   `socketTimeout`, `sendTimeout` (ms), `name` (EHLO host name), `ignoreTLS`,
 *   `tls.rejectUnauthorized`, `tls.servername`. Anything else in the query is an error rather
 *   than silently ignored.
 * - Without `SMTP_URL`, messages become `.eml` files in `<DATA_DIR>/outbox/`: the demo and a
 *   developer's machine work with nothing installed.
 * - `MAIL_FROM`: the From header and envelope sender; its domain also names our Message-IDs.
 * - DKIM: `DKIM_DOMAIN`, `DKIM_SELECTOR`, `DKIM_PRIVATE_KEY` (the PEM itself, with real or `\n`
 *   line breaks, or the path of a PEM file) — all three or none. The key is read and checked at
 *   start, so a wrong path or a damaged key stops the service instead of every message.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (smtps://, usually port 465). */
  secure: boolean;
  auth: { user: string; pass: string } | null;
  /** Fail rather than send in clear when the server does not offer STARTTLS. */
  requireTLS: boolean;
  /** Never upgrade, even when offered (a relay on localhost with a broken certificate). */
  ignoreTLS: boolean;
  rejectUnauthorized: boolean;
  /** TLS SNI / certificate name when `host` is an IP address. */
  servername: string | null;
  /** Host name we announce in EHLO; null lets nodemailer use the machine's. */
  clientName: string | null;
  /** Pooled connections kept open to the relay. */
  maxConnections: number;
  /** Messages per connection before it is replaced (relays limit messages per session). */
  maxMessages: number;
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  /** Inactivity on an open connection. */
  socketTimeoutMs: number;
  /** Whole send, queueing in the pool included: a relay trickling its replies cannot hold a notice forever. */
  sendTimeoutMs: number;
}

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  /** PEM text. */
  privateKey: string;
}

export interface EmailSettings {
  /** null: no relay; every message is written to `<DATA_DIR>/outbox/` instead. */
  smtp: SmtpSettings | null;
  from: { name: string; address: string };
  dkim: DkimSettings | null;
}

export const DEFAULT_MAIL_FROM = '"Hẹn Lại" <no-reply@henlai.local>';

export const SMTP_DEFAULTS = {
  maxConnections: 5,
  maxMessages: 100,
  connectionTimeoutMs: 10_000,
  greetingTimeoutMs: 10_000,
  socketTimeoutMs: 30_000,
  sendTimeoutMs: 60_000,
} as const;

export const emailEnvShape = {
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^/?#]/i, 'phải có dạng smtp://người-dùng:mật-khẩu@máy-chủ:587 hoặc smtps://…:465')
    .optional(),
  MAIL_FROM: z.string().default(DEFAULT_MAIL_FROM),
  DKIM_DOMAIN: z
    .string()
    .regex(/^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z0-9-]{2,63}$/, 'phải là một tên miền, ví dụ cantho.gov.vn')
    .optional(),
  DKIM_SELECTOR: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'chỉ gồm chữ không dấu, số, "-", "_" và "."').optional(),
  DKIM_PRIVATE_KEY: z.string().optional(),
};

type EmailEnv = z.output<z.ZodObject<typeof emailEnvShape>>;

type IntSetting = 'maxConnections' | 'maxMessages' | 'connectionTimeoutMs' | 'greetingTimeoutMs' | 'socketTimeoutMs' | 'sendTimeoutMs';
const INT_PARAMS: Record<string, { key: IntSetting; min: number; max: number }> = {
  maxConnections: { key: 'maxConnections', min: 1, max: 100 },
  maxMessages: { key: 'maxMessages', min: 1, max: 1_000_000 },
  connectionTimeout: { key: 'connectionTimeoutMs', min: 100, max: 600_000 },
  greetingTimeout: { key: 'greetingTimeoutMs', min: 100, max: 600_000 },
  socketTimeout: { key: 'socketTimeoutMs', min: 100, max: 3_600_000 },
  sendTimeout: { key: 'sendTimeoutMs', min: 100, max: 3_600_000 },
};
const BOOL_PARAMS: Record<string, 'requireTLS' | 'ignoreTLS' | 'rejectUnauthorized'> = {
  requireTLS: 'requireTLS',
  ignoreTLS: 'ignoreTLS',
  'tls.rejectUnauthorized': 'rejectUnauthorized',
};

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** SMTP_URL → settings; problems name the part of the URL that is wrong (never the password). */
export function parseSmtpUrl(text: string, problems: string[]): SmtpSettings | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push('SMTP_URL: không đọc được địa chỉ (ký tự đặc biệt trong mật khẩu phải viết dạng %XX)');
    return null;
  }
  const secure = url.protocol.toLowerCase() === 'smtps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) problems.push('SMTP_URL: thiếu tên máy chủ');
  const s: SmtpSettings = {
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: url.username || url.password ? { user: decode(url.username), pass: decode(url.password) } : null,
    requireTLS: false,
    ignoreTLS: false,
    rejectUnauthorized: true,
    servername: null,
    clientName: null,
    ...SMTP_DEFAULTS,
  };
  for (const [key, value] of url.searchParams) {
    const int = INT_PARAMS[key];
    const bool = BOOL_PARAMS[key];
    if (int) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < int.min || n > int.max) problems.push(`SMTP_URL: ${key}=${value} phải là số nguyên từ ${int.min} đến ${int.max}`);
      else s[int.key] = n;
    } else if (bool) {
      if (value !== 'true' && value !== 'false') problems.push(`SMTP_URL: ${key} phải là true hoặc false`);
      else s[bool] = value === 'true';
    } else if (key === 'name') {
      s.clientName = value || null;
    } else if (key === 'tls.servername') {
      s.servername = value || null;
    } else {
      problems.push(`SMTP_URL: không hiểu tham số "${key}" (dùng được: ${[...Object.keys(INT_PARAMS), ...Object.keys(BOOL_PARAMS), 'name', 'tls.servername'].join(', ')})`);
    }
  }
  if (s.requireTLS && s.ignoreTLS) problems.push('SMTP_URL: requireTLS và ignoreTLS không dùng cùng nhau');
  return s;
}

/** MAIL_FROM → one mailbox; the display name may be Vietnamese, the address must be a real one. */
export function parseMailFrom(text: string, problems: string[]): { name: string; address: string } {
  const fallback = { name: 'Hẹn Lại', address: 'no-reply@henlai.local' };
  const list = addressparser(text, { flatten: true });
  if (list.length !== 1 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(list[0].address)) {
    problems.push(`MAIL_FROM: "${text}" phải là đúng một địa chỉ, ví dụ ${DEFAULT_MAIL_FROM}`);
    return fallback;
  }
  return { name: list[0].name.normalize('NFC'), address: list[0].address };
}

function readDkimKey(value: string, problems: string[]): string {
  let pem = value.trim();
  if (!pem.startsWith('-----BEGIN')) {
    try {
      pem = fs.readFileSync(pem, 'utf8').trim();
    } catch (e) {
      problems.push(`DKIM_PRIVATE_KEY: không phải khoá PEM và không đọc được tệp "${value}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return '';
    }
  }
  // A PEM pasted into a single-line variable (.env files, container settings) keeps "\n" literally.
  if (!pem.includes('\n')) pem = pem.replace(/\\n/g, '\n');
  try {
    crypto.createPrivateKey(pem);
  } catch (e) {
    problems.push(`DKIM_PRIVATE_KEY: khoá riêng không hợp lệ (${(e as Error).message})`);
    return '';
  }
  return `${pem}\n`;
}

/**
 * The settings and the problems that must stop the start (Vietnamese, each naming its variable):
 * a relay we cannot read, a From that is not an address, a DKIM set with a part missing.
 */
export function readEmailSettings(e: EmailEnv): { settings: EmailSettings; problems: string[] } {
  const problems: string[] = [];
  const smtp = e.SMTP_URL ? parseSmtpUrl(e.SMTP_URL, problems) : null;
  const from = parseMailFrom(e.MAIL_FROM, problems);
  const dkimParts = { DKIM_DOMAIN: e.DKIM_DOMAIN, DKIM_SELECTOR: e.DKIM_SELECTOR, DKIM_PRIVATE_KEY: e.DKIM_PRIVATE_KEY };
  const given = Object.entries(dkimParts).filter(([, v]) => v !== undefined && v.trim() !== '');
  let dkim: DkimSettings | null = null;
  if (given.length > 0 && given.length < 3) {
    for (const [name, v] of Object.entries(dkimParts)) {
      if (v === undefined || v.trim() === '') problems.push(`${name}: thiếu — DKIM cần đủ cả ba DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY (hoặc bỏ cả ba)`);
    }
  } else if (given.length === 3) {
    const privateKey = readDkimKey(e.DKIM_PRIVATE_KEY as string, problems);
    dkim = { domainName: (e.DKIM_DOMAIN as string).toLowerCase(), keySelector: e.DKIM_SELECTOR as string, privateKey };
  }
  return { settings: { smtp, from, dkim }, problems };
}
