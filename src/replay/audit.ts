/**
 * The end of a replay (issue 18 §4): what a year of dossiers did, counted from the rows and from
 * what the providers' fakes received — never from the service's own counters — and the promises
 * it must have kept. `brokenPromises` non-empty makes `henlai replay` exit 1.
 */
import { isPostgres, type Db } from '../db/connection';
import { AgencyRepository } from '../db/agencies';
import { ProcedureRepository } from '../db/procedures';
import { ReportRepository } from '../db/reports';
import { ReplayAuditRepository, type NoticeTally, type Sample } from '../db/replay-audit';
import { FixedClock } from '../clock';
import { SYSTEM_ACTOR } from '../domain/actor';
import { parsePeriod, rangePeriod, type PeriodFigures } from '../domain/reports';
import { dayToIso, dayToYmd, localDayOf } from '../domain/time';
import { ReportService } from '../services/reports';
import { duplicateKeys, firstAcceptance, monthOfDay, monthsBetween, realTimeOf, spread, tallyDeliveries, type DuplicateKey, type ProviderTally, type Spread } from './audit-figures';
import type { AuditParams, FakeDelivery, RunFacts } from './audit-types';
import type { RequestTally } from './fakes/smartca';
import { isRate, matchCalibration, QUARTER_MEASURE_LABELS, RUN_MEASURE_LABELS, type RunMeasures } from './calibration';

export type { AuditParams, FakeDelivery, RunFacts, ClockMark } from './audit-types';

export interface AuditInput {
  db: Db;
  deliveries: FakeDelivery[];
  /** Where the SmartCA fake's requests stand at the end (null: no agency signed remotely). */
  signingRequests?: RequestTally | null;
  /** Zalo's delivery receipts, as the fake posted them: taken by our webhook (2xx), or not. */
  zaloReceipts?: { taken: number; failed: number };
  /** The SMS gateway's delivery reports, as the fake sent them: taken by our webhook (2xx), or not. */
  smsReports?: { taken: number; failed: number };
  params: AuditParams;
  run: RunFacts;
}

export interface MonthRow {
  month: string;
  received: number;
  /** Late dossiers whose (first) deadline fell in this month. */
  late: number;
  /** First apologies issued this month, before or after the deadline they were about. */
  apologisedBefore: number;
  apologisedAfter: number;
  /** Late dossiers of this month never apologised nor escalated. */
  never: number;
  /** Citizens put on the counter's call list this month, and of them those still on it at the end. */
  callListAdded: number;
  callListLeft: number;
}

export interface LetterRegister {
  agencyCode: string;
  year: number;
  lastSeq: number;
  issued: number;
  reserved: number;
  voided: number;
  gaps: number[];
}

export interface ProviderCheck extends ProviderTally {
  /** Our notices on this channel recorded as handed to the provider. */
  noticesSent: number;
  duplicates: DuplicateKey[];
  /** Notices we record as sent that the fake never accepted (checked only for faked providers). */
  sentWithoutDelivery: Sample;
  /** Keys the fake accepted that we do not record as sent (a kill right after the provider answered, then a fallback). */
  acceptedNotRecorded: number;
  checked: boolean;
}

export interface CostRow {
  channel: 'zalo' | 'sms' | 'email';
  /** Messages our notices record as handed over, and what the provider's fake accepted (null: not faked). */
  messages: number;
  acceptedAtFake: number | null;
  smsSegments: number;
  unitPrice: number;
  /** At the fake's count when faked (what the province pays), else at ours. */
  cost: number;
}

export interface Latency extends Spread {
  measure: 'slipToApology' | 'draftToIssue' | 'apologyToCitizen';
  clock: 'virtual' | 'real';
}

export interface CalibrationRow {
  key: string;
  published: number | null;
  simulated: number | null;
  /** What the simulated figure is, in words (empty: no simulated figure matches the key). */
  simulatedAs: string;
  /** A share or rate, shown as a percentage. */
  rate: boolean;
}

