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
import { benchDocuments } from './documents.bench';
import { benchZaloDispatch } from './dispatch.bench';
import { benchSmsDispatch } from './sms.bench';
import { benchEmail } from './email.bench';
import { benchSlipToNotice } from './slip-to-notice.bench';
import { benchWeb } from './web.bench';
import { benchReports } from './reports.bench';
import { benchImport } from './import.bench';
import { benchSigning } from './signing.bench';
import { benchLettersSigned } from './letters-signed.bench';
import { benchStartup } from './startup.bench';

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
  documents: {
    letters_html_per_s: { op: '>=', value: 5000, unit: '/s', why: 'letters rendered to HTML per second' },
    pdf_per_s: { op: '>=', value: 40, unit: '/s', why: 'letter PDFs per second with the browser warm' },
  },
  dispatch: {
    zalo_per_s: { op: '>=', value: 300, unit: '/s', why: '10,000 Zalo notices through the outbox, fake answering in 50 ms' },
    zalo_check: { op: '==', value: 'ok', why: 'every notice sent once' },
  },
  sms: {
    sms_per_s: { op: '>=', value: 300, unit: '/s', why: '10,000 SMS notices through the outbox, eSMS fake answering in 50 ms' },
    sms_check: { op: '==', value: 'ok', why: 'every notice sent once' },
  },
  slip: {
    p99_s: { op: '<=', value: 30, unit: 's', why: 'notice queued for a slipped dossier → sent, dispatchers SIGKILLed every 5 s, default settings, 99th percentile' },
    max_s: { op: '<=', value: 120, unit: 's', why: 'the same, the slowest notice' },
    check: { op: '==', value: 'ok', why: 'every notice sent; every duplicate explained by an interrupted attempt' },
  },
  email: {
    through_per_s: { op: '>=', value: 500, unit: '/s', why: '10,000 e-mails through the outbox to an SMTP sink in another process' },
    through_ratio: { op: '>=', value: 0.6, unit: '×', why: 'share of the bare nodemailer pool on the same sink' },
    check: { op: '==', value: 'ok', why: 'the sink received every message' },
  },
  reports: {
    quarter_by_agency_s: { op: '<=', value: 1, unit: 's', why: 'period report for a quarter over 1,000,000 dossiers, grouped by agency' },
    identities: { op: '==', value: 'ok', why: 'received = resolved + pending + paused + withdrawn + rejected on every row' },
  },
  import: {
    csv_s: { op: '<=', value: 120, unit: 's', why: 'import 1,000,000 CSV rows on SQLite' },
    check: { op: '==', value: 'ok', why: 'every good row created, every bad row rejected' },
  },
  web: {
    citizen_page_per_s: { op: '>=', value: 1500, unit: '/s', why: "citizen's page over 1,000,000 dossiers, 50 connections" },
    citizen_page_p99_ms: { op: '<=', value: 50, unit: 'ms', why: "citizen's page, 99th percentile latency" },
  },
  signing: {
    signed_per_s: { op: '>=', value: 40, unit: '/s', why: 'letters rendered and signed twice (leader + agency, certificate files) per second, browser warm' },
    sign_ms_per_letter: { op: '<=', value: 10, unit: 'ms', why: 'the two signatures of one letter, on a printed PDF' },
  },
  letters_signed: {
    signed_per_s: { op: '>=', value: 40, unit: '/s', why: "letters through the product's issuing path — leader's version rendered with its layout, leader's and agency's layers (certificate files) — per second, browser warm" },
    overhead_ms_per_letter: { op: '<=', value: 10, unit: 'ms', why: 'wall time a signed letter costs over an unsigned one, measured in the same run' },
    overhead_cpu_ms_per_letter: { op: '<=', value: 10, unit: 'ms', why: "the same in this process's CPU (process.cpuUsage)" },
  },
  startup: {
    ready_ratio: { op: '>=', value: 1, unit: '×', why: 'the compiled service (dist/, production) reaches /ready no later than the tsx demo' },
    rss_ratio: { op: '>=', value: 1, unit: '×', why: 'and holds no more memory once ready' },
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
  // The load-sensitive benches first: the web bench's load generator runs in this process, whose
  // heap grows with every bench, and the PostgreSQL sections leave the server vacuuming 1,000,000
  // fresh rows for minutes afterwards — both showed up as latency in a citizen page measured last.
  process.stderr.write('deadline: computeDue throughput…\n');
  const deadline = await benchDeadline();
  process.stderr.write('web: citizen page and dossier API over 1,000,000 dossiers, 50 connections, vs a bare Express route…\n');
  const web = await benchWeb();
  process.stderr.write('startup: henlai serve to /ready, compiled (dist/) vs tsx, and memory (BENCH_STARTUP_RUNS to change)…\n');
  const startup = await benchStartup();
  process.stderr.write('email: 10,000 e-mails, bare nodemailer pools vs henlai dispatch processes on the outbox…\n');
  const email = await benchEmail();
  process.stderr.write('dispatch: 10,000 Zalo notices through the outbox…\n');
  const dispatch = await benchZaloDispatch();
  process.stderr.write('sms: 10,000 SMS notices through the outbox, and the bare client in the same run…\n');
  const sms = await benchSmsDispatch();
  process.stderr.write('slip: notices through henlai dispatch processes killed every 5 s, 180 s (BENCH_SLIP_SECONDS to change)…\n');
  const slip = await benchSlipToNotice();
  process.stderr.write('documents: letters to HTML and PDF…\n');
  const documents = await benchDocuments();
  process.stderr.write('signing: letters rendered and signed twice (leader, agency) vs unsigned…\n');
  const signing = await benchSigning();
  process.stderr.write("letters_signed: the product's signing path (located render + both layers) vs unsigned issuance, same run…\n");
  const lettersSigned = await benchLettersSigned();
  process.stderr.write('reports: a quarter over 1,000,000 dossiers (BENCH_ROWS to change)…\n');
  const reports = await benchReports();
  process.stderr.write('import: 1,000,000 CSV rows and 100,000 XLSX rows (BENCH_IMPORT_ROWS, BENCH_IMPORT_XLSX_ROWS to change)…\n');
  const imports = await benchImport();
  process.stderr.write('registry: 1,000,000 dossiers (BENCH_ROWS to change)…\n');
  const registry = await benchRegistry();
  process.stderr.write('watcher: one tick over 1,000,000 dossiers, 1,000 slipped (BENCH_ROWS, BENCH_SLIPPED to change)…\n');
  const watcher = await benchWatcher();

  const sections = { deadline, web, startup, email, dispatch, sms, slip, documents, signing, letters_signed: lettersSigned, reports, import: imports, registry, watcher };
  const rows = Object.entries(sections).flatMap(([name, figures]) => verdicts(name, figures));
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
    benches: sections,
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
