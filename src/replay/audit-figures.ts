/**
 * The audit's arithmetic, pure: percentiles, months, matching what the fakes received with the
 * notices we recorded, and turning virtual instants into real ones. The SQL is in
 * db/replay-audit.ts; auditReplay (audit.ts) joins the two.
 */
import { dayToYmd } from '../domain/time';
import type { FakeDelivery, ClockMark } from './audit-types';

export interface Spread {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** Nearest-rank percentiles: each figure is one of the measured values, never an interpolation. */
export function spread(values: number[]): Spread {
  if (!values.length) return { count: 0, p50Ms: null, p99Ms: null, maxMs: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  return { count: sorted.length, p50Ms: rank(50), p99Ms: rank(99), maxMs: sorted[sorted.length - 1] };
}

/** 'YYYY-MM' of a Vietnam-local day number. */
export function monthOfDay(day: number): string {
  const { year, month } = dayToYmd(day);
  return `${year}-${String(month).padStart(2, '0')}`;
}

/** Every month from the one holding `fromDay` to the one holding `toDay`, so that a quiet month still has its row. */
export function monthsBetween(fromDay: number, toDay: number): string[] {
  const months: string[] = [];
  let { year, month } = dayToYmd(fromDay);
  const last = monthOfDay(toDay);
  for (;;) {
    const m = `${year}-${String(month).padStart(2, '0')}`;
    months.push(m);
    if (m >= last) return months;
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
}

/**
 * Our notice id in what a provider received: Zalo's tracking_id, the e-mail's X-Henlai-Notice
 * and eSMS's RequestId are the id itself, an e-mail's Message-ID is `<henlai-notice-<id>-…@…>`
 * (channels/email/message.ts).
 */
export function noticeIdOfKey(key: string | null): number | null {
  if (key === null) return null;
  if (/^\d+$/.test(key)) return Number(key);
  const m = /henlai-notice-(\d+)-/.exec(key);
  return m ? Number(m[1]) : null;
}

export interface DuplicateKey {
  provider: string;
  key: string;
  noticeId: number | null;
  times: number;
  /** A try of this notice was cut short (a kill, a timeout, an answer lost on the way): sending again was the right call. */
  explained: boolean;
}

export interface ProviderTally {
  provider: string;
  accepted: number;
  errors: number;
  timeouts: number;
  refused: number;
  /** SMS segments the provider accepted (1 per message when the fake does not say). */
  segments: number;
  distinctKeys: number;
  /** Accepted messages carrying nothing that ties them to a notice. */
  withoutKey: number;
}

/** What each provider's fake logged, by outcome. */
export function tallyDeliveries(deliveries: FakeDelivery[]): ProviderTally[] {
  const by = new Map<string, ProviderTally & { keys: Set<string> }>();
  for (const d of deliveries) {
    let t = by.get(d.provider);
    if (!t) by.set(d.provider, (t = { provider: d.provider, accepted: 0, errors: 0, timeouts: 0, refused: 0, segments: 0, distinctKeys: 0, withoutKey: 0, keys: new Set() }));
    if (d.outcome === 'accepted') {
      t.accepted++;
      t.segments += d.segments ?? 1;
      if (d.key === null) t.withoutKey++;
      else t.keys.add(d.key);
    } else if (d.outcome === 'error') t.errors++;
    else if (d.outcome === 'timeout') t.timeouts++;
    else t.refused++;
  }
  return [...by.values()].map(({ keys, ...t }) => ({ ...t, distinctKeys: keys.size })).sort((a, b) => a.provider.localeCompare(b.provider));
}

/**
 * Keys a provider accepted more than once. A duplicate is explained when we could not have known
 * the first was taken: the fake logged the answer as lost (we had hung up), or our tables show a
 * try of that notice cut short (a worker killed mid-send, a timeout). Any other duplicate is a
 * message sent twice for no reason.
 */
export function duplicateKeys(deliveries: FakeDelivery[], interrupted: Set<number>): DuplicateKey[] {
  const accepted = new Map<string, { times: number; answerLost: boolean }>();
  for (const d of deliveries) {
    if (d.outcome !== 'accepted' || d.key === null) continue;
    const k = `${d.provider}\u0000${d.key}`;
    const seen = accepted.get(k) ?? { times: 0, answerLost: false };
    accepted.set(k, { times: seen.times + 1, answerLost: seen.answerLost || d.answerLost === true });
  }
  const out: DuplicateKey[] = [];
  for (const [k, { times, answerLost }] of accepted) {
    if (times < 2) continue;
    const [provider, key] = k.split('\u0000');
    const noticeId = noticeIdOfKey(key);
    out.push({ provider, key, noticeId, times, explained: answerLost || (noticeId !== null && interrupted.has(noticeId)) });
  }
  return out.sort((a, b) => a.provider.localeCompare(b.provider) || a.key.localeCompare(b.key));
}

/** The notice ids the fakes accepted a message for, per provider, with the first real time. */
export function firstAcceptance(deliveries: FakeDelivery[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const d of deliveries) {
    if (d.outcome !== 'accepted') continue;
    const id = noticeIdOfKey(d.key);
    if (id === null) continue;
    let m = out.get(d.provider);
    if (!m) out.set(d.provider, (m = new Map()));
    const seen = m.get(id);
    if (seen === undefined || d.realAt < seen) m.set(id, d.realAt);
  }
  return out;
}

/**
 * The real instant a virtual one was reached, interpolated between the driver's marks (null
 * without marks, or outside them): virtual time runs at whatever speed the service allowed.
 */
export function realTimeOf(marks: ClockMark[]): (virtualMs: number) => number | null {
  const sorted = [...marks].sort((a, b) => a.virtualMs - b.virtualMs);
  return (v) => {
    if (!sorted.length || v < sorted[0].virtualMs || v > sorted[sorted.length - 1].virtualMs) return null;
    let lo = 0;
    let hi = sorted.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid].virtualMs <= v) lo = mid;
      else hi = mid;
    }
    const a = sorted[lo];
    const b = sorted[hi];
    if (b.virtualMs === a.virtualMs) return a.realMs;
    return a.realMs + ((v - a.virtualMs) / (b.virtualMs - a.virtualMs)) * (b.realMs - a.realMs);
  };
}
