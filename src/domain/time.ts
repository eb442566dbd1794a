/**
 * Vietnam-local time as plain arithmetic on epoch milliseconds.
 *
 * Why arithmetic and not a timezone library or Date's local getters: Vietnam (Asia/Ho_Chi_Minh)
 * has kept a single fixed offset, UTC+07:00, with no daylight saving, since the reunification
 * in 1975. So "the local wall clock" is always `utc + 7 h`, and every answer here is the same
 * whatever TZ the server process runs in. Date's local getters (getHours, getDate, …) read the
 * process timezone and must never be used by domain code; only the UTC getters or raw
 * milliseconds are safe.
 *
 * Dates are `DayNumber`s (days since 1970-01-01 of the Vietnam-local calendar) so that calendar
 * code works on small integers and never allocates a Date to step from one day to the next.
 */

export const VN_OFFSET_MINUTES = 420;

/** Vietnam-local calendar day: days since 1970-01-01. */
export type DayNumber = number;

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
export const MINUTES_PER_DAY = 1440;
const OFFSET_MS = VN_OFFSET_MINUTES * MINUTE_MS;

function epochMs(instant: Date): number {
  const t = instant.getTime();
  // A NaN would otherwise flow silently into day arithmetic and surface far away as a wrong date.
  if (Number.isNaN(t)) throw new RangeError('Invalid Date');
  return t;
}

export function localDayOf(instant: Date): DayNumber {
  return Math.floor((epochMs(instant) + OFFSET_MS) / DAY_MS);
}

/** Vietnam-local milliseconds since local midnight (0 … 86 399 999). */
export function msOfDay(instant: Date): number {
  const local = epochMs(instant) + OFFSET_MS;
  return local - Math.floor(local / DAY_MS) * DAY_MS;
}

export function minuteOfDay(instant: Date): number {
  return Math.floor(msOfDay(instant) / MINUTE_MS);
}

/** Epoch milliseconds of Vietnam-local midnight starting `day`. */
export function dayStartMs(day: DayNumber): number {
  return day * DAY_MS - OFFSET_MS;
}

/**
 * Vietnam local day + minute → instant. `minute` may be fractional or lie outside 0…1439 (it is
 * plain arithmetic), so 1440 is the midnight that ends the day.
 */
export function instantAt(day: DayNumber, minute: number): Date {
  return new Date(dayStartMs(day) + Math.round(minute * MINUTE_MS));
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isValidYmd(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) && Number.isInteger(month) && Number.isInteger(day) &&
    year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
  );
}

/**
 * Strict: an impossible date (2026-02-30, month 13) throws instead of rolling over as Date.UTC
 * would, because a rolled-over holiday date is a silent data error.
 * Algorithm: H. Hinnant, "chrono-compatible low-level date algorithms" (days_from_civil).
 */
export function ymdToDay(year: number, month: number, day: number): DayNumber {
  if (!isValidYmd(year, month, day)) throw new RangeError(`Impossible date ${year}-${month}-${day}`);
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of ymdToDay (Hinnant's civil_from_days). */
export function dayToYmd(dayNumber: DayNumber): { year: number; month: number; day: number } {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Gregorian year of a day number, without building an object (hot path of the calendar). */
export function yearOfDay(dayNumber: DayNumber): number {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  // doy ≥ 306 is January or February, which belong to the next civil year in this March-based era.
  return yoe + era * 400 + (doy >= 306 ? 1 : 0);
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekdayOf(day: DayNumber): number {
  const w = (day + 4) % 7;
  return w < 0 ? w + 7 : w;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

export function dayToIso(day: DayNumber): string {
  const { year, month, day: d } = dayToYmd(day);
  return `${pad4(year)}-${pad2(month)}-${pad2(d)}`;
}

/** 'dd/mm/yyyy', the way dates are written in Vietnamese documents and in test messages. */
export function dayToVn(day: DayNumber): string {
  const { year, month, day: d } = dayToYmd(day);
  return `${pad2(d)}/${pad2(month)}/${pad4(year)}`;
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isoToDay(iso: string): DayNumber {
  const m = ISO_DAY.exec(iso);
  if (!m) throw new RangeError(`Not a YYYY-MM-DD date: ${JSON.stringify(iso)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (!isValidYmd(year, month, day)) throw new RangeError(`Impossible date: ${iso}`);
  return ymdToDay(year, month, day);
}

/** '2026-02-26T17:00:00+07:00': always Vietnam offset, always seconds, never milliseconds. */
export function formatVnIso(instant: Date): string {
  const ms = msOfDay(instant);
  const s = Math.floor(ms / 1000);
  return `${dayToIso(localDayOf(instant))}T${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}+07:00`;
}

// Date, optional time (T or a space, as forms and spreadsheets write it), optional fraction,
// optional zone. A zone without a time is not ISO 8601 and is rejected.
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an instant. With 'Z' or an offset it is that instant; without one (a bare date or a
 * date-time) it is read as Vietnam local time, because that is what staff and citizens mean
 * when they type a date, never the server's timezone. Returns null on anything malformed or
 * impossible (2026-02-30, 25:00, 10:60, a 60th second, offset +24:00), never a rolled-over date.
 */
export function parseInstant(text: string): Date | null {
  if (typeof text !== 'string') return null;
  const m = INSTANT.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (!isValidYmd(year, month, day)) return null;
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (hour > 23 || minute > 59 || second > 59) return null;
  // Digits, not float maths: 0.57 * 1000 is 569.999… in binary floating point.
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = VN_OFFSET_MINUTES;
  const zone = m[8];
  if (zone !== undefined) {
    if (zone === 'Z' || zone === 'z') {
      offsetMinutes = 0;
    } else {
      const digits = zone.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2));
      const om = Number(digits.slice(2));
      if (oh > 23 || om > 59) return null;
      offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
    }
  }
  const local = ymdToDay(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  return new Date(local - offsetMinutes * MINUTE_MS);
}

const HHMM = /^(\d{1,2}):(\d{2})$/;

/**
 * '07:30' → 450. '24:00' (1440) is accepted because it is the only way to write "until
 * midnight" as the end of an office-hours range; 24:01 and beyond are not.
 */
export function parseHhmm(text: string): number {
  const m = typeof text === 'string' ? HHMM.exec(text) : null;
  if (!m) throw new RangeError(`Not an HH:mm time: ${JSON.stringify(text)}`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) throw new RangeError(`Impossible time: ${text}`);
  return h * 60 + min;
}

export function formatHhmm(minute: number): string {
  if (!Number.isInteger(minute) || minute < 0 || minute > MINUTES_PER_DAY) {
    throw new RangeError(`Not a minute of the day: ${minute}`);
  }
  return `${pad2(Math.floor(minute / 60))}:${pad2(minute % 60)}`;
}
