/**
 * How Vietnamese administration writes dates and numbers (Nghị định 30/2020, Phụ lục I):
 * "Cần Thơ, ngày 05 tháng 3 năm 2026" — days below 10 and the months 1 and 2 take a leading
 * zero, other months do not. All dates are Vietnam-local days.
 */
import { dayToYmd, localDayOf, minuteOfDay, type DayNumber } from './time';

const pad2 = (n: number) => String(n).padStart(2, '0');

/** "ngày 05 tháng 3 năm 2026", "ngày 15 tháng 02 năm 2026". */
export function dateInWords(day: DayNumber): string {
  const { year, month, day: d } = dayToYmd(day);
  return `ngày ${pad2(d)} tháng ${month <= 2 ? pad2(month) : String(month)} năm ${year}`;
}

/** The place-and-date line of a letter: "Cần Thơ, ngày 05 tháng 3 năm 2026". */
export function placeDateLine(place: string, day: DayNumber): string {
  return `${place}, ${dateInWords(day)}`;
}

/** "05/03/2026", the short form used in notices and tables. */
export function shortDate(day: DayNumber): string {
  const { year, month, day: d } = dayToYmd(day);
  return `${pad2(d)}/${pad2(month)}/${year}`;
}

/** "09 giờ 30 phút, ngày 12 tháng 02 năm 2026" — how receipts state the moment of acceptance. */
export function instantInWords(instant: Date): string {
  const m = minuteOfDay(instant);
  return `${pad2(Math.floor(m / 60))} giờ ${pad2(m % 60)} phút, ${dateInWords(localDayOf(instant))}`;
}

/** "17:00 ngày 19/03/2026". */
export function shortInstant(instant: Date): string {
  const m = minuteOfDay(instant);
  return `${pad2(Math.floor(m / 60))}:${pad2(m % 60)} ngày ${shortDate(localDayOf(instant))}`;
}

/** Office hours of a day, "07:30–11:30, 13:30–17:00" (minutes from local midnight); "" on a day off. */
export function officeHoursText(ranges: readonly { start: number; end: number }[]): string {
  const hhmm = (m: number) => `${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`;
  return ranges.map((r) => `${hhmm(r.start)}–${hhmm(r.end)}`).join(', ');
}

const WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];

/** "Thứ Năm, 19/03/2026". */
export function weekdayDate(day: DayNumber): string {
  return `${WEEKDAYS[(((day + 4) % 7) + 7) % 7]}, ${shortDate(day)}`;
}

/** Vietnamese number grouping: 1.534 and 169.055 (dot for thousands, comma for decimals). */
export function formatNumber(n: number, fractionDigits = 0): string {
  return n.toLocaleString('vi-VN', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

/** "Số: 05/PXL-TTPVHCC" without the "Số: " — the sequence below 10 takes a leading zero. */
export function letterNumber(sequence: number, symbol: string): string {
  return `${pad2(sequence)}/${symbol}`;
}

/**
 * A phone number as people in Vietnam write it: a mobile (stored +84…) as "0912 345 678";
 * anything else (a landline, a foreign number) is left as it was written.
 */
export function phoneAsWritten(phone: string): string {
  const m = /^(?:\+?84|0)([35789]\d{8})$/.exec(phone.replace(/[\s.\-()]/g, ''));
  if (!m) return phone;
  const local = `0${m[1]}`;
  return `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}`;
}

/** Words after which an administrative unit's own name follows ("thành phố Cần Thơ"). */
const PLACE_KINDS = ['tỉnh', 'thành phố', 'phường', 'xã', 'đặc khu', 'quận', 'huyện', 'thị xã', 'thị trấn'];
/** Heads opening a name, whose next word starts the body's own name ("Sở Xây dựng", "Trung tâm Phục vụ …"). */
const BODY_KINDS = ['sở', 'bộ', 'cục', 'vụ', 'ban', 'trung tâm', 'văn phòng'];
/** The shape of one Vietnamese syllable (without tone marks): anything else, like UBND or TTPVHCC, is an abbreviation. */
const SYLLABLE = /^(NGH|NG|NH|CH|GH|GI|KH|PH|QU|TH|TR|[BCDGHKLMNPQRSTVX])?[AEIOUY]{1,3}(NG|NH|CH|[CMNPT])?$/;

const isAbbreviation = (word: string) => !SYLLABLE.test(word.normalize('NFD').replace(/\p{M}/gu, '').replace(/Đ/g, 'D'));
const capitalised = (word: string) => word.charAt(0).toLocaleUpperCase('vi') + word.slice(1);
const endsWith = (words: string[], kind: string) => words.slice(-kind.split(' ').length).join(' ') === kind;

/**
 * An agency named in capitals (as letter heads print it) written in normal case for a sentence
 * or the "Nơi nhận" list, as NĐ 30/2020's samples do: "UBND THÀNH PHỐ CẦN THƠ" → "UBND thành phố
 * Cần Thơ". Abbreviations stay, the first word and the body's own name are capitalised, every
 * word of a place's name is. A name with any lower-case letter was typed in normal case: kept.
 */
export function agencyNameInText(name: string): string {
  if (name !== name.toLocaleUpperCase('vi')) return name;
  const lower: string[] = [];
  let inPlaceName = false;
  const out = name.split(/\s+/).filter(Boolean).map((word, i) => {
    const small = word.toLocaleLowerCase('vi');
    const startsName = i === 0 || inPlaceName || BODY_KINDS.includes(lower.join(' '));
    lower.push(small);
    if (isAbbreviation(word)) return word;
    inPlaceName ||= PLACE_KINDS.some((k) => endsWith(lower, k));
    return startsName ? capitalised(small) : small;
  });
  return out.join(' ');
}
