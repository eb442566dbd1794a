/**
 * Public holidays as the law defines them (Bộ luật Lao động 2019, Điều 111–112), derived for
 * any year. The government fixes the exact Tết and Quốc khánh days and swaps working days each
 * year; those decisions are data (see national-calendar.ts and the calendar table) and replace
 * the derivation here occasion by occasion. What is derived but not fixed by law is flagged
 * `estimate: true` so the admin page can ask someone to confirm it.
 */
import { lunarNewYear, lunarToDay } from './lunar';
import { dayToIso, dayToVn, isoToDay, weekdayOf, ymdToDay, type DayNumber } from './time';

export type Occasion = 'tet_duong_lich' | 'tet_am_lich' | 'gio_to' | 'giai_phong' | 'quoc_te_lao_dong' | 'quoc_khanh';

export interface CalendarEntry {
  date: string;              // 'YYYY-MM-DD'
  kind: 'off' | 'work';      // 'work' = a swapped working day (e.g. Saturday 10/01/2026)
  occasion: Occasion | null; // decisions about one occasion replace that occasion's law-derived defaults for that year
  name: string;              // Vietnamese, NFC
  source: string;            // Vietnamese, where the day comes from
  estimate: boolean;         // true when no official decision was seen
  agencyCode: string | null; // null = national; else an agency's own override
}

export const OCCASIONS: readonly Occasion[] = ['tet_duong_lich', 'tet_am_lich', 'gio_to', 'giai_phong', 'quoc_te_lao_dong', 'quoc_khanh'];

/** Short Vietnamese names, used for compensatory days ("… (nghỉ bù)") and in the admin page. */
export const OCCASION_NAMES: Readonly<Record<Occasion, string>> = {
  tet_duong_lich: 'Tết Dương lịch',
  tet_am_lich: 'Tết Nguyên đán',
  gio_to: 'Giỗ Tổ Hùng Vương',
  giai_phong: 'Ngày Giải phóng miền Nam, thống nhất đất nước',
  quoc_te_lao_dong: 'Ngày Quốc tế Lao động',
  quoc_khanh: 'Quốc khánh',
};

const LAW_112 = 'Bộ luật Lao động 2019, Điều 112, khoản 1';
const LAW_111 = 'Bộ luật Lao động 2019, Điều 111, khoản 3';
const WEEKDAY_VN = ['Chủ nhật', 'thứ Hai', 'thứ Ba', 'thứ Tư', 'thứ Năm', 'thứ Sáu', 'thứ Bảy'];

export function isWeekend(day: DayNumber): boolean {
  const w = weekdayOf(day);
  return w === 0 || w === 6;
}

/**
 * The year a decision about an occasion belongs to. Only Tết Dương lịch needs care: its
 * decision can swap a day of the previous December (2019's gave Monday 31/12/2018 off), and
 * that must replace 2019's New Year defaults, not 2018's.
 */
export function occasionYearOf(entry: Pick<CalendarEntry, 'date' | 'occasion'>): number {
  const year = Number(entry.date.slice(0, 4));
  return entry.occasion === 'tet_duong_lich' && entry.date.slice(5, 7) === '12' ? year + 1 : year;
}

interface Holiday {
  day: DayNumber;
  occasion: Occasion;
  name: string;
  source: string;
  estimate: boolean;
}

/**
 * Which neighbour of 2/9 the estimate takes, by 2/9's weekday. The law says "01 ngày liền kề
 * trước hoặc sau"; the rule is: never a weekend day when a weekday will do, prefer the weekday
 * that joins the weekend (no lone working day stranded between holiday and weekend), and when
 * neither does (2/9 on Wednesday) take 1/9. It reproduces every decision since the law took
 * effect: 2021 Thu→3/9, 2022 Fri→1/9, 2023 Sat→1/9, 2024 Mon→3/9, 2025 Tue→1/9.
 * A Sunday 2/9 takes Monday 3/9; 2/9 itself is then compensated on Tuesday 4/9.
 */
const QUOC_KHANH_ADJACENT_SEPTEMBER_DAY: readonly number[] = [
  3, // Sunday: 1/9 is Saturday
  3, // Monday: 1/9 is Sunday
  1, // Tuesday: Monday 1/9 joins the weekend
  1, // Wednesday: neither joins a weekend; take the day before
  3, // Thursday: Friday 3/9 joins the weekend
  1, // Friday: 3/9 is Saturday
  1, // Saturday: 3/9 is Sunday
];

const lawCache = new Map<number, readonly Holiday[]>();

