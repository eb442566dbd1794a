/**
 * The working calendar of one agency (or the nation): which days are working days, with which
 * office hours, and fast counting of working days.
 *
 * A day's status comes from three layers, later ones winning on the same date:
 *   1. the law-derived holidays and compensatory days (holidays.ts), minus every occasion a
 *      national decision settles for that year;
 *   2. national decisions (entries with agencyCode null);
 *   3. the agency's own overrides (agencyCode === options.agencyCode).
 * over the agency's weekly schedule.
 *
 * Why per-year arrays: due dates are computed in bulk (every dossier, every sweep), so
 * addWorkingDays must not walk day by day. Each year is materialised once, lazily, into the
 * sorted list of its working days and a prefix count of working days, which turns "n-th working
 * day after d" into one array lookup (plus one step per year boundary crossed).
 */
import { deriveNationalEntries, occasionYearOf, type CalendarEntry } from './holidays';
import { instantAt, isoToDay, localDayOf, weekdayOf, yearOfDay, ymdToDay, MINUTES_PER_DAY, type DayNumber } from './time';

export interface TimeRange { start: number; end: number } // minutes from Vietnam-local midnight
export type WeekSchedule = TimeRange[][]; // index 0 = Sunday … 6 = Saturday; [] = weekly rest day

function freezeSchedule(schedule: WeekSchedule): WeekSchedule {
  return Object.freeze(schedule.map((day) => Object.freeze(day.map((r) => Object.freeze({ start: r.start, end: r.end }))))) as WeekSchedule;
}

const MORNING = { start: 7 * 60 + 30, end: 11 * 60 + 30 };
const AFTERNOON = { start: 13 * 60 + 30, end: 17 * 60 };

/** Mon–Fri 07:30–11:30 and 13:30–17:00; Saturday and Sunday are weekly rest days. Frozen. */
export const DEFAULT_WEEK_SCHEDULE: WeekSchedule = freezeSchedule([
  [],
  [MORNING, AFTERNOON],
  [MORNING, AFTERNOON],
  [MORNING, AFTERNOON],
  [MORNING, AFTERNOON],
  [MORNING, AFTERNOON],
  [],
]);

/** A day that differs from the plain weekly schedule: the entry that decided it. */
export type CalendarDay = CalendarEntry;

/** Years the calendar materialises; beyond them the lunar astronomy is not trusted. */
export const CALENDAR_MIN_YEAR = 1900;
export const CALENDAR_MAX_YEAR = 2500;

/**
 * The dates the service accepts from people, programs and files. Narrower than the engine's
 * years on purpose: a deadline counted from any accepted date (at most 1,000 working days, a few
 * re-appointments) still lands centuries inside them, so no accepted input can make the calendar
 * throw, and Vietnam's single UTC+07:00 offset (since 1975) holds over all of it. Every date
 * input is checked against this range; an answer that would leave it is refused too.
 */
export const SUPPORTED_YEARS = Object.freeze({ first: 1990, last: 2200 });
const SUPPORTED_FIRST_DAY = ymdToDay(SUPPORTED_YEARS.first, 1, 1);
const SUPPORTED_LAST_DAY = ymdToDay(SUPPORTED_YEARS.last, 12, 31);

/** "01/01/1990 – 31/12/2200", for the messages that refuse a date. */
export const SUPPORTED_RANGE_TEXT = `01/01/${SUPPORTED_YEARS.first} – 31/12/${SUPPORTED_YEARS.last}`;

export function isSupportedYear(year: number): boolean {
  return Number.isInteger(year) && year >= SUPPORTED_YEARS.first && year <= SUPPORTED_YEARS.last;
}

export function isSupportedDay(day: DayNumber): boolean {
  return Number.isInteger(day) && day >= SUPPORTED_FIRST_DAY && day <= SUPPORTED_LAST_DAY;
}

/** The instant's Vietnam-local day lies in the supported range (an invalid Date does not). */
export function isSupportedInstant(instant: Date | number): boolean {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return Number.isFinite(ms) && isSupportedDay(localDayOf(new Date(ms)));
}

const NO_HOURS: readonly TimeRange[] = Object.freeze([]);

interface YearData {
  year: number;
  first: DayNumber;
  len: number;
  /** Office hours per day of the year; NO_HOURS on days off. */
  hours: (readonly TimeRange[])[];
  /** End minute of the day's last office segment, or -1 on a day off. */
  endMinute: Int16Array;
  /** rank[i] = working days among the year's days 0 … i-1 (length len + 1). */
  rank: Int32Array;
  /** The year's working days, ascending. */
  workDays: Int32Array;
  days: CalendarDay[];
  estimated: boolean;
}

