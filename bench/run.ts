/**
 * `npm run bench`: every benchmark, a readable table of figures with their targets, and the
 * results as JSON in bench/results.json (with the date, Node version and CPU model, since
 * timings only mean something next to the machine that produced them).
 *
 * Environment: BENCH_ROWS (dossiers for the registry and watcher benches, default 1,000,000),
 * BENCH_SLIPPED (dossiers that slipped for the watcher bench, default 1,000), BENCH_PG_URL (also
 * run the registry and watcher benches on that PostgreSQL database — it is wiped).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDeadline } from './deadline.bench';
import { benchRegistry } from './registry.bench';
import { benchWatcher } from './watcher.bench';

type Figures = Record<string, number | string>;

interface Target {
  op: '<=' | '>=' | '==';
  value: number | string;
  unit?: string;
  why: string;
}

/** Targets by section and figure; a `pg_` figure has the same target as its SQLite twin. */
const TARGETS: Record<string, Record<string, Target>> = {
  deadline: {
    engine_per_s: { op: '>=', value: 1_000_000, unit: '/s', why: 'due-date computations per second on one core' },
    ratio: { op: '>=', value: 1, unit: '×', why: 'the calendar engine must beat counting day by day' },
  },
  registry: {
    recompute_s: { op: '<=', value: 30, unit: 's', why: 'recompute 1,000,000 open dossiers after a calendar change' },
    recompute_check: { op: '==', value: 'ok', why: 'moved exactly the dossiers the new day off affects' },
    sweeper_median_ms: { op: '<=', value: 50, unit: 'ms', why: 'sweeper query over 1,000,000 dossiers, 10,000 rows' },
  },
  watcher: {
    tick_s: { op: '<=', value: 60, unit: 's', why: 'one tick over 1,000,000 dossiers: 1,000 slipped → 1,000 apologies issued with PDFs and notices' },
    check: { op: '==', value: 'ok', why: 'every slipped dossier apologised once: gapless letter numbers, PDFs, notices; a second tick does nothing' },
  },
};

interface Verdict {
  section: string;
  figure: string;
  value: number | string;
  target: string;
  met: boolean | null;
}

function targetOf(section: string, figure: string): Target | undefined {
  const table = TARGETS[section] ?? {};
  return table[figure] ?? (figure.startsWith('pg_') ? table[figure.slice(3)] : undefined);
}

function meets(value: number | string, t: Target): boolean {
  if (t.op === '==') return value === t.value;
  if (typeof value !== 'number' || typeof t.value !== 'number') return false;
  return t.op === '<=' ? value <= t.value : value >= t.value;
}

function formatValue(v: number | string): string {
  return typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : v;
}

function verdicts(section: string, figures: Figures): Verdict[] {
  return Object.entries(figures).map(([figure, value]) => {
    const t = targetOf(section, figure);
    return {
      section,
      figure,
      value,
      target: t ? `${t.op} ${formatValue(t.value)}${t.unit ? ` ${t.unit}` : ''}` : '',
      met: t ? meets(value, t) : null,
    };
  });
}

function table(rows: Verdict[]): string {
  const head = ['bench', 'figure', 'value', 'target', ''];
  const cells = rows.map((r) => [r.section, r.figure, formatValue(r.value), r.target, r.met === null ? '' : r.met ? '✔ meets' : '✘ MISSES']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => [...c[i]].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 2 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  process.stderr.write('deadline: computeDue throughput…\n');
  const deadline = await benchDeadline();
  process.stderr.write('registry: 1,000,000 dossiers (BENCH_ROWS to change)…\n');
  const registry = await benchRegistry();
  process.stderr.write('watcher: one tick over 1,000,000 dossiers, 1,000 slipped (BENCH_ROWS, BENCH_SLIPPED to change)…\n');
  const watcher = await benchWatcher();

  const rows = [...verdicts('deadline', deadline), ...verdicts('registry', registry), ...verdicts('watcher', watcher)];
  process.stdout.write(`\n${table(rows)}\n`);
  const missed = rows.filter((r) => r.met === false);
  process.stdout.write(missed.length ? `\n${missed.length} target(s) missed: ${missed.map((m) => m.figure).join(', ')}\n` : '\nAll targets met.\n');

  const cpus = os.cpus();
  const results = {
    date: started.toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    benches: { deadline, registry, watcher },
    targets: rows.filter((r) => r.met !== null).map(({ section, figure, value, target, met }) => ({ section, figure, value, target, met })),
  };
  const file = path.join(__dirname, 'results.json');
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`Results written to ${path.relative(process.cwd(), file)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
