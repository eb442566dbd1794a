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
