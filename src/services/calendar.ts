import type { Db } from '../db/connection';
import { CalendarRepository, StoredCalendarEntry } from '../db/calendar';
import type { Agency, AgencyRepository } from '../db/agencies';
import type { WeekHours } from '../domain/agency';
import { WorkingCalendar, DEFAULT_WEEK_SCHEDULE, type WeekSchedule, type CalendarDay } from '../domain/calendar';
import type { CalendarEntry } from '../domain/holidays';
import { instantAt, localDayOf, parseHhmm } from '../domain/time';
import { ForbiddenError, NotFoundError, RuleError, type FieldProblem } from '../errors';
import type { Clock } from '../clock';
import type { Actor } from '../domain/actor';
import { authorize } from './authorize';

const WEEKDAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** An agency's weekly office hours: the national default, with the days the agency sets replaced. */
export function weekScheduleOf(hours: WeekHours): WeekSchedule {
  return WEEKDAY_KEYS.map((key, i) => {
    const ranges = hours[key];
    if (!ranges) return DEFAULT_WEEK_SCHEDULE[i];
    return ranges.map((r) => {
      const [start, end] = r.split('-');
      return { start: parseHhmm(start), end: parseHhmm(end) };
    });
  });
}

interface Cached {
  fingerprint: string;
  /** The agency's office hours the calendar was built with (its updated_at may not move when they change). */
  hours: string;
  calendar: WorkingCalendar;
}

export interface CalendarServiceDeps {
  db: Db;
  repo: CalendarRepository;
  agencies: AgencyRepository;
  clock: Clock;
  recheckMs?: number;
}

/**
 * Builds working calendars from the stored decisions and overrides. Calendars are cached per
 * agency; the cache is checked against a cheap fingerprint of the table so that a decision
 * entered through another instance is seen within `recheckMs`.
 */
export class CalendarService {
  private cache = new Map<string, Cached>();
  private entries: StoredCalendarEntry[] | null = null;
  private fingerprint = '';
  private checkedAt = 0;

  private readonly recheckMs: number;

  constructor(private readonly deps: CalendarServiceDeps) {
    this.recheckMs = deps.recheckMs ?? 2000;
  }

  invalidate(): void {
    this.cache.clear();
    this.entries = null;
    this.checkedAt = 0;
  }

  private async allEntries(): Promise<StoredCalendarEntry[]> {
    const t = Date.now();
    if (this.entries && t - this.checkedAt < this.recheckMs) return this.entries;
    const fp = await this.deps.repo.fingerprint();
    if (!this.entries || fp !== this.fingerprint) {
      this.entries = await this.deps.repo.all();
      this.fingerprint = fp;
      this.cache.clear();
    }
    this.checkedAt = t;
    return this.entries;
  }

  /** The calendar a dossier's deadline is counted in: the deciding agency's, or the national one. */
  async forAgency(agency: Agency | null): Promise<WorkingCalendar> {
    const entries = await this.allEntries();
    const key = agency?.code ?? '*';
    const hours = agency ? JSON.stringify(agency.settings.officeHours) : '';
    const hit = this.cache.get(key);
    if (hit && hit.fingerprint === this.fingerprint && hit.hours === hours) return hit.calendar;
    const calendar = new WorkingCalendar({
      entries,
      schedule: agency ? weekScheduleOf(agency.settings.officeHours) : DEFAULT_WEEK_SCHEDULE,
      agencyCode: agency?.code ?? null,
    });
    this.cache.set(key, { fingerprint: this.fingerprint, hours, calendar });
    return calendar;
  }

  /**
   * Per agency, the last instant that still counts as "due soon" now: the end of the day that is
   * `apologyLeadWorkingDays` working days from today (0: today).
   */
  async dueSoonUntil(agencies: Agency[], now: Date): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const a of agencies) {
      const calendar = await this.forAgency(a);
      const lastDay = calendar.addWorkingDays(localDayOf(now), a.settings.apologyLeadWorkingDays);
      out.set(a.id, instantAt(lastDay + 1, 0).getTime() - 1);
    }
    return out;
  }

  async forAgencyCode(code: string | undefined): Promise<{ agency: Agency | null; calendar: WorkingCalendar }> {
    if (!code) return { agency: null, calendar: await this.forAgency(null) };
    const agency = await this.deps.agencies.byCode(code);
    if (!agency) throw new NotFoundError(`Không có cơ quan mã "${code}"`);
    return { agency, calendar: await this.forAgency(agency) };
  }

  async year(year: number, agencyCode?: string): Promise<{ days: (CalendarDay & { id: number | null })[]; estimated: boolean }> {
    const { calendar } = await this.forAgencyCode(agencyCode);
    const stored = await this.deps.repo.byYear(year);
    const idOf = new Map(stored.map((e) => [`${e.agencyCode ?? '*'}|${e.date}`, e.id]));
    const days = calendar.nonStandardDays(year).map((d) => ({ ...d, id: idOf.get(`${d.agencyCode ?? '*'}|${d.date}`) ?? null }));
    return { days, estimated: calendar.isEstimated(year) };
  }

  /** The year as the administration page shows it, to those who may change it. */
  async yearToManage(year: number, actor: Actor, agencyCode?: string): ReturnType<CalendarService['year']> {
    authorize(actor, 'registry.manage');
    return this.year(year, agencyCode);
  }

  /** Stores a decision or an override; the caller recomputes the affected deadlines. */
  async saveEntries(entries: CalendarEntry[], actor: Actor): Promise<StoredCalendarEntry[]> {
    await this.assertMayEdit(entries.map((e) => e.agencyCode), actor);
    await this.assertAgenciesExist(entries);
    const saved = await this.deps.db.transaction(() => this.deps.repo.replace(entries, actor.name, this.deps.clock.now().getTime()));
    this.invalidate();
    return saved;
  }

  async removeEntry(id: number, actor: Actor): Promise<StoredCalendarEntry> {
    const removed = await this.deps.db.transaction(async () => {
      const entry = await this.deps.repo.remove(id);
      if (!entry) throw new NotFoundError(`Không có ngày lịch số ${id}`);
      await this.assertMayEdit([entry.agencyCode], actor);
      return entry;
    });
    this.invalidate();
    return removed;
  }

  /** An override for an agency that does not exist would be stored and never used. */
  private async assertAgenciesExist(entries: CalendarEntry[]): Promise<void> {
    const problems: FieldProblem[] = [];
    for (const [i, e] of entries.entries()) {
      if (e.agencyCode !== null && !(await this.deps.agencies.byCode(e.agencyCode))) {
        problems.push({ field: `entries.${i}.agencyCode`, message: `Không có cơ quan mã "${e.agencyCode}"` });
      }
    }
    if (problems.length) throw new RuleError('unknown-agency', problems[0].message, problems);
  }

  private async assertMayEdit(scopes: (string | null)[], actor: Actor): Promise<void> {
    authorize(actor, 'registry.manage');
    if (actor.agencyId === null) return;
    const own = await this.deps.agencies.byId(actor.agencyId);
    for (const scope of scopes) {
      if (scope === null) throw new ForbiddenError('Chỉ mã truy cập toàn hệ thống mới được sửa lịch nghỉ toàn quốc');
      if (scope !== own?.code) throw new ForbiddenError(`Mã truy cập này không được sửa lịch của cơ quan ${scope}`);
    }
  }
}
