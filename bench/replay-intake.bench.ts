/**
 * The replay's synthetic intake: generating the default province-year (700,000 dossiers with
 * applicants and fates) day by day, as the replay driver does. Reports CPU time (user + system,
 * steadier than wall time on a shared machine), dossiers per CPU second, and the heap after the
 * year against before it: the generator keeps only the caches of the model (calendars, year
 * totals), never past days.
 *
 * Run alone: `npx tsx bench/replay-intake.bench.ts` (BENCH_REPLAY_VOLUME to change the volume).
 */
import { loadReplayParams } from '../src/replay/params';
import { arrivalsForDay } from '../src/replay/province';

export function benchReplayIntake(): Record<string, number> {
  const volume = Number(process.env.BENCH_REPLAY_VOLUME ?? 700_000);
  const p = loadReplayParams(undefined, { yearlyVolume: volume });
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  let dossiers = 0;
  let busiestDay = 0;
  let slips = 0;
  for (let d = 0; d < p.days; d++) {
    const day = arrivalsForDay(p, d);
    dossiers += day.length;
    busiestDay = Math.max(busiestDay, day.length);
    for (const a of day) if (a.fate.slips) slips++;
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
  global.gc?.();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    dossiers,
    busiest_day: busiestDay,
    slip_share: Math.round((slips / dossiers) * 10_000) / 10_000,
    cpu_s: Math.round(cpuS * 100) / 100,
    wall_s: Math.round(wallMs / 10) / 100,
    per_cpu_s: Math.round(dossiers / cpuS),
    heap_growth_mb: Math.round(((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024) * 10) / 10,
  };
}

if (require.main === module) console.log(benchReplayIntake());
