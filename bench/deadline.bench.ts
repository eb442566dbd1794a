/**
 * Due-date throughput: WorkingCalendar + computeDue against a straightforward day-by-day
 * reference (a Set of days off and a Set of working Saturdays), over the same random inputs —
 * acceptance instants anywhere in 2025–2026 (Vietnam time), 1–30 working days.
 *
 * The reference is built from the engine's own nonStandardDays, so the agreement check tests
 * the counting, and the comparison is between two ways of counting over the same calendar.
 * Run directly: node --import tsx bench/deadline.bench.ts
 */
import { WorkingCalendar } from '../src/domain/calendar';
import { computeDue, type ProcessingTime } from '../src/domain/deadline';
import { NATIONAL_DECISIONS } from '../src/domain/national-calendar';
import { DAY_MS, dayStartMs, isoToDay, MINUTE_MS, VN_OFFSET_MINUTES, weekdayOf, ymdToDay } from '../src/domain/time';

const N = 3_000_000;
const SAMPLE = 200_000;

/** Deterministic inputs, so two runs measure the same work. */
function makeInputs(n: number): { at: Float64Array; amount: Uint8Array } {
  const from = dayStartMs(ymdToDay(2025, 1, 1));
  const span = dayStartMs(ymdToDay(2027, 1, 1)) - from;
  const at = new Float64Array(n);
  const amount = new Uint8Array(n);
  let seed = 0x9e3779b9;
  const next = (): number => {
    // xorshift32: fast and good enough to spread instants and counts.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  for (let i = 0; i < n; i++) {
    at[i] = from + Math.floor(next() * span);
    amount[i] = 1 + Math.floor(next() * 30);
  }
  return { at, amount };
}

/** The obvious implementation: walk day by day. */
function makeReference(cal: WorkingCalendar): (atMs: number, days: number) => number {
  const off = new Set<number>();
  const workingSaturdays = new Set<number>();
  for (const year of [2025, 2026, 2027]) {
    for (const d of cal.nonStandardDays(year)) {
      (d.kind === 'off' ? off : workingSaturdays).add(isoToDay(d.date));
    }
  }
  const offsetMs = VN_OFFSET_MINUTES * MINUTE_MS;
  return (atMs, days) => {
    let day = Math.floor((atMs + offsetMs) / DAY_MS);
    for (let left = days; left > 0; ) {
      day++;
      const w = weekdayOf(day);
      const working = (w >= 1 && w <= 5 && !off.has(day)) || workingSaturdays.has(day);
      if (working) left--;
    }
    return day * DAY_MS - offsetMs + 17 * 60 * MINUTE_MS;
  };
}

function perSecond(n: number, ms: number): number {
  return Math.round((n / ms) * 1000);
}

export async function benchDeadline(): Promise<Record<string, number | string>> {
  const cal = new WorkingCalendar({ entries: NATIONAL_DECISIONS });
  const { at, amount } = makeInputs(N);
  const times: ProcessingTime[] = Array.from({ length: 31 }, (_, i) => ({ unit: 'days', amount: i }));
  const reference = makeReference(cal);

  // Agreement first: a fast wrong answer is worth nothing.
  for (let i = 0; i < SAMPLE; i++) {
    const engine = computeDue(cal, new Date(at[i]), times[amount[i]]).getTime();
    const ref = reference(at[i], amount[i]);
    if (engine !== ref) {
      throw new Error(`engine and reference disagree for ${new Date(at[i]).toISOString()} + ${amount[i]} days: ${new Date(engine).toISOString()} vs ${new Date(ref).toISOString()}`);
    }
  }

  // Warm both paths (JIT) before timing.
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += computeDue(cal, new Date(at[i]), times[amount[i]]).getTime() + reference(at[i], amount[i]);

  let t0 = performance.now();
  for (let i = 0; i < N; i++) sink += computeDue(cal, new Date(at[i]), times[amount[i]]).getTime();
  const engineMs = performance.now() - t0;

  t0 = performance.now();
  for (let i = 0; i < N; i++) sink += reference(at[i], amount[i]);
  const referenceMs = performance.now() - t0;

  const engine = perSecond(N, engineMs);
  const ref = perSecond(N, referenceMs);
  return {
    inputs: N,
    verified_sample: SAMPLE,
    engine_per_s: engine,
    reference_per_s: ref,
    ratio: Math.round((engine / ref) * 100) / 100,
    checksum: sink % 1000,
  };
}

if (require.main === module) {
  benchDeadline().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
