/**
 * The figures supervisors report per agency and period (domain.md, "Statistics people report"),
 * as pure functions of counts: periods, derived totals and rates, the identities, masking.
 */
import { isSupportedYear } from './calendar';
import { daysInMonth, dayStartMs, dayToVn, ymdToDay, type DayNumber } from './time';

/** A reporting period: Vietnam-local days, both inclusive. */
export interface Period {
  from: DayNumber;
  to: DayNumber;
  /** "Quý I năm 2026", "Tháng 3 năm 2026"…, or "Từ ngày 01/01/2026 đến ngày 15/02/2026". */
  label: string;
  /** ASCII, for file names: "2026-Q1", "2026-03", "2026-01-01_2026-02-15". */
  slug: string;
}

const ROMAN = ['I', 'II', 'III', 'IV'];

/** "2026", "2026-H1", "2026-Q3", "2026-03" → the period; null when the text is none of these, or its year is outside the calendar's range. */
export function parsePeriod(text: string): Period | null {
  const m = /^(\d{4})(?:-(?:Q([1-4])|H([12])|(0[1-9]|1[0-2])))?$/.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  if (!isSupportedYear(year)) return null;
  const span = (firstMonth: number, lastMonth: number, label: string): Period => ({
    from: ymdToDay(year, firstMonth, 1),
    to: ymdToDay(year, lastMonth, daysInMonth(year, lastMonth)),
    label,
    slug: text.trim(),
  });
  if (m[2]) {
    const q = Number(m[2]);
    return span(q * 3 - 2, q * 3, `Quý ${ROMAN[q - 1]} năm ${year}`);
  }
  if (m[3]) return m[3] === '1' ? span(1, 6, `6 tháng đầu năm ${year}`) : span(7, 12, `6 tháng cuối năm ${year}`);
  if (m[4]) {
    const month = Number(m[4]);
    return span(month, month, `Tháng ${month} năm ${year}`);
  }
  return span(1, 12, `Năm ${year}`);
}

/** Any range of days, labelled the way a report heading states it. */
export function rangePeriod(from: DayNumber, to: DayNumber, fromIso: string, toIso: string): Period {
  return { from, to, label: `Từ ngày ${dayToVn(from)} đến ngày ${dayToVn(to)}`, slug: `${fromIso}_${toIso}` };
}

/** The period as instants: [start of its first day, start of the day after its last). */
export function periodInstants(p: Period): { fromMs: number; toMs: number } {
  return { fromMs: dayStartMs(p.from), toMs: dayStartMs(p.to + 1) };
}

/** What the database counts for one row of the period report; each dossier lands in one cell of each half. */
export interface PeriodCounts {
  carriedOver: number;
  newOnline: number;
  newCounter: number;
  newPost: number;
  resolvedEarly: number;
  resolvedOnTime: number;
  resolvedLate: number;
  pendingNotDue: number;
  pendingOverdue: number;
  paused: number;
  withdrawn: number;
  rejected: number;
}

export interface PeriodFigures extends PeriodCounts {
  newTotal: number;
  received: number;
  resolved: number;
  pending: number;
  /** (early + on time) / resolved; null when nothing was resolved. */
  onTimeRate: number | null;
  /** QĐ 766: (early + on time + pending not yet due) / (resolved + pending); null when both are 0. */
  timelinessRate: number | null;
}

export const ZERO_COUNTS: PeriodCounts = {
  carriedOver: 0,
  newOnline: 0,
  newCounter: 0,
  newPost: 0,
  resolvedEarly: 0,
  resolvedOnTime: 0,
  resolvedLate: 0,
  pendingNotDue: 0,
  pendingOverdue: 0,
  paused: 0,
  withdrawn: 0,
  rejected: 0,
};

export function addCounts(a: PeriodCounts, b: PeriodCounts): PeriodCounts {
  const out = { ...a };
  for (const k of Object.keys(ZERO_COUNTS) as (keyof PeriodCounts)[]) out[k] = a[k] + b[k];
  return out;
}

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

