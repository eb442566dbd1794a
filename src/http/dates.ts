import { isSupportedDay, isSupportedInstant } from '../domain/calendar';
import { dateTimeInputText, dayInputText, parseDateTimeInput, parseDayInput } from '../domain/date-input';
import type { DayNumber } from '../domain/time';
import { OUT_OF_RANGE } from './api/schemas';

export const NOT_A_DAY = 'Ngày không hợp lệ: nhập dạng dd/mm/yyyy, ví dụ 05/03/2026';
export const NOT_A_MOMENT = 'Thời điểm không hợp lệ: nhập dạng dd/mm/yyyy HH:mm, ví dụ 05/03/2026 14:30';

/** A date field of a page form (templates/views/partials/date-field.hbs): the day, or why it is refused. */
export function readDay(text: string): { day: DayNumber } | { problem: string } {
  const day = parseDayInput(text);
  if (day === null) return { problem: NOT_A_DAY };
  return isSupportedDay(day) ? { day } : { problem: OUT_OF_RANGE };
}

/** A date-and-time field of a page form: the moment (Vietnam time), or why it is refused. */
export function readDateTime(text: string): { instant: Date } | { problem: string } {
  const instant = parseDateTimeInput(text);
  if (instant === null) return { problem: NOT_A_MOMENT };
  return isSupportedInstant(instant) ? { instant } : { problem: OUT_OF_RANGE };
}

/** What the field shows again: a readable date as dd/mm/yyyy, anything else as it was typed. */
export function dayShown(text: string | undefined): string {
  const day = text ? parseDayInput(text) : null;
  return day === null ? (text ?? '') : dayInputText(day);
}

export function dateTimeShown(text: string | undefined): string {
  const instant = text ? parseDateTimeInput(text) : null;
  return instant === null ? (text ?? '') : dateTimeInputText(instant);
}
