/**
 * E-mail throughput: apology notices (HTML + text + the letter PDF) through the outbox to an SMTP
 * relay, against the raw ceiling on the same relay in the same run.
 *
 *  - The relay is an smtp-server sink (test/fakes/smtp-sink.ts) in its own process on loopback;
 *    it accepts and discards. `probe_per_s` is what it takes from a trivial client (pre-encoded
 *    bytes on raw sockets, bench/support/raw-sender.ts `probe`): the sink's own limit, so that the
 *    other figures are known to measure the senders, not the sink.
 *  - The outbox is a SQLite database holding N issued apologies, each with its own letter HTML
 *    (~150 KB, the font embedded, as the product stores it) and its own 60 KB PDF, and N e-mail
 *    notices rendered as the apology use case renders them. `through_per_s`: P `henlai dispatch`
 *    processes (the real command line, `src/bin.cjs dispatch`) share the outbox — each claims,
 *    reads the letter PDF from the database, sends and records the attempt, exactly as in
 *    production. They are started first with the notices not yet due, then all notices are made
 *    due at once; the figure is N over the time from then to the last `sent_at`. Each process's
 *    own rate is reported too (`through_per_process`).
 *  - `raw_per_s`, the ceiling: P processes each running nodemailer's pooled transport in a plain
 *    loop over its share of the same N messages (built beforehand by the channel's own
 *    buildMessage, each with its own PDF) — no database, no outbox. Same P, same connections and
 *    concurrency per process as the dispatchers.
 *  - Check: every notice 'sent' exactly once, and the sink counted every message of every phase.
 *
 * One process can only use one core, and the message encoding (nodemailer's MIME build and its
 * SMTP dot-stuffing, byte by byte in JavaScript) is CPU-bound: several processes are how the
 * outbox scales (its claim is safe for concurrent workers), so P defaults to 2, the cores of the
 * machine the README's figures come from.
 *
 * Targets: ≥ 500 e-mails/s through the outbox, and ≥ 0.6 of the ceiling.
 * `raw_cpu_ms_per_email` and `through_cpu_ms_per_email` are the CPU time the senders used per
 * e-mail (from /proc on Linux, SQLite's work in libuv's threads included): on a shared machine the
 * rates move with other work, these hardly do.
 *
 * Environment: BENCH_EMAILS (default 10,000), BENCH_EMAIL_PROCESSES (2), BENCH_SMTP_CONNECTIONS
 * (8 per process), BENCH_EMAIL_CONCURRENCY (32 per process), BENCH_EMAIL_PG_URL (the outbox on
 * that PostgreSQL database instead of SQLite — it is wiped).
 * Run directly: node --import tsx bench/email.bench.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { SMTP_DEFAULTS } from '../src/channels/email/settings';
import { loadConfig } from '../src/config';
import type { Db } from '../src/db/connection';
import { DocumentRenderer } from '../src/documents/renderer';
import { letterData, TEMPLATES_DIR } from '../test/documents/fixtures';
import { FROM, letterNumberFor, letterPdf, log, noticeDataFor, renderNotices, Sink } from './support/mail';
import { cpuSeconds, DOSSIER_COLUMNS, insertDossiers, NOW, openBench, sqlText, type BenchSetup } from './support/load';
import { printFigures } from './support/standalone';

export interface EmailBenchOptions {
  messages?: number;
  processes?: number;
  connections?: number;
  concurrency?: number;
}

const BIN = path.resolve(__dirname, '../src/bin.cjs');
/** BENCH_EMAIL_NODE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=.scratch/prof": node flags for every sending process, to see where its time goes. */
const NODE_FLAGS = process.env.BENCH_EMAIL_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
const RAW_SENDER = path.resolve(__dirname, 'support/raw-sender.ts');
const ROWS_PER_INSERT = 50;
/** Notices wait this far in the future until the dispatchers are up. */
const LATER = 10 * 365 * 86_400_000;
const MAX_WAIT_MS = 15 * 60_000;
/** USER_HZ: the unit of /proc/<pid>/stat's times, 100 on every Linux architecture Node supports. */
/** A child process whose stdout is read line by line. */
class Child {
  private readonly lines: string[] = [];
  private readonly waiting: Array<(line: string | null) => void> = [];
  private exited = false;