export interface Audit {
  generatedAtRealMs: number;
  database: string;
  run: RunFacts;
  virtual: { start: string; end: string; days: number };
  dossiers: { received: number; late: number; apologisedBefore: number; apologisedAfter: number; escalatedOnly: number; never: Sample; beforeShare: number | null;
    /** Drafted but left waiting for a leader (review mode) until the end or until the dossier closed: not the service's promise, reported beside it. */
    leftToLeader: Sample };
  secondSlips: { escalations: number; apologisedTwice: number; unhandled: Sample };
  duplicateApologies: Sample;
  letterNumbers: { registers: LetterRegister[]; gaps: number; examples: string[] };
  /** Letters issued, and how many carried their signatures (parameters' `signing`: an agency set to 'off' issues them unsigned). */
  letters: { issued: number; signed: number; unsigned: number };
  /**
   * Remote signing ('remote' agencies): what SmartCA received and how its requests ended (the
   * fake's word), and the letters as the rows have them. Null when no agency signs remotely.
   */
  remoteSigning: RemoteSigningAudit | null;
  /**
   * Zalo delivery receipts: posted by the fake and taken by the service's webhook, or refused /
   * not reached; and the Zalo notices the rows record as delivered. Null when none were posted.
   */
  zaloReceipts: { taken: number; failed: number; noticesDelivered: number } | null;
  /**
   * The SMS gateway's delivery reports: sent by the fake and taken by the service's webhook, or
   * refused / not reached; and the SMS notices the rows record as delivered. Null when not counted.
   */
  smsReports: { taken: number; failed: number; noticesDelivered: number } | null;
  notices: {
    byState: NoticeTally[];
    total: number;
    callListLeft: number;
    lost: { count: number; stuckSending: Sample; failedWithoutFallback: Sample; issuedWithoutNotice: Sample; sentWithoutDelivery: Sample };
  };
  deliveries: ProviderCheck[];
  latencies: Latency[];
  costs: { rows: CostRow[]; total: number; currency: string };
  months: MonthRow[];
  periodReport: { title: string; total: PeriodFigures; rows: { key: string; name: string; figures: PeriodFigures }[] };
  calibration: { source: string; rows: CalibrationRow[] };
}

export interface RemoteSigningAudit {
  /** Signature requests the fake took, and those it answered with an error, that timed out or were cut by an outage. */
  requests: number;
  requestsFailed: number;
  /** The fake's requests by where they stand at the end: confirmed, refused, expired, pending. */
  atFake: RequestTally;
  signedRemotely: number;
  /** Letters not issued, still waiting for a signature at the end. */
  waiting: number;
  /** Letters refused or expired at least once: issued in the end after being approved again, still handed back, or cancelled. */
  handedBack: { issued: number; draft: number; cancelled: number };
  /** Letters whose new date came while they waited for a signature: handed back, issued in the end, and refusals retried as faults (should be 0). */
  datePassed: { handedBack: number; issued: number; retried: number };
  events: { layer: string; outcome: string; n: number }[];
}

const PROVIDER_CHANNELS = ['zalo', 'sms', 'email'] as const;

async function remoteSigningAudit(repo: ReplayAuditRepository, deliveries: FakeDelivery[], atFake: RequestTally): Promise<RemoteSigningAudit> {
  const log = deliveries.filter((d) => d.provider === 'signing');
  return {
    requests: log.filter((d) => d.outcome === 'accepted').length,
    requestsFailed: log.filter((d) => d.outcome !== 'accepted').length,
    atFake,
    ...(await repo.remoteSigning()),
  };
}
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const sampleOf = (count: number, examples: string[]): Sample => ({ count, examples: examples.slice(0, 10) });

