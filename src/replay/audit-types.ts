/**
 * What the audit is handed besides the database (REPLAY.md §3–§5). The fakes' delivery log and
 * the run's facts are recorded outside the service, so the audit can check the service against
 * them instead of against its own counters.
 */

import type { FakeDelivery } from './fakes/fault';
import type { ReplayParams } from './params';

export type { FakeDelivery } from './fakes/fault';

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
  /** PostgreSQL only: the server ran without autovacuum, so the run's timings are slower than with it (docs/operations.md). */
  autovacuumOff?: boolean;
}

/** The parameters the audit reads: the report shows the whole object it is given. */
export type AuditParams = Pick<ReplayParams, 'seed' | 'start' | 'days' | 'prices' | 'calibration'>;