/** The law's holidays of `year` before compensatory days, sorted by day. */
function lawHolidays(year: number): readonly Holiday[] {
  const hit = lawCache.get(year);
  if (hit) return hit;
  const list: Holiday[] = [];
  list.push({ day: ymdToDay(year, 1, 1), occasion: 'tet_duong_lich', name: 'Tết Dương lịch', source: LAW_112, estimate: false });

  const tet = lunarNewYear(year);
  const tetSource =
    `${LAW_112} (Tết Âm lịch 05 ngày); ước tính: ngày cuối năm Âm lịch và mùng 1–4 Tết, ` +
    'chưa thấy quyết định của Thủ tướng Chính phủ về lịch nghỉ Tết năm này';
  list.push({ day: tet - 1, occasion: 'tet_am_lich', name: 'Tết Nguyên đán (ngày cuối năm Âm lịch)', source: tetSource, estimate: true });
  for (let i = 0; i < 4; i++) {
    list.push({ day: tet + i, occasion: 'tet_am_lich', name: `Tết Nguyên đán (mùng ${i + 1})`, source: tetSource, estimate: true });
  }

  list.push({ day: lunarToDay(year, 3, 10), occasion: 'gio_to', name: 'Giỗ Tổ Hùng Vương (10/3 Âm lịch)', source: LAW_112, estimate: false });
  list.push({ day: ymdToDay(year, 4, 30), occasion: 'giai_phong', name: 'Ngày Giải phóng miền Nam, thống nhất đất nước (30/4)', source: LAW_112, estimate: false });
  list.push({ day: ymdToDay(year, 5, 1), occasion: 'quoc_te_lao_dong', name: 'Ngày Quốc tế Lao động (1/5)', source: LAW_112, estimate: false });

  const qk = ymdToDay(year, 9, 2);
  list.push({ day: qk, occasion: 'quoc_khanh', name: 'Quốc khánh (2/9)', source: LAW_112, estimate: false });
  const adjacent = QUOC_KHANH_ADJACENT_SEPTEMBER_DAY[weekdayOf(qk)];
  list.push({
    day: ymdToDay(year, 9, adjacent),
    occasion: 'quoc_khanh',
    name: `Quốc khánh (ngày liền kề 0${adjacent}/9)`,
    source:
      `${LAW_112} (02/9 và 01 ngày liền kề trước hoặc sau); ước tính: 2/9/${year} là ${WEEKDAY_VN[weekdayOf(qk)]}, ` +
      `chọn ngày 0${adjacent}/9 theo quy tắc nối với ngày nghỉ cuối tuần; chưa thấy quyết định năm này`,
    estimate: true,
  });

  list.sort((a, b) => a.day - b.day);
  const frozen = Object.freeze(list.map((h) => Object.freeze(h)));
  lawCache.set(year, frozen);
  return frozen;
}

function toEntry(h: Holiday): CalendarEntry {
  return { date: dayToIso(h.day), kind: 'off', occasion: h.occasion, name: h.name, source: h.source, estimate: h.estimate, agencyCode: null };
}

/**
 * The law-derived entries of `year` for every occasion that `decisions` does not already settle,
 * with their compensatory days.
 *
 * `decisions` are national entries (agencyCode null; others are ignored). A decision about
 * (year, occasion) replaces all of that occasion's derived days. Compensatory days for the
 * remaining occasions skip every day already off — law holidays kept here and days off by any
 * decision — so that a compensatory day never lands where it gives nothing.
 *
 * Compensation (Điều 111): a holiday on a weekly rest day (Saturday or Sunday, the civil
 * service week) moves to the next working day that is neither a holiday nor already a
 * compensatory day, in date order, so a holiday weekend yields consecutive weekdays off
 * (30/4 Sat + 1/5 Sun 2022 → Mon 2/5 and Tue 3/5). It is an estimate when the holiday is, or
 * when it had to step over an estimated day.
 */
export function deriveNationalEntries(year: number, decisions: readonly CalendarEntry[] = []): CalendarEntry[] {
  const replaced = new Set<Occasion>();
  const decidedOff = new Set<DayNumber>();
  for (const d of decisions) {
    if (d.agencyCode !== null) continue;
    if (d.occasion !== null && occasionYearOf(d) === year) replaced.add(d.occasion);
    if (d.kind === 'off') decidedOff.add(isoToDay(d.date));
  }
  const kept = lawHolidays(year).filter((h) => !replaced.has(h.occasion));
  const estimatedOff = new Map<DayNumber, boolean>();
  for (const h of kept) estimatedOff.set(h.day, (estimatedOff.get(h.day) ?? false) || h.estimate);

  const out: CalendarEntry[] = kept.map(toEntry);
  const taken = new Map<DayNumber, boolean>(); // compensatory day → whether it is an estimate
  for (const h of kept) {
    if (!isWeekend(h.day)) continue;
    let estimate = h.estimate;
    let d = h.day + 1;
    while (isWeekend(d) || estimatedOff.has(d) || decidedOff.has(d) || taken.has(d)) {
      if (estimatedOff.get(d) || taken.get(d)) estimate = true;
      d++;
    }
    taken.set(d, estimate);
    out.push({
      date: dayToIso(d),
      kind: 'off',
      occasion: h.occasion,
      name: `${OCCASION_NAMES[h.occasion]} (nghỉ bù)`,
      source: `${LAW_111}: ${h.name} ngày ${dayToVn(h.day)} trùng ngày nghỉ hằng tuần (${WEEKDAY_VN[weekdayOf(h.day)]}), nghỉ bù vào ngày làm việc kế tiếp`,
      estimate,
      agencyCode: null,
    });
  }
  out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return out;
}

/** The law's days off for `year` when no decision is known: holidays, estimates and compensatory days. */
export function defaultNationalEntries(year: number): CalendarEntry[] {
  return deriveNationalEntries(year, []);
}