export async function auditReplay(input: AuditInput): Promise<Audit> {
  const { db, deliveries, params, run } = input;
  const repo = new ReplayAuditRepository(db);
  const end = run.virtualEnd;
  const leftToLeader = await repo.leftToLeader(end);
  const [received, late, never, unhandled, escalations, apologisedTwice, duplicates, registers, tally, stuck, noFallback, noNotice, callList, sent, issued] = [
    await repo.receivedByDay(),
    await repo.lateByDay(end),
    await repo.neverApologised(end),
    await repo.unhandledSecondSlips(end),
    await repo.escalations(),
    await repo.apologisedTwice(),
    await repo.duplicateApologies(),
    await repo.letterRegisters(),
    await repo.noticeTally(),
    await repo.stuckSending(),
    await repo.failedWithoutFallback(),
    await repo.issuedWithoutNotice(),
    await repo.callListByDay(),
    await repo.sentNotices(),
    await repo.issuedApologies(),
  ];

  const lateBy = (c: string): number => sum(late.filter((l) => l.category === c).map((l) => l.n));
  const before = lateBy('before');
  const after = lateBy('after');

  const letterRegisters: LetterRegister[] = registers.map((r) => {
    const taken = new Set([...r.used, ...r.reserved, ...r.voided]);
    const gaps: number[] = [];
    for (let seq = 1; seq <= r.lastSeq; seq++) if (!taken.has(seq)) gaps.push(seq);
    return { agencyCode: r.agencyCode, year: r.year, lastSeq: r.lastSeq, issued: r.used.length, reserved: r.reserved.length, voided: r.voided.length, gaps };
  });

  // Matching the fakes' log with our notices.
  const faked = new Set<string>(run.fakedProviders ?? deliveries.map((d) => d.provider));
  const interrupted = await repo.interruptedNotices([...new Set(duplicateKeys(deliveries, new Set()).flatMap((d) => (d.noticeId === null ? [] : [d.noticeId])))]);
  const dupes = duplicateKeys(deliveries, interrupted);
  const accepted = firstAcceptance(deliveries);
  const tallies = new Map(tallyDeliveries(deliveries).map((t) => [t.provider, t]));
  const checks: ProviderCheck[] = PROVIDER_CHANNELS.map((channel) => {
    const ours = sent.filter((n) => n.channel === channel);
    const atFake = accepted.get(channel) ?? new Map<number, number>();
    const checked = faked.has(channel);
    const missing = checked ? ours.filter((n) => !atFake.has(n.id)).map((n) => String(n.id)) : [];
    const ourIds = new Set(ours.map((n) => n.id));
    return {
      ...(tallies.get(channel) ?? { provider: channel, accepted: 0, errors: 0, timeouts: 0, refused: 0, segments: 0, distinctKeys: 0, withoutKey: 0 }),
      noticesSent: ours.length,
      duplicates: dupes.filter((d) => d.provider === channel),
      sentWithoutDelivery: sampleOf(missing.length, missing),
      acceptedNotRecorded: [...atFake.keys()].filter((id) => !ourIds.has(id)).length,
      checked,
    };
  });
  const sentWithoutDelivery = sampleOf(sum(checks.map((c) => c.sentWithoutDelivery.count)), checks.flatMap((c) => c.sentWithoutDelivery.examples));

  // Latencies: virtual from the rows; real through the driver's clock marks and the fakes' log.
  const real = realTimeOf(run.clockMarks ?? []);
  const gap = (a: number | null, b: number | null): number[] => (a === null || b === null ? [] : [b - a]);
  const lateOnes = issued.filter((a) => a.late);
  const firstReal = new Map<number, number>();
  for (const n of sent) {
    const at = n.apologyId === null ? undefined : accepted.get(n.channel)?.get(n.id);
    if (at !== undefined && n.apologyId !== null) firstReal.set(n.apologyId, Math.min(at, firstReal.get(n.apologyId) ?? Infinity));
  }
  const latencies: Latency[] = [
    { measure: 'slipToApology', clock: 'virtual', ...spread(lateOnes.map((a) => a.issuedAt - a.dueBefore)) },
    { measure: 'slipToApology', clock: 'real', ...spread(lateOnes.flatMap((a) => gap(real(a.dueBefore), real(a.issuedAt)))) },
    { measure: 'draftToIssue', clock: 'virtual', ...spread(issued.map((a) => a.issuedAt - a.draftedAt)) },
    { measure: 'draftToIssue', clock: 'real', ...spread(issued.flatMap((a) => gap(real(a.draftedAt), real(a.issuedAt)))) },
    { measure: 'apologyToCitizen', clock: 'virtual', ...spread(issued.flatMap((a) => gap(a.issuedAt, a.reachedAt))) },
    { measure: 'apologyToCitizen', clock: 'real', ...spread(issued.flatMap((a) => gap(real(a.issuedAt), firstReal.get(a.id) ?? null))) },
  ];

  const prices = params.prices;
  const costs: CostRow[] = PROVIDER_CHANNELS.map((channel) => {
    const rows = tally.filter((t) => t.channel === channel && ['sent', 'delivered'].includes(t.status));
    const check = checks.find((c) => c.provider === channel) as ProviderCheck;
    const messages = sum(rows.map((r) => r.n));
    const smsSegments = sum(rows.map((r) => r.smsSegments));
    const unitPrice = channel === 'zalo' ? prices.zaloMessage : channel === 'sms' ? prices.smsSegment : prices.email;
    const units = check.checked ? (channel === 'sms' ? check.segments : check.accepted) : channel === 'sms' ? smsSegments : messages;
    return { channel, messages, acceptedAtFake: check.checked ? check.accepted : null, smsSegments, unitPrice, cost: units * unitPrice };
  });

  // Month by month over the simulated period.
  const startDay = localDayOf(new Date(run.virtualStart));
  const endDay = localDayOf(new Date(Math.max(run.virtualStart, run.virtualEnd - 1)));
  const months = new Map<string, MonthRow>(
    monthsBetween(startDay, endDay).map((m) => [m, { month: m, received: 0, late: 0, apologisedBefore: 0, apologisedAfter: 0, never: 0, callListAdded: 0, callListLeft: 0 }]),
  );
  const row = (day: number): MonthRow | undefined => months.get(monthOfDay(day));
  for (const r of received) {
    const m = row(r.day);
    if (m) m.received += r.n;
  }
  for (const l of late) {
    const m = row(l.slipDay);
    if (m) {
      m.late += l.n;
      if (l.category === 'never') m.never += l.n;
    }
    const a = l.apologyDay === null ? undefined : row(l.apologyDay);
    if (a && l.category === 'before') a.apologisedBefore += l.n;
    if (a && l.category === 'after') a.apologisedAfter += l.n;
  }
  for (const c of callList) {
    const m = row(c.day);
    if (m) {
      m.callListAdded += c.added;
      m.callListLeft += c.open;
    }
  }

  const periodReport = await simulatedPeriod(db, startDay, endDay, run.virtualEnd);
  const totalReceived = sum(received.map((r) => r.n));
  const totalLate = sum(late.map((l) => l.n));
  const online = sum(received.filter((r) => r.channel === 'online').map((r) => r.n));
  const onlineLate = sum(late.filter((l) => l.channel === 'online').map((l) => l.n));
  const simulated: RunMeasures = {
    receivedPerYear: Math.round((totalReceived * 365) / Math.max(1, params.days)),
    receivedPerQuarter: Math.round((totalReceived * 365) / 4 / Math.max(1, params.days)),
    lateShare: totalReceived ? totalLate / totalReceived : null,
    onlineLateShare: online ? onlineLate / online : null,
    onTimeRate: periodReport.total.onTimeRate,
    beforeDeadlineShare: before + after ? before / (before + after) : null,
  };
  const calibrationRows = await calibrate(db, params.calibration.figures, simulated, { startDay, endDay, atMs: run.virtualEnd });

  const lostCount = stuck.count + noFallback.count + noNotice.count + sentWithoutDelivery.count;
  const remoteSigning = input.signingRequests ? await remoteSigningAudit(repo, deliveries, input.signingRequests) : null;
  return {
    generatedAtRealMs: Date.now(),
    database: run.database ?? (isPostgres(db) ? 'postgresql' : 'sqlite'),
    run,
    virtual: { start: dayToIso(startDay), end: dayToIso(endDay), days: endDay - startDay + 1 },
    dossiers: { received: totalReceived, late: totalLate, apologisedBefore: before, apologisedAfter: after, escalatedOnly: lateBy('escalated'), never, beforeShare: simulated.beforeDeadlineShare, leftToLeader },
    secondSlips: { escalations, apologisedTwice, unhandled },
    duplicateApologies: duplicates,
    letterNumbers: {
      registers: letterRegisters,
      gaps: sum(letterRegisters.map((r) => r.gaps.length)),
      examples: letterRegisters.flatMap((r) => r.gaps.map((g) => `${r.agencyCode} ${r.year} số ${g}`)).slice(0, 10),
    },
    letters: { issued: issued.length, signed: issued.filter((a) => a.signed).length, unsigned: issued.filter((a) => !a.signed).length },
    remoteSigning,
    zaloReceipts: input.zaloReceipts ? { ...input.zaloReceipts, noticesDelivered: sum(tally.filter((t) => t.channel === 'zalo' && t.status === 'delivered').map((t) => t.n)) } : null,
    smsReports: input.smsReports ? { ...input.smsReports, noticesDelivered: sum(tally.filter((t) => t.channel === 'sms' && t.status === 'delivered').map((t) => t.n)) } : null,
    notices: {
      byState: tally,
      total: sum(tally.map((t) => t.n)),
      callListLeft: sum(callList.map((c) => c.open)),
      lost: { count: lostCount, stuckSending: stuck, failedWithoutFallback: noFallback, issuedWithoutNotice: noNotice, sentWithoutDelivery },
    },
    deliveries: checks,
    latencies,
    costs: { rows: costs, total: sum(costs.map((c) => c.cost)), currency: prices.currency },
    months: [...months.values()],
    periodReport,
    calibration: {
      source: params.calibration.source,
      rows: calibrationRows,
    },
  };
}

