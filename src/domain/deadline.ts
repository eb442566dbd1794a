/**
 * Due dates of dossiers, by Bộ luật Dân sự 2015 Điều 147–148 as the one-stop rules apply them:
 * the day of acceptance is not counted, counting starts on the next working day, and a period
 * ends at the end of office hours of its last (working) day. All functions are pure: the caller
 * passes every instant, including "now".
 */
import type { WorkingCalendar } from './calendar';
import { dayStartMs, localDayOf, minuteOfDay, MINUTE_MS, type DayNumber } from './time';

export type ProcessingTime =
  | { unit: 'days'; amount: number }             // working days
  | { unit: 'hours'; amount: number }            // working hours within office hours
  | { unit: 'same_day'; cutoffMinute: number };  // e.g. 900 = 15:00

const HOUR_MS = 3_600_000;

function assertDays(amount: number): void {
  // A fractional day has no meaning under Điều 147; "half a day" must be given as hours.
  if (!Number.isInteger(amount) || amount < 0) throw new RangeError(`Processing days must be a whole number ≥ 0, got ${amount}`);
}

function assertHours(amount: number): void {
  if (!Number.isFinite(amount) || amount < 0) throw new RangeError(`Processing hours must be a number ≥ 0, got ${amount}`);
}

/** End of office hours of `day` if it is a working day and `t` is before that end, else of the next working day. */
function endOfThisOrNextWorkingDay(cal: WorkingCalendar, day: DayNumber, t: number): Date {
  const end = cal.endMinuteOf(day);
  if (end >= 0 && t < dayStartMs(day) + end * MINUTE_MS) return cal.endOfDay(day);
  return cal.endOfDay(cal.nextWorkingDay(day));
}

/**
 * 'days': end of office hours of the n-th working day strictly after the acceptance day, however
 * and whenever it was accepted (in or out of hours, on a day off); 0 days is the end of the
 * acceptance day, or of the next working day when accepted after hours or on a day off.
 * 'same_day': the end of the acceptance day when accepted on a working day before the cut-off
 * (and before office hours end, should the cut-off be set later), else the end of the next
 * working day.
 * 'hours': working time is consumed within office segments from acceptance (from the next
 * segment start when accepted outside one); the due instant is when it runs out, so a count
 * ending exactly at 11:30 is due at 11:30, not after lunch.
 */
export function computeDue(cal: WorkingCalendar, startedAt: Date, time: ProcessingTime): Date {
  const t = startedAt.getTime();
  const day = localDayOf(startedAt);
  switch (time.unit) {
    case 'days': {
      assertDays(time.amount);
      if (time.amount === 0) return endOfThisOrNextWorkingDay(cal, day, t);
      return cal.endOfDay(cal.addWorkingDays(day, time.amount));
    }
    case 'same_day': {
      const cutoff = time.cutoffMinute;
      if (!Number.isFinite(cutoff) || cutoff < 0 || cutoff > 1440) throw new RangeError(`A cut-off is a minute of the day, got ${cutoff}`);
      if (cal.isWorkingDay(day) && minuteOfDay(startedAt) < cutoff) return endOfThisOrNextWorkingDay(cal, day, t);
      return cal.endOfDay(cal.nextWorkingDay(day));
    }
    case 'hours': {
      assertHours(time.amount);
      return new Date(addWorkingMs(cal, t, Math.round(time.amount * HOUR_MS)));
    }
    default: {
      const unknown: never = time;
      throw new RangeError(`Unknown processing time ${JSON.stringify(unknown)}`);
    }
  }
}

