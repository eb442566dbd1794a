/**
 * Seeded randomness for the replay. The generator is the demo's (mulberry32 behind `Rng`): the
 * same seed gives the same province on every platform. What the replay adds: independent streams
 * per (seed, day, purpose), so a day can be generated on its own — in any order, by any process —
 * and still be the day the seed describes; and the few distributions the intake and staff models
 * use.
 */
import { Rng } from '../demo/random';

export { Rng };

/** A 32-bit mix of the parts (murmur3's finaliser over a running hash): nearby inputs give unrelated seeds. */
export function seedOf(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    // Numbers beyond 32 bits (a seed like 20261225123) keep their high part too.
    h = Math.imul(h ^ Math.floor(part / 4294967296), 0x27d4eb2f);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** Streams of one day: each purpose draws from its own generator, so changing one model leaves the others' draws alone. */
export const STREAM = { intake: 1, applicant: 2, fate: 3, staff: 4 } as const;

export function streamRng(seed: number, dayIndex: number, stream: number): Rng {
  return new Rng(seedOf(seed, dayIndex, stream));
}

/** A standard normal draw (Box–Muller; one of the pair is dropped to keep the draw count per call fixed). */
export function normal(rng: Rng): number {
  const u = 1 - rng.float(); // (0, 1]: log(0) would be -Infinity
  const v = rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A Poisson count of mean `lambda`. Knuth's product method below 30; above, the normal
 * approximation with continuity correction, whose error at λ ≥ 30 is far below the day-to-day
 * noise the intake model adds on purpose, and which costs two draws instead of λ.
 */
export function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.float();
    while (p > limit) {
      k++;
      p *= rng.float();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)));
}

/** A positive delay with the given median and 90th percentile (log-normal): most are short, a few very long. */
export interface Spread {
  median: number;
  p90: number;
}

const Z90 = 1.2815515655446004;

export function logNormal(rng: Rng, s: Spread): number {
  if (s.median <= 0) return 0;
  const sigma = Math.log(Math.max(s.p90, s.median) / s.median) / Z90;
  return s.median * Math.exp(sigma * normal(rng));
}

/** Cumulative weights for `pickIndex`; weights need not sum to 1. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += Math.max(0, w)));
  return out;
}

/** The index drawn with probability weight/total (binary search over `cumulative`). */
export function pickIndex(rng: Rng, cum: Float64Array): number {
  const x = rng.float() * cum[cum.length - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