/** The period report (the one supervisors read) over the simulated days, taken at the run's end. */
async function simulatedPeriod(db: Db, fromDay: number, toDay: number, atMs: number): Promise<Audit['periodReport']> {
  const service = new ReportService({ reports: new ReportRepository(db), agencies: new AgencyRepository(db), procedures: new ProcedureRepository(db), clock: new FixedClock(new Date(atMs)) });
  const report = await service.period({ period: rangePeriod(fromDay, toDay, dayToIso(fromDay), dayToIso(toDay)), groupBy: 'agency', asOf: new Date(atMs) }, SYSTEM_ACTOR);
  return { title: report.title, total: report.total, rows: report.rows };
}

/**
 * Each published figure beside its simulated counterpart (calibration.ts says which), then the
 * run's own measures no published figure named. A quarter is compared only when the run covers it.
 */
async function calibrate(db: Db, figures: Record<string, number>, run: RunMeasures, span: { startDay: number; endDay: number; atMs: number }): Promise<CalibrationRow[]> {
  const year = dayToYmd(span.startDay).year;
  const quarters = new Map<number, PeriodFigures | null>();
  const quarter = async (q: number): Promise<PeriodFigures | null> => {
    if (!quarters.has(q)) {
      const period = parsePeriod(`${year}-Q${q}`);
      const covered = period !== null && period.from >= span.startDay && period.to <= span.endDay;
      quarters.set(q, covered ? (await simulatedPeriod(db, period.from, period.to, span.atMs)).total : null);
    }
    return quarters.get(q) ?? null;
  };
  const rows: CalibrationRow[] = [];
  const named = new Set<string>();
  for (const [key, published] of Object.entries(figures)) {
    const m = matchCalibration(key);
    if (m?.kind === 'run') named.add(m.measure);
    const simulated = m === null ? null : m.kind === 'run' ? run[m.measure] : ((await quarter(m.quarter))?.[m.measure] ?? null);
    const simulatedAs =
      m === null ? '' : m.kind === 'run' ? RUN_MEASURE_LABELS[m.measure] : `Quý ${['I', 'II', 'III', 'IV'][m.quarter - 1]} năm ${year} mô phỏng: ${QUARTER_MEASURE_LABELS[m.measure]}`;
    rows.push({ key, published, simulated, simulatedAs, rate: isRate(m, key) });
  }
  for (const measure of Object.keys(run) as (keyof RunMeasures)[]) {
    if (!named.has(measure)) rows.push({ key: measure, published: null, simulated: run[measure], simulatedAs: RUN_MEASURE_LABELS[measure], rate: isRate({ kind: 'run', measure }, measure) });
  }
  return rows;
}