/** The instant (epoch ms) at which `ms` of office time, counted from `t`, runs out. */
function addWorkingMs(cal: WorkingCalendar, t: number, ms: number): number {
  let day = localDayOf(new Date(t));
  let from = t;
  let left = ms;
  for (;;) {
    const base = dayStartMs(day);
    for (const seg of cal.segmentsOf(day)) {
      const segEnd = base + seg.end * MINUTE_MS;
      if (from >= segEnd) continue;
      const start = Math.max(from, base + seg.start * MINUTE_MS);
      if (left <= segEnd - start) return start + left;
      left -= segEnd - start;
    }
    day = cal.nextWorkingDay(day);
    from = dayStartMs(day);
  }
}

/** Office time (ms) inside [from, to). */
export function workingMsBetween(cal: WorkingCalendar, from: Date, to: Date): number {
  const a = from.getTime();
  const b = to.getTime();
  if (b <= a) return 0;
  let total = 0;
  const lastDay = localDayOf(to);
  for (let day = localDayOf(from); day <= lastDay; day = cal.nextWorkingDay(day)) {
    const base = dayStartMs(day);
    for (const seg of cal.segmentsOf(day)) {
      const s = Math.max(a, base + seg.start * MINUTE_MS);
      const e = Math.min(b, base + seg.end * MINUTE_MS);
      if (e > s) total += e - s;
    }
  }
  return total;
}

/**
 * What is left of a period when the clock stops ('pause' supplement policy). 'days': the working
 * days d with pauseDay < d ≤ dueDay — the pause day itself is spent, as the acceptance day is
 * not counted; on resume, computeDue(cal, resumedAt, remaining) counts them again from the day
 * after resumption. 0 days then means due at the end of the resume day (or the next working
 * day). 'hours': office time left between pausedAt and dueAt, in hours (fractional).
 */
export function remainingAfterPause(cal: WorkingCalendar, pausedAt: Date, dueAt: Date, unit: 'days' | 'hours'): ProcessingTime {
  if (unit === 'days') return { unit: 'days', amount: cal.workingDaysBetween(localDayOf(pausedAt), localDayOf(dueAt)) };
  return { unit: 'hours', amount: workingMsBetween(cal, pausedAt, dueAt) / HOUR_MS };
}

/** What a procedure does with its period when the citizen is asked for more papers. */
export type SupplementPolicy = 'restart' | 'pause';

/**
 * What a supplement request keeps of the running period, to be counted again from the receipt of
 * the supplement: under 'pause', what is left of it (remainingAfterPause); null when nothing is
 * kept and the procedure's whole time starts again on receipt — under 'restart', for a same-day
 * period (there is no part of a day to keep), or when the dossier had no due date running.
 */
export function keptOnSupplementRequest(
  cal: WorkingCalendar,
  policy: SupplementPolicy,
  requestedAt: Date,
  dueAt: Date | null,
  unit: ProcessingTime['unit'],
): ProcessingTime | null {
  return policy === 'pause' && dueAt !== null && unit !== 'same_day' ? remainingAfterPause(cal, requestedAt, dueAt, unit) : null;
}

export type Timeliness = 'not_due' | 'due_soon' | 'overdue';

/**
 * 'overdue' only strictly after the due instant (17:00:00 itself is still in time);
 * 'due_soon' when the due day is within `leadWorkingDays` working days of today (0 = due today,
 * or on the next working day when today is a day off), which is when the apology must go out.
 */
export function timelinessAt(cal: WorkingCalendar, now: Date, dueAt: Date, leadWorkingDays: number): Timeliness {
  if (now.getTime() > dueAt.getTime()) return 'overdue';
  if (localDayOf(dueAt) <= cal.addWorkingDays(localDayOf(now), leadWorkingDays)) return 'due_soon';
  return 'not_due';
}

export type Resolution = 'early' | 'on_time' | 'late';

/** 'early' means a Vietnam-local day before the due day (trước hạn), not merely earlier in the day. */
export function resolutionOf(resolvedAt: Date, dueAt: Date): Resolution {
  if (resolvedAt.getTime() > dueAt.getTime()) return 'late';
  if (localDayOf(resolvedAt) < localDayOf(dueAt)) return 'early';
  return 'on_time';
}
