/**
 * What the dispatcher does with a provider's answer. Pure: the caller passes the notice's
 * facts, the answer, the settings and `now`.
 */
import type { NoticeAudience, OutcomeStatus } from './notice-lifecycle';
import { instantAt, localDayOf, minuteOfDay } from './time';

export interface SendWindow {
  start: number;
  end: number;
}

/** Citizen messages go out only inside the window (Vietnam time): nobody's phone rings at night. */
export function inSendWindow(now: Date, w: SendWindow): boolean {
  const m = minuteOfDay(now);
  return m >= w.start && m < w.end;
}

/** The next instant at which the window opens (today's if still ahead, else tomorrow's). */
export function nextWindowStart(now: Date, w: SendWindow): number {
  const today = localDayOf(now);
  const open = instantAt(today, w.start).getTime();
  return open > now.getTime() ? open : instantAt(today + 1, w.start).getTime();
}

const BASE_MS = 30_000;
const CAP_MS = 3_600_000;

/** Exponential backoff with ±20 % jitter (so that a batch that failed together does not retry together). */
export function backoffMs(attempts: number, random: number): number {
  const plain = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(plain * (0.8 + 0.4 * random));
}

export type Channel = 'zalo' | 'email' | 'sms' | 'print' | 'onestop';

export interface Answer {
  outcome: 'sent' | 'delivered' | 'temporary-failure' | 'permanent-failure' | 'technical-failure';
  deferUntil?: number;
  fallback?: boolean;
  channelDown?: string;
}

export interface Decision {
  /** One of the notice lifecycle's outcomes ('created': the channel is down, the notice waits). */
  status: OutcomeStatus;
  notBefore?: number;
  /** Try the citizen on another channel. */
  fallback: boolean;
  /** Why the notice gave up, when it did because the retry window ran out. */
  gaveUp: boolean;
}

export function decide(
  answer: Answer,
  notice: { audience: NoticeAudience; firstAttemptAt: number; attempts: number },
  now: number,
  settings: { retryWindowMs: number; channelDownRetryMs: number },
  random: number,
): Decision {
  if (answer.channelDown) {
    // Not the citizen's fault nor a delivery failure: the notice waits, unchanged, for the channel.
    return { status: 'created', notBefore: now + settings.channelDownRetryMs, fallback: false, gaveUp: false };
  }
  switch (answer.outcome) {
    case 'sent':
    case 'delivered':
      return { status: answer.outcome, fallback: false, gaveUp: false };
    case 'permanent-failure':
      return { status: 'permanent-failure', fallback: notice.audience === 'citizen', gaveUp: false };
    case 'temporary-failure':
    case 'technical-failure': {
      if (answer.deferUntil !== undefined) return { status: answer.outcome, notBefore: answer.deferUntil, fallback: false, gaveUp: false };
      const next = now + backoffMs(notice.attempts, random);
      if (next - notice.firstAttemptAt > settings.retryWindowMs) {
        return { status: 'permanent-failure', fallback: notice.audience === 'citizen', gaveUp: true };
      }
      return { status: answer.outcome, notBefore: next, fallback: false, gaveUp: false };
    }
  }
}

/** A worker's lease as stored: its current unbroken stretch of renewals [healthySince, lastSeen]. */
export interface Lease {
  worker: string;
  healthySince: number;
  lastSeen: number;
  /** Set once the lease has ended (given up, or taken from a dead worker). */
  endedAt: number | null;
}

export interface DeadWorker {
  worker: string;
  /** The renewal it was judged by. */
  lastSeen: number;
  /** Judged by the others' unbroken renewals; false: only by the length of its silence. */
  watched: boolean;
}

/**
 * Which workers are dead, from the leases alone. A worker is dead when, for `leaseMs` of its
 * silence, the database was reachable without a break — shown by the other workers' stretches
 * of renewals, joined where one began within `maxGapMs` of another's last renewal (a worker
 * started after the silence began, or one since gone, counts as much as a long-lived one). Or,
 * as the last resort (`watched` false; for the caller to apply only when it is not itself just
 * back from an outage), when it has been silent for `sendingTimeoutMs`.
 *
 * A silence alone proves nothing: after an outage every worker has been silent, and the one
 * still holding outcomes to record renews within a heartbeat of the database's return.
 */
export function deadWorkers(
  leases: Lease[],
  now: number,
  observer: string,
  s: { leaseMs: number; sendingTimeoutMs: number; maxGapMs: number },
): DeadWorker[] {
  const dead: DeadWorker[] = [];
  for (const w of leases) {
    if (w.endedAt !== null || w.worker === observer) continue;
    const reachable = joinedStretches(leases.filter((x) => x.worker !== w.worker), s.maxGapMs);
    const watched = reachable.some(([from, to]) => to - Math.max(w.lastSeen, from) >= s.leaseMs);
    if (watched || now - w.lastSeen >= s.sendingTimeoutMs) dead.push({ worker: w.worker, lastSeen: w.lastSeen, watched });
  }
  return dead;
}

/** The stretches of renewals, joined where one begins within `maxGapMs` of the end of another. */
function joinedStretches(leases: Lease[], maxGapMs: number): Array<[number, number]> {
  const sorted = leases.map((l): [number, number] => [l.healthySince, l.lastSeen]).sort((a, b) => a[0] - b[0]);
  const joined: Array<[number, number]> = [];
  for (const [from, to] of sorted) {
    const last = joined[joined.length - 1];
    if (last && from <= last[1] + maxGapMs) last[1] = Math.max(last[1], to);
    else joined.push([from, to]);
  }
  return joined;
}
