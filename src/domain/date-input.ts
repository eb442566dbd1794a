import { dayToVn, formatHhmm, instantAt, localDayOf, minuteOfDay, ymdToDay, type DayNumber } from './time';

/**
 * Dates as people type them into the staff forms: dd/mm/yyyy whatever the browser's language
 * (a browser's own date picker shows its locale's order, which a Vietnamese office cannot rely
 * on). d/m/yyyy and dd-mm-yyyy (or dots) are the same date; yyyy-mm-dd is still read because
 * older links and bookmarks carry it.
 */
const VN_DAY = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const ISO_DAY = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TIME = /^(\d{1,2}):(\d{2})$/;

/** What a form shows and what its placeholder says. */
export const DAY_INPUT_FORMAT = 'dd/mm/yyyy';
export const DATE_TIME_INPUT_FORMAT = 'dd/mm/yyyy HH:mm';

/** The day typed, or null when it is no date at all or an impossible one (31/02/2026), never a rolled-over day. */
export function parseDayInput(text: string): DayNumber | null {
  const s = text.trim();
  const vn = VN_DAY.exec(s);
  const iso = vn ? null : ISO_DAY.exec(s);
  const [year, month, day] = vn ? [vn[3], vn[2], vn[1]] : iso ? [iso[1], iso[2], iso[3]] : [];
  if (year === undefined) return null;
  try {
    return ymdToDay(Number(year), Number(month), Number(day));
  } catch {
    return null;
  }
}

/**
 * A date and a time of day in Vietnam ("12/02/2026 09:30", or "2026-02-12T09:30" as the old
 * date-time fields sent it), or null. 24:00 is no moment of a day here.
 */
export function parseDateTimeInput(text: string): Date | null {
  const parts = text.trim().split(/T|\s+/);
  if (parts.length !== 2) return null;
  const day = parseDayInput(parts[0]);
  const t = TIME.exec(parts[1]);
  if (day === null || !t) return null;
  const hour = Number(t[1]);
  const minute = Number(t[2]);
  if (hour > 23 || minute > 59) return null;
  return instantAt(day, hour * 60 + minute);
}

/** The day as a form shows it: 05/03/2026. */
export function dayInputText(day: DayNumber): string {
  return dayToVn(day);
}

/** The moment as a form shows it, in Vietnam: 05/03/2026 14:30. */
export function dateTimeInputText(instant: Date): string {
  return `${dayToVn(localDayOf(instant))} ${formatHhmm(minuteOfDay(instant))}`;
}
