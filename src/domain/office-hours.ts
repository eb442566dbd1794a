/**
 * When an agency's office is open, for what must wait for someone at work (a remote-signing
 * request confirmed on a phone). The office hours are the calendar's: its weekly schedule (the
 * agency's `officeHours`, lunch break included), holidays and swapped days. Pure: the caller
 * passes "now".
 */
import type { WorkingCalendar } from './calendar';
import { formatHhmm, dayStartMs, localDayOf, minuteOfDay, MINUTE_MS } from './time';
import { weekdayDate } from './vn-format';

/**
 * `now` itself when it falls inside an office segment (its start included, its end not: at
 * 17:00:00 the office is closed), else the start of the next segment — after lunch, the next
 * morning, or the first working day after a weekend or holiday.
 */
export function nextOfficeOpening(cal: WorkingCalendar, now: Date): Date {
  const t = now.getTime();
  const today = localDayOf(now);
  const base = dayStartMs(today);
  for (const seg of cal.segmentsOf(today)) {
    if (t < base + seg.start * MINUTE_MS) return new Date(base + seg.start * MINUTE_MS);
    if (t < base + seg.end * MINUTE_MS) return now;
  }
  const next = cal.nextWorkingDay(today);
  return new Date(dayStartMs(next) + cal.segmentsOf(next)[0].start * MINUTE_MS);
}

/** "07:30 Thứ Hai, 09/03/2026": when a waiting request will go out. */
export function openingInWords(opening: Date): string {
  return `${formatHhmm(minuteOfDay(opening))} ${weekdayDate(localDayOf(opening))}`;
}

/**
 * How a letter whose remote request waits for the office to open says so (its signing message).
 * Nobody has been asked to sign yet: the watcher reminds no one about it (db/watch.ts matches it).
 */
export const WAITING_FOR_OFFICE = 'Chờ giờ làm việc';

export function waitingForOfficeInWords(opening: Date): string {
  return `${WAITING_FOR_OFFICE} (${openingInWords(opening)}) để gửi yêu cầu ký số`;
}