function validateSchedule(schedule: WeekSchedule): WeekSchedule {
  if (!Array.isArray(schedule) || schedule.length !== 7) throw new RangeError('A week schedule has 7 days, Sunday first');
  let anyHours = false;
  schedule.forEach((ranges, weekday) => {
    let previousEnd = -1;
    for (const r of ranges) {
      const ok =
        Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 0 && r.end <= MINUTES_PER_DAY && r.start < r.end && r.start >= previousEnd;
      if (!ok) throw new RangeError(`Office hours of weekday ${weekday} must be ascending, non-overlapping ranges within the day`);
      previousEnd = r.end;
      anyHours = true;
    }
  });
  // Counting working days over a week with none would never terminate.
  if (!anyHours) throw new RangeError('A week schedule needs at least one working day');
  return freezeSchedule(schedule);
}

/**
 * Only the CalendarEntry fields: entries often arrive as database rows with more on them
 * (ids, authors), which must not leak into what the calendar reports.
 */
function calendarDayOf(e: CalendarEntry): CalendarDay {
  return { date: e.date, kind: e.kind, occasion: e.occasion, name: e.name, source: e.source, estimate: e.estimate, agencyCode: e.agencyCode };
}

interface Layered {
  entry: CalendarEntry;
  overrode: boolean;
}

export class WorkingCalendar {
  private readonly schedule: WeekSchedule;
  /** Hours a swapped working day gets when its weekday has none: the first working weekday's (Monday's by default). */
  private readonly swappedHours: readonly TimeRange[];
  private readonly nationalDecisions: CalendarEntry[] = [];
  private readonly nationalByYear = new Map<number, CalendarEntry[]>();
  private readonly agencyByYear = new Map<number, CalendarEntry[]>();
  private readonly years: (YearData | undefined)[] = [];
  private last: YearData | undefined;

  constructor(options: { entries: CalendarEntry[]; schedule?: WeekSchedule; agencyCode?: string | null }) {
    this.schedule = validateSchedule(options.schedule ?? DEFAULT_WEEK_SCHEDULE);
    this.swappedHours = [1, 2, 3, 4, 5, 6, 0].map((w) => this.schedule[w]).find((h) => h.length > 0)!;
    const agencyCode = options.agencyCode ?? null;
    for (const e of options.entries) {
      if (e.agencyCode !== null && e.agencyCode !== agencyCode) continue; // another agency's override
      // Validate eagerly: a bad date in the table should fail when the calendar is built, not on
      // the first due date that happens to reach that year.
      const year = Number(e.date.slice(0, 4));
      isoToDay(e.date);
      const byYear = e.agencyCode === null ? this.nationalByYear : this.agencyByYear;
      let list = byYear.get(year);
      if (!list) byYear.set(year, (list = []));
      list.push(e);
      if (e.agencyCode === null) this.nationalDecisions.push(e);
    }
  }

  private yearData(year: number): YearData {
    const i = year - CALENDAR_MIN_YEAR;
    const hit = this.years[i];
    if (hit) return hit;
    if (!Number.isInteger(year) || year < CALENDAR_MIN_YEAR || year > CALENDAR_MAX_YEAR) {
      throw new RangeError(`The working calendar covers ${CALENDAR_MIN_YEAR}–${CALENDAR_MAX_YEAR}, not ${year}`);
    }
    const built = this.build(year);
    this.years[i] = built;
    return built;
  }

  private dataOf(day: DayNumber): YearData {
    // Checked even on the fast path: a fractional day would index the typed arrays as
    // undefined and come back as a silent "day off" instead of an error.
    if (!Number.isInteger(day)) throw new RangeError(`Not a day number: ${day}`);
    const c = this.last;
    if (c !== undefined && day >= c.first && day < c.first + c.len) return c;
    return (this.last = this.yearData(yearOfDay(day)));
  }

