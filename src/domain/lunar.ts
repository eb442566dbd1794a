/**
 * Vietnamese lunar calendar dates, for Tết and Giỗ Tổ.
 *
 * Why CalendarVietnamese and not CalendarChinese: the lunar month starts on the day of the new
 * moon *at the observer's meridian*. Vietnam reckons it at UTC+7, China at UTC+8, so when a new
 * moon falls between 16:00 and 17:00 UTC the two calendars start the month on different days —
 * Tết 2030 is Saturday 02/02/2030 in Vietnam but 03/02 in China, and Giỗ Tổ differs in 2037 and
 * 2038. Using the Chinese calendar would put a public holiday on the wrong day.
 *
 * The astronomy is slow (milliseconds per conversion), so results are cached per process; they
 * are pure functions of their arguments.
 */
import { CalendarVietnamese } from 'date-chinese';
import { ymdToDay, type DayNumber } from './time';

// One shared instance: date-chinese keeps its own memo of new years and solar terms on it.
const cal = new CalendarVietnamese();

const newYearCache = new Map<number, DayNumber>();
const newYearCycle = new Map<number, [cycle: number, year: number]>();
const lunarCache = new Map<string, DayNumber>();

function assertYear(year: number): void {
  // date-chinese switches to UTC+8 before 1968 (North Vietnam adopted UTC+7 then) and its
  // astronomy degrades far from the present; outside this range the answer would be a guess.
  if (!Number.isInteger(year) || year < 1900 || year > 2500) {
    throw new RangeError(`Lunar calendar supported for Gregorian years 1900–2500, got ${year}`);
  }
}

/** Mùng 1 Tết (1st day of the 1st lunar month) falling in `gregorianYear`. */
export function lunarNewYear(gregorianYear: number): DayNumber {
  const hit = newYearCache.get(gregorianYear);
  if (hit !== undefined) return hit;
  assertYear(gregorianYear);
  cal.fromJDE(cal.newYear(gregorianYear));
  const g = cal.toGregorian(gregorianYear);
  const [cycle, year] = cal.get();
  const day = ymdToDay(g.year, g.month, g.day);
  newYearCache.set(gregorianYear, day);
  newYearCycle.set(gregorianYear, [cycle, year]);
  return day;
}

/**
 * Day of (month, dayOfMonth) — a non-leap lunar month — in the lunar year that begins in
 * Gregorian year `lunarYearOfNewYearIn`. E.g. (2026, 3, 10) is Giỗ Tổ 2026 = 2026-04-26.
 * Throws RangeError for a date that does not exist (30th of a 29-day month, month 13).
 */
export function lunarToDay(lunarYearOfNewYearIn: number, month: number, dayOfMonth: number): DayNumber {
  const key = `${lunarYearOfNewYearIn}/${month}/${dayOfMonth}`;
  const hit = lunarCache.get(key);
  if (hit !== undefined) return hit;
  if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(dayOfMonth) || dayOfMonth < 1 || dayOfMonth > 30) {
    throw new RangeError(`Not a lunar month/day: ${month}/${dayOfMonth}`);
  }
  lunarNewYear(lunarYearOfNewYearIn);
  const [cycle, year] = newYearCycle.get(lunarYearOfNewYearIn)!;
  const target = new CalendarVietnamese(cycle, year, month, 0, dayOfMonth);
  const g = target.toGregorian(lunarYearOfNewYearIn);
  // date-chinese does not validate: day 30 of a short month silently becomes day 1 of the next.
  // Converting back catches that, and any disagreement between its two directions.
  const back = new CalendarVietnamese().fromGregorian(g.year, g.month, g.day).get();
  if (back[0] !== cycle || back[1] !== year || back[2] !== month || Boolean(back[3]) || back[4] !== dayOfMonth) {
    throw new RangeError(`Lunar date ${dayOfMonth}/${month} does not exist in the lunar year starting ${lunarYearOfNewYearIn}`);
  }
  const day = ymdToDay(g.year, g.month, g.day);
  lunarCache.set(key, day);
  return day;
}