const codes = (s: Sample): string => (s.examples.length ? ` (${s.examples.join(', ')}${s.count > s.examples.length ? ', …' : ''})` : '');

/**
 * The hard promises, each broken one as a sentence a newcomer understands, in Vietnamese then
 * English. Empty: every promise kept.
 */
export function brokenPromises(a: Audit): string[] {
  const out: string[] = [];
  if (a.duplicateApologies.count) {
    out.push(
      `Thư xin lỗi trùng: ${a.duplicateApologies.count} lần một hồ sơ được phát hành hai thư trở lên cho cùng một hạn${codes(a.duplicateApologies)}. ` +
        `/ Duplicate apologies: ${a.duplicateApologies.count} time(s) a dossier was issued two or more letters for the same deadline.`,
    );
  }
  if (a.letterNumbers.gaps) {
    out.push(
      `Sổ văn bản bị hở số: ${a.letterNumbers.gaps} số đã lấy nhưng không có thư nào mang${codes({ count: a.letterNumbers.gaps, examples: a.letterNumbers.examples })}. ` +
        `/ Letter-number gaps: ${a.letterNumbers.gaps} number(s) were taken from an agency's register but no letter carries them.`,
    );
  }
  const lost = a.notices.lost;
  const lostParts: [Sample, string, string][] = [
    [lost.stuckSending, 'kẹt ở trạng thái đang gửi sau khi đã xả hàng đợi', 'stuck in "sending" after the drain'],
    [lost.failedWithoutFallback, 'thất bại hẳn mà không chuyển sang kênh tiếp theo hay danh sách gọi điện', 'failed for good with no next channel nor call list entry'],
    [lost.issuedWithoutNotice, 'thư đã phát hành nhưng người dân không có thông báo nào', 'issued letters whose citizen has no notice at all'],
    [lost.sentWithoutDelivery, 'ghi là đã gửi nhưng nhà cung cấp (giả lập) chưa từng nhận', 'recorded as sent but never received by the provider (fake)'],
  ];
  for (const [s, vi, en] of lostParts) {
    if (s.count) out.push(`Mất thông báo: ${s.count} thông báo ${vi}${codes(s)}. / Lost notices: ${s.count} ${en}.`);
  }
  if (a.dossiers.never.count) {
    out.push(
      `Hồ sơ trễ chưa được xin lỗi: ${a.dossiers.never.count} hồ sơ trễ hạn mà đến cuối đợt chạy vẫn chưa có thư xin lỗi nào được phát hành${codes(a.dossiers.never)}. ` +
        `/ Late dossiers never apologised: ${a.dossiers.never.count} late dossier(s) had no issued apology at the end of the run.`,
    );
  }
  if (a.secondSlips.unhandled.count) {
    out.push(
      `Trễ lần hai bị bỏ sót: ${a.secondSlips.unhandled.count} hồ sơ trễ cả ngày hẹn lại mà không được xin lỗi lại hay báo cáo cấp trên${codes(a.secondSlips.unhandled)}. ` +
        `/ Unhandled second slips: ${a.secondSlips.unhandled.count} dossier(s) missed their new deadline with neither a new apology nor an escalation.`,
    );
  }
  for (const c of a.deliveries) {
    const unexplained = c.duplicates.filter((d) => !d.explained);
    if (unexplained.length) {
      const keys = unexplained.slice(0, 10).map((d) => d.key).join(', ');
      out.push(
        `Gửi trùng không có lý do: nhà cung cấp ${c.provider} nhận ${unexplained.length} tin hai lần trở lên mà không có lần gửi nào bị ngắt (tiến trình bị tắt hay quá thời gian chờ) (${keys}). ` +
          `/ Unexplained duplicate deliveries: ${c.provider} accepted ${unexplained.length} message(s) more than once with no interrupted attempt (kill or timeout) to explain it.`,
      );
    }
  }
  return out;
}
