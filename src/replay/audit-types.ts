/**
 * What the audit is handed besides the database (REPLAY.md §3–§5). The fakes' delivery log and
 * the run's facts are recorded outside the service, so the audit can check the service against
 * them instead of against its own counters.
 */

/** One message as a provider's fake saw it (the fakes keep the log, see REPLAY.md §3). */
export interface FakeDelivery {
  provider: 'zalo' | 'email' | 'sms' | 'signing';
  /** What ties it to our notice: Zalo's tracking id, the e-mail's Message-ID, eSMS's RequestId. */
  key: string;
  recipient: string;
  /** Real epoch ms when the fake answered. */
  realAt: number;
  outcome: 'accepted' | 'error' | 'timeout' | 'refused';
  segments?: number;
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
