/**
 * The dossier list an agency brings from another one-stop system: its Vietnamese column headers
 * and how one row becomes a dossier. Pure: no database, no clock. The column set is documented
 * in README ("Nhập danh sách hồ sơ") and in templates/import/danh-sach-ho-so.csv.
 */
import { isSupportedInstant, SUPPORTED_RANGE_TEXT } from '../domain/calendar';
import { foldForSearch, normalizeEmail, normalizeVnMobile } from '../domain/contact';
import { AGENCY_CODE, DOSSIER_CODE, PROCEDURE_CODE } from '../domain/dossier';
import { normalizeText, textProblem } from '../domain/text';
import { parseInstant } from '../domain/time';
import type { ApplicantKind, Dossier, IntakeChannel } from '../db/dossiers';

/** A row as a dossier: the fields it shares with one, named and typed as the dossier's. */
export type ImportRow = Pick<
  Dossier,
  'code' | 'applicantKind' | 'applicantName' | 'phone' | 'email' | 'address' | 'consentZalo' | 'consentEmail' | 'consentSms' | 'channel' | 'submittedAt' | 'acceptedAt'
> & {
  procedureCode: string;
  receivingAgencyCode: string;
  decidingAgencyCode: string | null;
  /** When the result was ready: the dossier is imported (or updated) as resolved. */
  resolvedAt: number | null;
};

export interface RowProblem {
  /** The column header, as the person who filled the file knows it. */
  field: string;
  reason: string;
}

type Key = keyof ImportRow;

/** Headers in the order of the template; `aliases` are the same column as other systems name it. */
export const IMPORT_COLUMNS: { key: Key; header: string; required: boolean; aliases: string[]; help: string }[] = [
  { key: 'code', header: 'Mã hồ sơ', required: true, aliases: ['Số biên nhận', 'Mã biên nhận'], help: 'tối đa 64 ký tự: chữ, số và . - _ /' },
  { key: 'procedureCode', header: 'Mã thủ tục', required: true, aliases: ['Mã TTHC'], help: 'mã thủ tục đã khai báo, ví dụ 1.001234' },
  { key: 'receivingAgencyCode', header: 'Mã cơ quan tiếp nhận', required: true, aliases: ['Đơn vị tiếp nhận'], help: 'mã cơ quan đã khai báo' },
  { key: 'decidingAgencyCode', header: 'Mã cơ quan giải quyết', required: false, aliases: ['Cơ quan giải quyết'], help: 'bỏ trống: cơ quan của thủ tục' },
  { key: 'applicantName', header: 'Tên người nộp', required: true, aliases: ['Chủ hồ sơ', 'Người nộp', 'Tổ chức, cá nhân'], help: '' },
  { key: 'applicantKind', header: 'Loại người nộp', required: false, aliases: [], help: '"Cá nhân" (mặc định) hoặc "Tổ chức"' },
  { key: 'phone', header: 'Số điện thoại', required: false, aliases: ['Điện thoại'], help: 'di động Việt Nam' },
  { key: 'email', header: 'Thư điện tử', required: false, aliases: ['Email'], help: '' },
  { key: 'address', header: 'Địa chỉ', required: false, aliases: [], help: '' },
  { key: 'channel', header: 'Hình thức nộp', required: true, aliases: ['Kênh nộp', 'Hình thức tiếp nhận'], help: '"Trực tuyến", "Trực tiếp" hoặc "Bưu chính"' },
  { key: 'submittedAt', header: 'Ngày nộp', required: false, aliases: [], help: 'dd/mm/yyyy hh:mm' },
  { key: 'acceptedAt', header: 'Ngày tiếp nhận', required: true, aliases: ['Ngày nhận'], help: 'dd/mm/yyyy hh:mm (giờ Việt Nam)' },
  { key: 'resolvedAt', header: 'Ngày có kết quả', required: false, aliases: ['Ngày giải quyết xong'], help: 'bỏ trống nếu đang giải quyết' },
  { key: 'consentZalo', header: 'Nhận thông báo qua Zalo', required: false, aliases: [], help: '"Có" / "Không"' },
  { key: 'consentEmail', header: 'Nhận thông báo qua thư điện tử', required: false, aliases: [], help: '"Có" / "Không"' },
  { key: 'consentSms', header: 'Nhận thông báo qua SMS', required: false, aliases: [], help: '"Có" / "Không"' },
];

