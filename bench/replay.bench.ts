/**
 * The province-year: `henlai replay` with the default parameters (700,000 dossiers over 365
 * days, the default fault schedule) on SQLite with one process (and a dispatcher process, which
 * the kill schedule needs), and on PostgreSQL with the parameters' servers and dispatchers as
 * processes when BENCH_PG_URL is set (that database's schema is RECREATED).
 *
 * A whole year takes long on a shared 2-core machine: BENCH_REPLAY_DAYS runs the first days of
 * it at the year's rate (yearlyVolume stays 700,000, so the run receives 700,000 × days / 365).
 * The figure to compare with the 30-minute target is then EXTRAPOLATED linearly from the
 * dossiers per second of the part run, and reported as `year_minutes_extrapolated` beside the
 * `days` it was measured on — never as a measured year. The promises (0 duplicate apologies,
 * 0 lost notices, every late dossier apologised) are those of the days run.
 *
 *   node --import tsx bench/replay.bench.ts                       # the whole year (≈ 30 min or more)
 *   BENCH_REPLAY_DAYS=18 node --import tsx bench/replay.bench.ts  # 1/20 of it, extrapolated
 *   BENCH_REPLAY_SQLITE=0 BENCH_PG_URL=… node --import tsx bench/replay.bench.ts  # PostgreSQL alone
 *   BENCH_REPLAY_START=2026-03-01 BENCH_REPLAY_DAYS=20 …  # a window later in the year (A/B comparisons)
 *
 * With BENCH_REPLAY_START the run begins on that day with an empty database, at that season's
 * rate: a window to compare two versions on, not a part of the year to extrapolate from exactly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runReplay, type ReplayOutcome } from '../src/replay/run';
import { interruptOnSignals, ReplayInterrupted } from '../src/replay/interrupt';

type Figures = Record<string, number | string>;

function figuresOf(o: ReplayOutcome, days: number): Figures {
  const a = o.audit;
  const seconds = o.realMs / 1000;
  const perSecond = o.progress.received / seconds;
  const cpu = (role: string) => a.run.processes.filter((p) => p.role === role).reduce((sum, p) => sum + p.cpuMs, 0);
  const rss = Math.max(0, ...a.run.processes.map((p) => p.maxRssMb));
  const f: Figures = {
    days,
    dossiers: o.progress.received,
    real_s: Math.round(seconds),
    dossiers_per_s: Math.round(perSecond),
    late: a.dossiers.late,
    apologised_before_deadline: a.dossiers.apologisedBefore,
    apologised_after: a.dossiers.apologisedAfter,
    before_share: a.dossiers.beforeShare === null ? 'n/a' : Number(a.dossiers.beforeShare.toFixed(3)),
    never_apologised: a.dossiers.never.count,
    duplicate_apologies: a.duplicateApologies.count,
    letter_number_gaps: a.letterNumbers.gaps,
    notices: a.notices.total,
    notices_lost: a.notices.lost.count,
    call_list_left: a.notices.callListLeft,
    kills: o.faults.kills,
    provider_errors: o.faults.providerErrors,
    failed_attempts: o.faults.failedAttempts,
    db_outages: o.faults.dbOutages,
    cpu_replay_s: Math.round(cpu('replay') / 1000),
    cpu_servers_s: Math.round(cpu('server') / 1000),
    cpu_dispatchers_s: Math.round(cpu('dispatcher') / 1000),
    max_rss_mb: rss,
    broken_promises: o.broken.length,
  };
  if (days < 365) f.year_minutes_extrapolated = Math.round(700_000 / perSecond / 60);
  else f.year_minutes = Math.round(seconds / 60);
  return f;
}

export async function benchReplay(): Promise<Figures> {
  const days = Number(process.env.BENCH_REPLAY_DAYS) || 365;
  const overrides = process.env.BENCH_REPLAY_START ? { start: process.env.BENCH_REPLAY_START } : {};
  const out: Figures = {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-bench-'));
  const print = (l: string) => process.stderr.write(`${l}\n`);
  // Ctrl-C stops the run's children and ends the benchmark without figures (as `henlai replay`).
  const stop = interruptOnSignals(print);
  try {
    if (process.env.BENCH_REPLAY_SQLITE !== '0') {
      const sqlite = await runReplay({ out: path.join(dir, 'sqlite'), days, overrides, print, signal: stop.signal });
      Object.assign(out, figuresOf(sqlite, days));
    }
    const pgUrl = process.env.BENCH_PG_URL;
    if (pgUrl) {
      const pg = await runReplay({ out: path.join(dir, 'pg'), days, overrides, databaseUrl: pgUrl, print, signal: stop.signal });
      for (const [k, v] of Object.entries(figuresOf(pg, days))) out[`pg_${k}`] = v;
    }
  } finally {
    stop.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (require.main === module) {
  benchReplay().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e instanceof ReplayInterrupted ? e.message : e);
      process.exitCode = e instanceof ReplayInterrupted ? e.exitCode : 1;
    },
  );
}