  private build(year: number): YearData {
    const first = ymdToDay(year, 1, 1);
    const len = ymdToDay(year + 1, 1, 1) - first;
    const winners: (Layered | undefined)[] = new Array(len);
    const put = (e: CalendarEntry): void => {
      const i = isoToDay(e.date) - first;
      if (i < 0 || i >= len) return;
      winners[i] = { entry: e, overrode: winners[i] !== undefined };
    };
    // Decisions for the neighbouring years matter too: a decision can settle next year's
    // Tết Dương lịch with a day in this December (see occasionYearOf).
    const decisions = this.nationalDecisions.filter((e) => Math.abs(occasionYearOf(e) - year) <= 1);
    for (const e of deriveNationalEntries(year, decisions)) put(e);
    for (const e of this.nationalByYear.get(year) ?? []) put(e);
    for (const e of this.agencyByYear.get(year) ?? []) put(e);

    const hours: (readonly TimeRange[])[] = new Array(len);
    const endMinute = new Int16Array(len);
    const rank = new Int32Array(len + 1);
    const work: number[] = [];
    const days: CalendarDay[] = [];
    let estimated = false;
    const firstWeekday = weekdayOf(first);
    for (let i = 0; i < len; i++) {
      const weekly = this.schedule[(firstWeekday + i) % 7];
      const w = winners[i];
      let h: readonly TimeRange[] = weekly;
      if (w !== undefined) {
        const e = w.entry;
        const scheduledWorking = weekly.length > 0;
        h = e.kind === 'off' ? NO_HOURS : scheduledWorking ? weekly : this.swappedHours;
        // List what changes the week, and holidays even when they fall on a rest day (Giỗ Tổ
        // on Sunday 26/04/2026 explains the Monday off). A 'work' entry on a normal working day
        // is listed only when it cancels a lower layer's day off.
        const listed = e.kind === 'off' ? scheduledWorking || e.occasion !== null : !scheduledWorking || w.overrode;
        if (listed) {
          days.push(calendarDayOf(e));
          if (e.estimate) estimated = true;
        }
      }
      hours[i] = h;
      endMinute[i] = h.length > 0 ? h[h.length - 1].end : -1;
      rank[i + 1] = rank[i] + (h.length > 0 ? 1 : 0);
      if (h.length > 0) work.push(first + i);
    }
    return { year, first, len, hours, endMinute, rank, workDays: Int32Array.from(work), days, estimated };
  }

  isWorkingDay(day: DayNumber): boolean {
    const y = this.dataOf(day);
    return y.endMinute[day - y.first] >= 0;
  }

  /**
   * [] on days off. A swapped working day on a weekly rest day gets the first working weekday's
   * hours (Monday's by default); an agency schedule with Saturday hours keeps them.
   */
  officeHours(day: DayNumber): TimeRange[] {
    const y = this.dataOf(day);
    return y.hours[day - y.first].map((r) => ({ start: r.start, end: r.end }));
  }

  /** Office segments without copying, for hot loops in deadline.ts. Do not mutate. */
  segmentsOf(day: DayNumber): readonly TimeRange[] {
    const y = this.dataOf(day);
    return y.hours[day - y.first];
  }

  /**
   * End of the day's last office segment (17:00 by default). On a day off there is no office
   * day to end, so it answers the end of a standard working day (the hours a swapped working
   * day would get) rather than throwing: callers displaying "end of day" keep working, and
   * deadline code never asks about a day off.
   */
  endOfDay(day: DayNumber): Date {
    const y = this.dataOf(day);
    const m = y.endMinute[day - y.first];
    return instantAt(day, m >= 0 ? m : this.swappedHours[this.swappedHours.length - 1].end);
  }

  /** End minute of the day's office hours, or -1 on a day off. */
  endMinuteOf(day: DayNumber): number {
    const y = this.dataOf(day);
    return y.endMinute[day - y.first];
  }

  nextWorkingDay(day: DayNumber): DayNumber {
    return this.addWorkingDays(day, 1);
  }

  /** n ≥ 1: the n-th working day strictly after `day`; n = 0: `day` if working, else the next working day. */
  addWorkingDays(day: DayNumber, n: number): DayNumber {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`A number of working days must be a whole number ≥ 0, got ${n}`);
    let y = this.dataOf(day);
    const i = day - y.first;
    if (n === 0) {
      if (y.endMinute[i] >= 0) return day;
      n = 1;
    }
    let k = y.rank[i + 1] + n - 1; // index, within y.workDays, of the answer
    while (k >= y.workDays.length) {
      k -= y.workDays.length;
      // Remember it: the caller's next question (endOfDay of the answer) is about this year.
      this.last = y = this.yearData(y.year + 1);
    }
    return y.workDays[k];
  }

  /** Working days d with fromDay < d ≤ toDay; 0 when toDay ≤ fromDay. */
  workingDaysBetween(fromDay: DayNumber, toDay: DayNumber): number {
    if (toDay <= fromDay) return 0;
    const a = this.dataOf(fromDay);
    const countA = a.rank[fromDay - a.first + 1];
    const b = this.dataOf(toDay);
    let total = b.rank[toDay - b.first + 1] - countA;
    for (let year = a.year; year < b.year; year++) total += this.yearData(year).workDays.length;
    return total;
  }

  /** Every day of `year` that differs from the weekly schedule, or is a holiday, sorted by date. */
  nonStandardDays(year: number): CalendarDay[] {
    return this.yearData(year).days.map(calendarDayOf);
  }

  /** True if any day listed for the year comes from an estimate (it needs an administrator's confirmation). */
  isEstimated(year: number): boolean {
    return this.yearData(year).estimated;
  }
}