const HEADER_OF = new Map(IMPORT_COLUMNS.map((c) => [c.key, c.header]));
const byFoldedHeader = new Map<string, Key>();
for (const c of IMPORT_COLUMNS) for (const h of [c.header, ...c.aliases]) byFoldedHeader.set(foldHeader(h), c.key);

function foldHeader(h: string): string {
  return foldForSearch(h).replace(/[^a-z0-9]+/g, ' ').trim();
}

/** Where each known column is in the file, or the required headers that are missing. */
export function mapHeader(cells: string[]): { index: Partial<Record<Key, number>>; missing: string[] } {
  const index: Partial<Record<Key, number>> = {};
  cells.forEach((cell, i) => {
    const key = byFoldedHeader.get(foldHeader(String(cell ?? '').replace(/^\uFEFF/, '')));
    if (key && index[key] === undefined) index[key] = i;
  });
  const missing = IMPORT_COLUMNS.filter((c) => c.required && index[c.key] === undefined).map((c) => c.header);
  return { index, missing };
}

const CHANNELS: Record<string, IntakeChannel> = {
  'truc tuyen': 'online', online: 'online', 'dich vu cong': 'online',
  'truc tiep': 'counter', counter: 'counter', 'tai quay': 'counter',
  'buu chinh': 'post', post: 'post', 'buu dien': 'post',
};
const YES = new Set(['co', 'x', '1', 'yes', 'true', 'dong y']);
const NO = new Set(['', 'khong', '0', 'no', 'false']);

/** "05/03/2026 14:30", "05/03/2026", or ISO 8601; a time without a zone is Vietnam time. */
export function parseVnInstant(text: string): number | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  const iso = m
    ? `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}${m[4] ? `T${m[4].padStart(2, '0')}:${m[5]}:${m[6] ?? '00'}` : ''}`
    : text;
  return parseInstant(iso)?.getTime() ?? null;
}

type Cell = string | number | boolean | Date | null | undefined;

const NOT_UTF8 = 'Có ký tự không đọc được (U+FFFD): đoạn này của tệp không phải UTF-8. Hãy lưu lại tệp dạng "CSV UTF-8" rồi nhập lại.';

function cellText(v: Cell): string {
  if (v === null || v === undefined) return '';
  // An invalid date cell (NaN) has no ISO form; its text is what the date check then refuses.
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  return normalizeText(String(v));
}

/**
 * One data row → the dossier it describes, or every problem found in it (so a person fixes the
 * row once). Spreadsheet dates arrive as Date cells and are taken as the Vietnam time shown.
 */
