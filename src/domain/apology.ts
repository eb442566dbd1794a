/**
 * The late-dossier rule (NĐ 61/2018, kept by NĐ 118/2025 as Mẫu 04): an agency that will miss a
 * due date apologises in writing, with the reason and a new date, at the latest one working day
 * before the deadline; a new appointment may be given a limited number of times. Pure rules: the
 * caller passes the dossier's facts, the calendar and `now`.
 */
import type { WorkingCalendar } from './calendar';
import type { DossierState } from './dossier';
import { localDayOf, type DayNumber } from './time';
import { shortDate } from './vn-format';

export interface Refusal {
  code: string;
  message: string;
  status: 409 | 422;
}

export interface ApologyFacts {
  state: DossierState;
  currentDueAt: number | null;
  extensionsCount: number;
  maxExtensions: number;
}

/** Why this dossier cannot get an apology now, or null when it can. */
export function apologyRefusal(f: ApologyFacts): Refusal | null {
  if (f.state === 'resolved' || f.state === 'returned') {
    return { code: 'dossier-resolved', status: 409, message: 'Hồ sơ đã có kết quả, không cần xin lỗi và hẹn lại' };
  }
  if (f.state === 'withdrawn' || f.state === 'rejected') {
    return { code: 'dossier-closed', status: 409, message: 'Hồ sơ đã rút hoặc đã bị từ chối, không thể hẹn lại' };
  }
  if (f.state === 'waiting_supplement' || f.currentDueAt === null) {
    return { code: 'dossier-paused', status: 409, message: 'Hồ sơ đang chờ bổ sung, thời hạn đang dừng nên chưa cần hẹn lại' };
  }
  if (f.extensionsCount >= f.maxExtensions) {
    return {
      code: 'max-extensions',
      status: 422,
      message: `Hồ sơ đã được hẹn lại ${f.extensionsCount} lần, tối đa ${f.maxExtensions} lần: phải báo cáo cấp trên thay vì hẹn lại tiếp`,
    };
  }
  return null;
}

/**
 * The default new date: the current due day plus the procedure's extension in working days. A
 * dossier found long after it slipped counts from today instead, so the letter never promises a
 * day already gone.
 */
export function proposedNewDay(cal: WorkingCalendar, currentDueAt: Date, extensionDays: number, now: Date): DayNumber {
  const from = Math.max(localDayOf(currentDueAt), localDayOf(now));
  return cal.addWorkingDays(from, Math.max(1, extensionDays));
}

/** A new date must be a working day after the current due day (and not in the past). */
export function newDayRefusal(cal: WorkingCalendar, currentDueAt: Date, newDay: DayNumber, now: Date): Refusal | null {
  const dueDay = localDayOf(currentDueAt);
  if (newDay <= dueDay) {
    return { code: 'new-date-not-after-due', status: 422, message: `Ngày hẹn mới phải sau ngày hẹn hiện tại (${shortDate(dueDay)})` };
  }
  if (newDay <= localDayOf(now)) {
    return { code: 'new-date-past', status: 422, message: 'Ngày hẹn mới phải sau ngày hôm nay' };
  }
  if (!cal.isWorkingDay(newDay)) {
    return { code: 'new-date-not-working-day', status: 422, message: `Ngày ${shortDate(newDay)} không phải ngày làm việc` };
  }
  return null;
}

/**
 * Why a letter approved earlier can no longer be issued as it stands: its new date has come (or
 * gone) while it waited — for a signer's office to open, for a confirmation. Waiting longer never
 * cures it, so the letter goes back for a new date; null while the date is still ahead.
 */
export function newDatePassedReason(newDueAt: Date, now: Date): string | null {
  const newDay = localDayOf(newDueAt);
  const today = localDayOf(now);
  if (newDay > today) return null;
  const when = newDay === today ? 'đã đến' : `đã qua (hôm nay ${shortDate(today)})`;
  return `Ngày hẹn mới ${shortDate(newDay)} ${when} trước khi thư được ký số và ban hành: cần chọn ngày hẹn mới rồi phê duyệt lại`;
}

/** Issued after the deadline it apologises for: non-compliant, counted against the agency. */
export function isLateApology(issuedAt: Date, dueAt: Date): boolean {
  return issuedAt.getTime() > dueAt.getTime();
}

/** Which Mẫu 04 applies: TT 03/2025 for dossiers received from 1/7/2025, TT 01/2018 before. */
export type LetterForm = 'tt03-2025' | 'tt01-2018';
export const TT03_FROM = Date.UTC(2025, 5, 30, 17, 0, 0); // 01/07/2025 00:00 Vietnam time

export function letterFormFor(acceptedAt: number): LetterForm {
  return acceptedAt >= TT03_FROM ? 'tt03-2025' : 'tt01-2018';
}

/**
 * Whether the letter and the notice speak to a person ("Ông/Bà …"): a person applying, or the
 * person an organisation authorised. An organisation addressed itself is named without it.
 */
export function addressesPerson(applicant: 'person' | 'organisation', toRepresentative: boolean): boolean {
  return applicant === 'person' || toRepresentative;
}
