/**
 * Which simulated figure a published one is set beside (params.calibration.figures). Keys are
 * read by their ending (docs/replay-audit.md), so a province can add its own figures without
 * code: `…Q1_2019Received` is compared with the simulated first quarter's period report,
 * `…OnlineOverdueShare` with the share of online dossiers that were late, and so on. Pure.
 */

/** Figures of the whole run, as comparable rates or yearly/quarterly volumes. */
export interface RunMeasures {
  receivedPerYear: number;
  receivedPerQuarter: number;
  lateShare: number | null;
  onlineLateShare: number | null;
  onTimeRate: number | null;
  beforeDeadlineShare: number | null;
}

/** The period report's figures a quarter key can name. */
export type QuarterMeasure = 'received' | 'resolved' | 'resolvedLate' | 'pending' | 'pendingOverdue';

export type CalibrationMatch = { kind: 'run'; measure: keyof RunMeasures } | { kind: 'quarter'; quarter: 1 | 2 | 3 | 4; measure: QuarterMeasure };

const RUN_ENDINGS: [RegExp, keyof RunMeasures][] = [
  [/(YearlyEstimate|PerYear)$/i, 'receivedPerYear'],
  [/PerQuarter$/i, 'receivedPerQuarter'],
  [/Online(Overdue|Late)Share$/i, 'onlineLateShare'],
  [/(Overdue|Late)Share$/i, 'lateShare'],
  [/OnTimeRate$/i, 'onTimeRate'],
  [/BeforeDeadlineShare$/i, 'beforeDeadlineShare'],
];

const QUARTER_MEASURES: Record<string, QuarterMeasure> = {
  received: 'received',
  resolved: 'resolved',
  resolvedlate: 'resolvedLate',
  pending: 'pending',
  pendingoverdue: 'pendingOverdue',
};

export function matchCalibration(key: string): CalibrationMatch | null {
  const q = /Q([1-4])(?:_?\d{4})?(Received|ResolvedLate|Resolved|PendingOverdue|Pending)$/i.exec(key);
  if (q) return { kind: 'quarter', quarter: Number(q[1]) as 1 | 2 | 3 | 4, measure: QUARTER_MEASURES[q[2].toLowerCase()] };
  for (const [ending, measure] of RUN_ENDINGS) if (ending.test(key)) return { kind: 'run', measure };
  return null;
}

/** What the simulated figure beside a published one is, in words. */
export const RUN_MEASURE_LABELS: Record<keyof RunMeasures, string> = {
  receivedPerYear: 'Hồ sơ tiếp nhận, quy ra một năm',
  receivedPerQuarter: 'Hồ sơ tiếp nhận, quy ra một quý',
  lateShare: 'Tỷ lệ hồ sơ trễ hạn trên hồ sơ tiếp nhận',
  onlineLateShare: 'Tỷ lệ hồ sơ trực tuyến trễ hạn trên hồ sơ trực tuyến tiếp nhận',
  onTimeRate: 'Tỷ lệ giải quyết đúng hạn (báo cáo kỳ)',
  beforeDeadlineShare: 'Tỷ lệ thư xin lỗi phát hành trước hạn',
};

export const QUARTER_MEASURE_LABELS: Record<QuarterMeasure, string> = {
  received: 'tiếp nhận',
  resolved: 'đã giải quyết',
  resolvedLate: 'giải quyết quá hạn',
  pending: 'đang giải quyết',
  pendingOverdue: 'đang giải quyết, quá hạn',
};

/** True for a share or rate (shown as a percentage), false for a count. */
export function isRate(match: CalibrationMatch | null, key: string): boolean {
  if (match?.kind === 'run') return !match.measure.startsWith('received');
  return match === null && /share|rate/i.test(key);
}