export function parseRow(cells: Cell[], index: Partial<Record<Key, number>>): { row: ImportRow } | { problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const raw = (k: Key): Cell => (index[k] === undefined ? undefined : cells[index[k] as number]);
  const text = (k: Key) => cellText(raw(k));
  // One problem per column, the first found: a cell refused for a hidden character is not also
  // reported as, say, an unknown channel.
  const failed = new Set<Key>();
  const fail = (k: Key, reason: string) => {
    if (failed.has(k)) return;
    failed.add(k);
    problems.push({ field: HEADER_OF.get(k) as string, reason });
  };
  // Every column is one line of text in a letter, a notice or a list (src/domain/text.ts). A
  // U+FFFD is a byte the reader could not decode: that part of the file is not UTF-8.
  for (const c of IMPORT_COLUMNS) {
    const v = text(c.key);
    const problem = textProblem(v) ?? (v.includes('\uFFFD') ? NOT_UTF8 : null);
    if (problem) fail(c.key, problem);
  }
  const required = (k: Key): string => {
    const v = text(k);
    if (!v) fail(k, 'Không được để trống');
    return v;
  };
  const instant = (k: Key): number | null => {
    const v = raw(k);
    const t = text(k);
    // Excel stores the wall-clock time as if it were UTC.
    const ms = v instanceof Date ? v.getTime() - 7 * 3600_000 : t ? parseVnInstant(t) : null;
    if (ms === null || Number.isNaN(ms)) {
      if (t) fail(k, `Ngày giờ "${t}" không hợp lệ (dd/mm/yyyy hh:mm)`);
      return null;
    }
    if (!isSupportedInstant(ms)) {
      fail(k, `Ngày "${v instanceof Date ? t.slice(0, 10) : t}" ngoài phạm vi lịch hỗ trợ (${SUPPORTED_RANGE_TEXT})`);
      return null;
    }
    return ms;
  };
  const flag = (k: Key): boolean => {
    const v = foldForSearch(text(k));
    if (YES.has(v)) return true;
    if (!NO.has(v)) fail(k, `Chỉ ghi "Có" hoặc "Không", không phải "${text(k)}"`);
    return false;
  };
  const limited = (k: Key, max: number): string | null => {
    const v = text(k);
    if (v.length > max) fail(k, `Tối đa ${max} ký tự`);
    return v || null;
  };

  const code = required('code');
  if (code && !DOSSIER_CODE.pattern.test(code)) fail('code', DOSSIER_CODE.message);
  const procedureCode = required('procedureCode');
  if (procedureCode && !PROCEDURE_CODE.pattern.test(procedureCode)) fail('procedureCode', PROCEDURE_CODE.message);
  const receivingAgencyCode = required('receivingAgencyCode');
  if (receivingAgencyCode && !AGENCY_CODE.pattern.test(receivingAgencyCode)) fail('receivingAgencyCode', AGENCY_CODE.message);
  const decidingAgencyCode = text('decidingAgencyCode') || null;
  if (decidingAgencyCode && !AGENCY_CODE.pattern.test(decidingAgencyCode)) fail('decidingAgencyCode', AGENCY_CODE.message);
  const applicantName = required('applicantName');
  if (applicantName.length > 255) fail('applicantName', 'Tối đa 255 ký tự');
  const kindText = foldForSearch(text('applicantKind'));
  const applicantKind: ApplicantKind = kindText === 'to chuc' ? 'organisation' : 'person';
  if (kindText && kindText !== 'to chuc' && kindText !== 'ca nhan') fail('applicantKind', 'Chỉ ghi "Cá nhân" hoặc "Tổ chức"');
  const phoneText = text('phone');
  const phone = phoneText ? normalizeVnMobile(phoneText) : null;
  if (phoneText && !phone) fail('phone', `Số di động "${phoneText}" không hợp lệ (10 số, bắt đầu bằng 03, 05, 07, 08, 09)`);
  const emailText = text('email');
  const email = emailText ? normalizeEmail(emailText) : null;
  if (emailText && !email) fail('email', `Địa chỉ thư điện tử "${emailText}" không hợp lệ`);
  const address = limited('address', 500);
  const channelText = required('channel');
  const channel = CHANNELS[foldForSearch(channelText)];
  if (channelText && !channel) fail('channel', `Hình thức nộp "${channelText}" không rõ: ghi "Trực tuyến", "Trực tiếp" hoặc "Bưu chính"`);
  const submittedAt = instant('submittedAt');
  const acceptedAt = instant('acceptedAt');
  if (acceptedAt === null) fail('acceptedAt', 'Không được để trống'); // unless already refused as a bad date
  const resolvedAt = instant('resolvedAt');
  if (submittedAt !== null && acceptedAt !== null && submittedAt > acceptedAt) fail('submittedAt', 'Ngày nộp phải trước hoặc bằng ngày tiếp nhận');
  if (resolvedAt !== null && acceptedAt !== null && resolvedAt < acceptedAt) fail('resolvedAt', 'Ngày có kết quả phải sau ngày tiếp nhận');
  const consentZalo = flag('consentZalo');
  const consentEmail = flag('consentEmail');
  const consentSms = flag('consentSms');
  if (consentZalo && !phone) fail('consentZalo', 'Nhận qua Zalo cần số điện thoại');
  if (consentSms && !phone) fail('consentSms', 'Nhận qua SMS cần số điện thoại');
  if (consentEmail && !email) fail('consentEmail', 'Nhận qua thư điện tử cần địa chỉ thư điện tử');

  if (problems.length) return { problems };
  return {
    row: {
      code,
      procedureCode,
      receivingAgencyCode,
      decidingAgencyCode,
      applicantKind,
      applicantName,
      phone,
      email,
      address,
      consentZalo,
      consentEmail,
      consentSms,
      channel,
      submittedAt,
      acceptedAt: acceptedAt as number,
      resolvedAt,
    },
  };
}