export function periodFigures(c: PeriodCounts): PeriodFigures {
  const newTotal = c.newOnline + c.newCounter + c.newPost;
  const resolved = c.resolvedEarly + c.resolvedOnTime + c.resolvedLate;
  const pending = c.pendingNotDue + c.pendingOverdue;
  return {
    ...c,
    newTotal,
    received: c.carriedOver + newTotal,
    resolved,
    pending,
    onTimeRate: ratio(c.resolvedEarly + c.resolvedOnTime, resolved),
    timelinessRate: ratio(c.resolvedEarly + c.resolvedOnTime + c.pendingNotDue, resolved + pending),
  };
}

/**
 * The identities of domain.md that a row must satisfy, each broken one described in words:
 * received = resolved + pending + paused + withdrawn + rejected; resolved = early + on time + late.
 */
export function brokenIdentities(f: PeriodFigures): string[] {
  const broken: string[] = [];
  const outcomes = f.resolved + f.pending + f.paused + f.withdrawn + f.rejected;
  if (f.received !== outcomes) {
    broken.push(`tiếp nhận ${f.received} ≠ đã giải quyết + đang giải quyết + tạm dừng + rút + từ chối = ${outcomes}`);
  }
  if (f.resolved !== f.resolvedEarly + f.resolvedOnTime + f.resolvedLate) broken.push('đã giải quyết ≠ trước hạn + đúng hạn + trễ hạn');
  if (f.received !== f.carriedOver + f.newOnline + f.newCounter + f.newPost) broken.push('tiếp nhận ≠ kỳ trước chuyển sang + mới tiếp nhận');
  return broken;
}

/** Apology compliance of one agency: the late dossiers and what was done about them. */
export interface ComplianceCounts {
  late: number;
  apologyBeforeDue: number;
  apologyAfterDue: number;
  noApology: number;
  secondSlips: number;
  noticesDelivered: number;
  noticesFailed: number;
  noticesNotSent: number;
  /** Of the apologies counted, letters issued with the leader's and the agency's signatures. */
  lettersSigned: number;
  /** …and letters issued without them (signing turned off, not set up, or issued before signing existed). */
  lettersUnsigned: number;
  /** SMS segments the gateway took for these apologies' notices: what the province pays for. */
  smsSegments: number;
}

export const ZERO_COMPLIANCE: ComplianceCounts = {
  late: 0,
  apologyBeforeDue: 0,
  apologyAfterDue: 0,
  noApology: 0,
  secondSlips: 0,
  noticesDelivered: 0,
  noticesFailed: 0,
  noticesNotSent: 0,
  lettersSigned: 0,
  lettersUnsigned: 0,
  smsSegments: 0,
};

export function addCompliance(a: ComplianceCounts, b: ComplianceCounts): ComplianceCounts {
  const out = { ...a };
  for (const k of Object.keys(ZERO_COMPLIANCE) as (keyof ComplianceCounts)[]) out[k] = a[k] + b[k];
  return out;
}

/** Share of late dossiers that got an apology before their due date; null without late dossiers. */
export function complianceRate(c: ComplianceCounts): number | null {
  return ratio(c.apologyBeforeDue, c.late);
}

/**
 * A dossier code for a public page, "H13.NK-260212-0007" → "H13.NK-******-0007": the receiving
 * unit's prefix (before the first "-") and the last four characters show, so a citizen recognises
 * their entry beside its procedure and dates; the digits between them (the receipt date) are
 * masked, so the list cannot be used to look a dossier up. A code without that shape, or where
 * that would hide fewer than 4 characters, shows at most 4 characters at each end and at least 3
 * masked in the middle.
 */
export function maskCode(code: string): string {
  const chars = [...code];
  const prefixEnd = chars.indexOf('-');
  const tail = chars.length - 4;
  if (prefixEnd > 0 && prefixEnd < tail) {
    const middle = chars.slice(prefixEnd, tail).map((c) => (/\d/.test(c) ? '*' : c));
    if (middle.filter((c) => c === '*').length >= 4) return [...chars.slice(0, prefixEnd), ...middle, ...chars.slice(tail)].join('');
  }
  if (chars.length <= 3) return '*'.repeat(chars.length);
  const keep = Math.min(4, Math.floor((chars.length - 3) / 2));
  return chars.slice(0, keep).join('') + '*'.repeat(chars.length - 2 * keep) + chars.slice(chars.length - keep).join('');
}

/** Calendar days from a due instant to `now`, the way the press counts "quá hạn 45 ngày". */
export function daysLate(dueMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - dueMs) / 86_400_000));
}
