/** The year of a working calendar laid out as twelve month grids, Monday first, for the admin page. */
import type { CalendarDay } from '../../../domain/calendar';
import { daysInMonth, isoToDay, weekdayOf, ymdToDay } from '../../../domain/time';
import { shortDate } from '../../../domain/vn-format';

export const WEEKDAY_HEADERS = [
  { short: 'T2', long: 'Thứ Hai' },
  { short: 'T3', long: 'Thứ Ba' },
  { short: 'T4', long: 'Thứ Tư' },
  { short: 'T5', long: 'Thứ Năm' },
  { short: 'T6', long: 'Thứ Sáu' },
  { short: 'T7', long: 'Thứ Bảy' },
  { short: 'CN', long: 'Chủ nhật' },
];

export interface MarkedDay {
  date: string;
  shortDate: string;
  kind: 'off' | 'work';
  /** The text shown in the cell and the list, never colour alone. */
  label: string;
  name: string;
  source: string;
  estimate: boolean;
  agencyCode: string | null;
}

export interface GridCell {
  day: number;
  weekend: boolean;
  mark: MarkedDay | null;
}

export interface MonthGrid {
  month: number;
  title: string;
  /** Weeks of seven cells; null before the first and after the last day of the month. */
  weeks: (GridCell | null)[][];
}

export function markedDays(days: CalendarDay[]): MarkedDay[] {
  return days.map((d) => ({
    date: d.date,
    shortDate: shortDate(isoToDay(d.date)),
    kind: d.kind,
    label: `${d.kind === 'off' ? 'Nghỉ' : 'Làm bù'}${d.estimate ? ' (dự kiến)' : ''}`,
    name: d.name,
    source: d.source,
    estimate: d.estimate,
    agencyCode: d.agencyCode,
  }));
}

export function yearGrid(year: number, marks: MarkedDay[]): MonthGrid[] {
  const byDate = new Map(marks.map((m) => [m.date, m]));
  const months: MonthGrid[] = [];
  for (let month = 1; month <= 12; month++) {
    const cells: (GridCell | null)[] = [];
    const lead = (weekdayOf(ymdToDay(year, month, 1)) + 6) % 7;
    for (let i = 0; i < lead; i++) cells.push(null);
    for (let day = 1; day <= daysInMonth(year, month); day++) {
      const w = weekdayOf(ymdToDay(year, month, day));
      const iso = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      cells.push({ day, weekend: w === 0 || w === 6, mark: byDate.get(iso) ?? null });
    }
    while (cells.length % 7) cells.push(null);
    const weeks: (GridCell | null)[][] = [];
    for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
    months.push({ month, title: `Tháng ${month}/${year}`, weeks });
  }
  return months;
}