  constructor(readonly proc: ChildProcess) {
    readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    proc.once('exit', () => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /** The next line; rejects if the process ends first. */
  async line(): Promise<string> {
    const ready = this.lines.shift();
    const l = ready !== undefined ? ready : this.exited ? null : await new Promise<string | null>((resolve) => this.waiting.push(resolve));
    if (l === null) throw new Error(`process ${this.proc.pid} exited (${this.proc.exitCode}) before answering`);
    return l;
  }

  async until(test: (line: string) => boolean): Promise<void> {
    while (!test(await this.line()));
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  }
}

/** N dossiers, each with an issued apology (its letter HTML and PDF stored) and one e-mail notice, not yet due. */
async function loadOutbox(b: BenchSetup, n: number): Promise<void> {
  const { db } = b;
  const nowMs = NOW.getTime();
  const procedure = b.procedures[0];
  const agency = b.agencies.find((a) => a.id === procedure.agencyId) ?? b.agencies[0];
  const due = nowMs - 86_400_000;
  await insertDossiers(
    db,
    n,
    [...DOSSIER_COLUMNS, 'email'],
    (seq) =>
      `('EM${String(seq).padStart(7, '0')}',${procedure.id},${agency.id},${agency.id},'person',${sqlText(noticeDataFor(seq - 1).recipientName)},` +
      `'+84912345678',false,true,false,'counter',${due - 30 * 86_400_000},${due - 30 * 86_400_000},'days',${procedure.timeAmount},${due},` +
      `${due + 7 * 86_400_000},2,1,'processing','em${seq}','bench',${nowMs},${nowMs},'cong.dan${seq - 1}@example.vn')`,
    'e-mail bench',
  );
  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  for (let from = 0; from < n; from += ROWS_PER_INSERT) {
    const count = Math.min(ROWS_PER_INSERT, n - from);
    const notices = renderNotices(from, count);
    await db.transaction(async (trx) => {
      const apologies = notices.map((_, k) => {
        const i = from + k;
        const d = noticeDataFor(i);
        const letter = renderer.renderLetter(
          agency.code,
          letterData({ addressee: { ...letterData().addressee, name: d.recipientName }, issuer: { ...letterData().issuer, letterNumber: letterNumberFor(i) } }),
        );
        return {
          dossier_id: i + 1, deadline_version: 1, active_version: 1, status: 'issued', origin: 'watcher', reason: d.reason,
          responsible_unit: agency.name, due_before: due, new_due_at: due + 7 * 86_400_000, signer_name: 'Trần Thị Bích Ngọc',
          signer_title: 'PHÓ GIÁM ĐỐC', issuing_agency_id: agency.id, drafted_by: 'bench', drafted_at: nowMs, approved_by: 'bench',
          issued_at: nowMs, late: true, letter_year: 2026, letter_seq: i + 1, letter_number: letterNumberFor(i), recipient_name: d.recipientName,
          form: 'tt03-2025', template_version: letter.templateVersion,
          content_hash: crypto.createHash('sha256').update(letter.html).digest('hex'),
          citizen_token: crypto.randomBytes(24).toString('base64url'), created_at: nowMs, updated_at: nowMs,
          document: { html: letter.html, pdf: letterPdf(i) },
        };
      });
      const ids = (await trx('apologies').insert(apologies.map(({ document: _, ...row }) => row)).returning('id')).map((r: { id: number } | number) => Number(typeof r === 'object' ? r.id : r));
      await trx('apology_documents').insert(apologies.map((a, k) => ({ apology_id: ids[k], ...a.document })));
      await trx('notices').insert(
        notices.map((r, k) => {
          const recipient = `cong.dan${from + k}@example.vn`;
          return {
            business_key: `apology:${ids[k]}:email:${recipient}`, kind: 'new_appointment', audience: 'citizen', channel: 'email', recipient,
            agency_id: agency.id, dossier_id: from + k + 1, apology_id: ids[k], status: 'created',
            payload: JSON.stringify({
              zalo: { params: r.zaloParams },
              email: { subject: r.emailSubject, html: r.emailHtml, text: r.emailText },
              sms: r.sms,
              contact: { phone: '+84912345678', email: recipient },
            }),
            not_before: nowMs + LATER, created_at: nowMs, updated_at: nowMs,
          };
        }),
      );
    });
    if ((from / ROWS_PER_INSERT) % 40 === 0) log(`email: outbox ${from.toLocaleString('en-US')} / ${n.toLocaleString('en-US')}…`);
  }
}

interface Window {
  perS: number;
  perProcess: number[];
  /** CPU milliseconds the senders used per e-mail, all processes together. */
  cpuMsPerEmail: number;
}

/** CPU seconds used by a group of processes so far. */
const cpuOf = (kids: Child[]) => kids.reduce((s, k) => s + cpuSeconds(k.proc.pid), 0);

/** P raw-sender processes in `mode`, each over its share of the N messages; the rate from `go` to the last one done. */
async function rawSenders(
  mode: 'pool' | 'probe',
  port: number,
  n: number,
  processes: number,
  connections: number,
  concurrency: number,
  messageBytes?: number,
): Promise<Window & { sent: number }> {
  const share = Math.ceil(n / processes);
  const kids = Array.from({ length: processes }, (_, p) => {
    const from = p * share;
    const args = { mode, port, from, count: Math.min(share, n - from), connections, concurrency, messageBytes, maxMessages: SMTP_DEFAULTS.maxMessages, fromAddress: loadConfig({ NODE_ENV: 'test', MAIL_FROM: FROM }).email.from };
    return new Child(spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', RAW_SENDER, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'inherit'] }));
  });
  try {
    for (const k of kids) await k.until((l) => l === 'ready');
    for (const k of kids) k.proc.stdin?.write('go\n');
    const results = await Promise.all(kids.map(async (k) => JSON.parse(await k.line()) as { sent: number; failed: number; startMs: number; endMs: number; cpuS: number }));
    const start = Math.min(...results.map((r) => r.startMs));
    const end = Math.max(...results.map((r) => r.endMs));
    const sent = results.reduce((s, r) => s + r.sent, 0);
    const cpu = results.reduce((s, r) => s + r.cpuS, 0);
    return { sent, perS: sent / ((end - start) / 1000), perProcess: results.map((r) => r.sent / ((r.endMs - r.startMs) / 1000)), cpuMsPerEmail: (cpu * 1000) / sent };
  } finally {
    await Promise.all(kids.map((k) => k.stop()));
  }
}

async function outstanding(db: Db): Promise<number> {
  return Number((await db('notices').whereNot({ status: 'sent' }).count({ n: '*' }).first())?.n);
}

/** P `henlai dispatch` processes on the outbox; the rate from making the notices due to the last `sent_at`. */
async function dispatchers(b: BenchSetup, pgUrl: string | undefined, port: number, n: number, processes: number, connections: number, concurrency: number): Promise<Window & { sent: number; failed: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    // info: the worker announces itself ("… Ctrl+C …") in an info log line; the outbox's own
    // info lines come a few per second at most.
    LOG_LEVEL: 'info',
    DATA_DIR: b.s.config.dataDir,
    ...(pgUrl ? { DATABASE_URL: pgUrl } : {}),
    SMTP_URL: `smtp://127.0.0.1:${port}?maxConnections=${connections}`,
    MAIL_FROM: FROM,
    SEND_WINDOW: '00:00-24:00',
    DISPATCH_CONCURRENCY: String(concurrency),
    DISPATCH_INTERVAL_SECONDS: '0.1',
  };
  for (const k of [...(pgUrl ? [] : ['DATABASE_URL']), 'ZALO_APP_ID', 'DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY']) delete env[k];
  const kids = Array.from({ length: processes }, () => new Child(spawn(process.execPath, [...NODE_FLAGS, BIN, 'dispatch'], { env, stdio: ['ignore', 'pipe', 'inherit'] })));
  try {
    // `henlai dispatch` prints this once its worker runs (and finds nothing due yet).
    for (const k of kids) await k.until((l) => l.includes('Ctrl+C'));
    const cpu0 = cpuOf(kids);
    const go = Date.now();
    await b.db('notices').update({ not_before: go });
    const deadline = go + MAX_WAIT_MS;
    while ((await outstanding(b.db)) > 0 && Date.now() < deadline) {
      if (kids.some((k) => k.proc.exitCode !== null)) throw new Error('a dispatcher exited during the run');
      await new Promise((r) => setTimeout(r, 250));
    }
    const cpu = cpuOf(kids) - cpu0;
    const rows = (await b.db('notices').where({ status: 'sent' }).groupBy('claimed_by').select('claimed_by').count({ n: '*' }).max({ last: 'sent_at' })) as { n: number; last: number }[];
    const sent = rows.reduce((s, r) => s + Number(r.n), 0);
    const end = Math.max(...rows.map((r) => Number(r.last)));
    const failed = (await b.db('notices').whereNot({ status: 'sent' }).groupBy('status').select('status').count({ n: '*' })) as { status: string; n: number }[];
    return {
      sent,
      perS: sent / ((end - go) / 1000),
      perProcess: rows.map((r) => Number(r.n) / ((Number(r.last) - go) / 1000)),
      cpuMsPerEmail: (cpu * 1000) / sent,
      failed: failed.map((f) => `${f.status}×${f.n}`).join(', '),
    };
  } finally {
    await Promise.all(kids.map((k) => k.stop()));
  }
}

export async function benchEmail(options: EmailBenchOptions = {}): Promise<Record<string, number | string>> {
  const n = options.messages ?? Number(process.env.BENCH_EMAILS ?? 10_000);
  const processes = options.processes ?? Number(process.env.BENCH_EMAIL_PROCESSES ?? 2);
  const connections = options.connections ?? Number(process.env.BENCH_SMTP_CONNECTIONS ?? 8);
  const concurrency = options.concurrency ?? Number(process.env.BENCH_EMAIL_CONCURRENCY ?? 32);
  const round = (x: number) => Math.round(x);

  log(`email: outbox of ${n.toLocaleString('en-US')} apologies with their letters and e-mail notices…`);
  const pgUrl = process.env.BENCH_EMAIL_PG_URL;
  const b = await openBench(pgUrl ? 'pg' : 'sqlite', pgUrl);
  const { sink, port } = await Sink.start();
  try {
    await loadOutbox(b, n);
    log(`email: ceiling, ${processes} × nodemailer pool (${connections} connections, ${concurrency} at once each)…`);
    const raw = await rawSenders('pool', port, n, processes, connections, concurrency);
    const { bytes } = await sink.count();
    log(`email: ${processes} × henlai dispatch on the outbox…`);
    const through = await dispatchers(b, pgUrl, port, n, processes, connections, concurrency);
    log(`email: the sink's own limit (trivial client, ${processes * connections} connections)…`);
    const probe = await rawSenders('probe', port, n, 1, processes * connections, processes * connections, Math.round(bytes / n));

    const count = await sink.count();
    const problems: string[] = [];
    if (probe.sent !== n || raw.sent !== n) problems.push(`probe sent ${probe.sent}, pool sent ${raw.sent}, expected ${n} each`);
    if (through.sent !== n) problems.push(`${through.sent} notices sent, expected ${n}${through.failed ? ` (${through.failed})` : ''}`);
    if (count.received !== 3 * n) problems.push(`the sink received ${count.received}, expected ${3 * n}`);
    return {
      messages: n,
      processes,
      connections_per_process: connections,
      concurrency_per_process: concurrency,
      message_kb: round(bytes / n / 1024),
      probe_per_s: round(probe.perS),
      raw_per_s: round(raw.perS),
      raw_per_process: raw.perProcess.map(round).join(' + '),
      through_per_s: round(through.perS),
      through_per_process: through.perProcess.map(round).join(' + '),
      through_ratio: Number((through.perS / raw.perS).toFixed(2)),
      raw_cpu_ms_per_email: Number(raw.cpuMsPerEmail.toFixed(2)),
      through_cpu_ms_per_email: Number(through.cpuMsPerEmail.toFixed(2)),
      check: problems.length ? problems.join('; ') : 'ok',
    };
  } finally {
    await sink.stop();
    await b.close();
  }
}

if (require.main === module) printFigures(benchEmail);
