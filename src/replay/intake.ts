/**
 * How many dossiers each agency receives on a given day: the province's yearly volume spread
 * over the working calendar (weekday, month, the Tết rush and the quiet after it, swapped
 * Saturdays), normalised per calendar year so that a year receives `yearlyVolume` on average
 * whatever its holidays. Days the receiving office is closed receive nothing: online dossiers
 * submitted then are received on the next working day (their submittedAt says when they came).
 */
import { WorkingCalendar } from '../domain/calendar';
import { lunarNewYear } from '../domain/lunar';
import { NATIONAL_DECISIONS } from '../domain/national-calendar';
import { dayToYmd, isoToDay, weekdayOf, yearOfDay, ymdToDay, type DayNumber } from '../domain/time';
import { weekScheduleOf } from '../services/calendar';
import type { WeekSchedule } from '../domain/calendar';
import type { AgencyParams, ReplayParams } from './params';

/** One receiving desk's view of the calendar: the hours it is open, and its weight per day. */
export interface Desk {
  agency: AgencyParams;
  /** The agency whose counter receives (a centre for departments). */
  receiving: AgencyParams;
  calendar: WorkingCalendar;
  schedule: WeekSchedule;
  /** Normalised share of the province's volume. */
  share: number;
}

interface TetWindow {
  rushFrom: DayNumber;
  breakStart: DayNumber;
  breakEnd: DayNumber;
  quietTo: DayNumber;
}

export class IntakeModel {
  readonly startDay: DayNumber;
  readonly desks: Desk[];
  private readonly national: WorkingCalendar;
  private readonly tet = new Map<number, TetWindow>();
  private readonly yearTotals = new Map<number, Float64Array>();
  private readonly meanWeekday: number;

  constructor(readonly p: ReplayParams) {
    this.startDay = isoToDay(p.start);
    this.national = new WorkingCalendar({ entries: NATIONAL_DECISIONS });
    const byCode = new Map(p.agencies.map((a) => [a.code, a]));
    const total = p.agencies.reduce((s, a) => s + a.share, 0);
    this.desks = p.agencies
      .filter((a) => a.share > 0)
      .map((agency) => {
        const receiving = byCode.get(agency.receivedBy ?? agency.code) ?? agency;
        const schedule = weekScheduleOf(receiving.officeHours);
        return { agency, receiving, schedule, calendar: new WorkingCalendar({ entries: NATIONAL_DECISIONS, schedule, agencyCode: receiving.code }), share: agency.share / total };
      });
    const wd = p.intake.weekday;
    this.meanWeekday = (wd[1] + wd[2] + wd[3] + wd[4] + wd[5]) / 5;
  }

  /**
   * The Tết break of `year` (the days off around mùng 1, as the national calendar has them, swaps
   * included), the rush weeks before it and the quiet weeks after.
   */
  tetWindow(year: number): TetWindow {
    const hit = this.tet.get(year);
    if (hit) return hit;
    const newYear = lunarNewYear(year);
    let breakStart = newYear;
    while (!this.national.isWorkingDay(breakStart - 1)) breakStart--;
    let breakEnd = newYear;
    while (!this.national.isWorkingDay(breakEnd + 1)) breakEnd++;
    const { rushWeeks, afterWeeks } = this.p.intake.tet;
    const w = { rushFrom: breakStart - 7 * rushWeeks, breakStart, breakEnd, quietTo: breakEnd + 7 * afterWeeks };
    this.tet.set(year, w);
    return w;
  }

  private tetFactor(day: DayNumber): number {
    const w = this.tetWindow(yearOfDay(day));
    if (day >= w.rushFrom && day < w.breakStart) return this.p.intake.tet.rushFactor;
    if (day > w.breakEnd && day <= w.quietTo) return this.p.intake.tet.afterFactor;
    return 1;
  }

  /** Unnormalised intake weight of a desk on a day: 0 when its counter is closed. */
  weight(desk: Desk, day: DayNumber): number {
    if (!desk.calendar.isWorkingDay(day)) return 0;
    const weekday = weekdayOf(day);
    const { intake } = this.p;
    // A working day on a weekly rest day is a swapped Saturday (ngày làm bù): fewer people know.
    const base = desk.schedule[weekday].length === 0 ? intake.swappedDay * this.meanWeekday : intake.weekday[weekday];
    return base * intake.months[dayToYmd(day).month - 1] * this.tetFactor(day);
  }

  private totals(year: number): Float64Array {
    const hit = this.yearTotals.get(year);
    if (hit) return hit;
    const first = ymdToDay(year, 1, 1);
    const last = ymdToDay(year + 1, 1, 1);
    const out = new Float64Array(this.desks.length);
    this.desks.forEach((desk, i) => {
      for (let d = first; d < last; d++) out[i] += this.weight(desk, d);
    });
    this.yearTotals.set(year, out);
    return out;
  }

  /** Share of its calendar year's province-wide intake that a day receives (sums to 1 over a year). */
  provinceWeight(day: DayNumber): number {
    const totals = this.totals(yearOfDay(day));
    let w = 0;
    this.desks.forEach((desk, i) => {
      if (totals[i] > 0) w += (desk.share * this.weight(desk, day)) / totals[i];
    });
    return w;
  }

  /** Expected dossiers of each desk on a day (before the day's noise and Poisson chance). */
  expected(day: DayNumber): Float64Array {
    const totals = this.totals(yearOfDay(day));
    const out = new Float64Array(this.desks.length);
    this.desks.forEach((desk, i) => {
      const t = totals[i];
      out[i] = t > 0 ? (this.p.yearlyVolume * desk.share * this.weight(desk, day)) / t : 0;
    });
    return out;
  }
}

const models = new WeakMap<ReplayParams, IntakeModel>();

/**
 * The model of a parameter set, built once (calendars, Tết windows and year totals are cached in
 * it). Parameters are read as immutable: to change one, make a new object (loadReplayParams with
 * overrides), or the cached model describes the old one.
 */
export function intakeModelOf(p: ReplayParams): IntakeModel {
  let m = models.get(p);
  if (!m) models.set(p, (m = new IntakeModel(p)));
  return m;
}

/** Dossiers the run is expected to receive on days [fromDay, toDay) of the run, before chance: the yardstick of a run's volume. */
export function expectedArrivals(p: ReplayParams, fromDay = 0, toDay = p.days): number {
  const model = intakeModelOf(p);
  let total = 0;
  for (let d = fromDay; d < toDay; d++) total += model.expected(model.startDay + d).reduce((a, b) => a + b, 0);
  return total;
}
