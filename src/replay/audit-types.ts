/**
 * What the audit is handed besides the database (REPLAY.md §3–§5). The fakes' delivery log and
 * the run's facts are recorded outside the service, so the audit can check the service against
 * them instead of against its own counters.
 */

/**
 * One request as a provider's fake saw it (REPLAY.md §3). The same shape as the faults helper's
 * `FakeDelivery` (src/replay/fakes/fault.ts), kept here so the audit builds without it.
 */
export interface FakeDelivery {
  provider: 'zalo' | 'email' | 'sms' | 'signing';
  /** What ties it to our notice: Zalo's tracking_id, the e-mail's X-Henlai-Notice (else its Message-ID), eSMS's RequestId; null when the request carried none. */
  key: string | null;
  recipient: string;
  /** Real epoch ms when the fake took or refused it. */
  realAt: number;
  /** timeout: the client hung up before the fake answered and nothing was sent. */
  outcome: 'accepted' | 'error' | 'timeout' | 'refused';
  /** SMS only: segments billed. */
  segments?: number;
  /** Accepted, but the client had hung up before the answer came: it cannot know it was taken. */
  answerLost?: boolean;
}

export type ProcessRole = 'server' | 'dispatcher' | 'tick' | 'replay' | string;

/** A virtual instant and the real instant the driver set it at: the two clocks side by side. */
export interface ClockMark {
  virtualMs: number;
  realMs: number;
}

/** What happened during the run, recorded by the driver and the supervisor. */
export interface RunFacts {
  startedRealMs: number;
  endedRealMs: number;
  /** First and last virtual instants of the run (epoch ms). */
  virtualStart: number;
  virtualEnd: number;
  kills: { role: ProcessRole; pid: number; realAt: number }[];
  dbOutages: { realAt: number; forMs: number }[];
  processes: { role: ProcessRole; cpuMs: number; maxRssMb: number }[];
  /** Samples of the virtual clock against real time, for latencies in real time (none: virtual only). */
  clockMarks?: ClockMark[];
  /** Providers whose fake logged the run; left out: those that appear in the delivery log. */
  fakedProviders?: FakeDelivery['provider'][];
  /** 'sqlite' or 'postgresql', as the report names it. */
  database?: string;
}

/**
 * The parameters the audit reads: a narrow view of the province helper's ReplayParams (which
 * fits it), so the audit does not wait for, nor break with, the rest of that type.
 */
export interface AuditParams {
  seed: number;
  start: string;
  days: number;
  prices: { zaloMessage: number; smsSegment: number; email: number; currency: string };
  calibration: { source: string; figures: Record<string, number> };
}
