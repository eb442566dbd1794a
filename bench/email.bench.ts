/**
 * E-mail throughput: apology e-mails (HTML + text + a ~60 KB PDF) handed to an SMTP relay per
 * second, through our channel against the bare nodemailer pool on the same relay — their ratio is
 * what the channel costs (payload check, Message-ID, message assembly, classification, the send
 * deadline).
 *
 *  - The relay is an smtp-server sink (test/fakes/smtp-sink.ts) in a separate process on
 *    loopback: it accepts and discards, and never shares a core with the client being measured.
 *  - (a) ceiling: nodemailer's pooled transport sending N prebuilt messages of the same shape
 *    (same subject, bodies, headers and attachment) with bounded concurrency;
 *    (b) channel: createEmailChannel(...).send() for N OutgoingNotices at the same concurrency,
 *    same pool size. Each phase is preceded by an untimed warm-up; the best of ROUNDS is kept.
 *  - Check: every send answered 'sent' and the sink counted exactly the messages sent.
 *
 * The notices are rendered beforehand by DocumentRenderer from varied data (rendering is
 * measured in documents.bench.ts). The PDF is incompressible filler behind a PDF header: to SMTP
 * a letter is 60 KB of base64, whatever it says.
 *
 * `through` swaps in another way of sending (the outbox worker, for instance): it receives the
 * count and a context (relay settings, the notices, the attachment source) and resolves once all
 * are handed over; it is then timed like the channel and reported as through_per_s.
 *
 * Targets: ≥ 500 e-mails/s through the channel, and ≥ 0.6 of the ceiling.
 * Environment: BENCH_EMAILS (default 10,000), BENCH_EMAIL_CONCURRENCY (32), BENCH_SMTP_CONNECTIONS (8).
 * Run directly: node --import tsx bench/email.bench.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { createEmailChannel } from '../src/channels/email/channel';
import { buildMessage, contentOf } from '../src/channels/email/message';
import type { EmailSettings } from '../src/channels/email/settings';
import type { Attachment, OutgoingNotice, SendResult } from '../src/channels/types';
import { loadConfig } from '../src/config';
import { DocumentRenderer } from '../src/documents/renderer';
import { noticeData, TEMPLATES_DIR } from '../test/documents/fixtures';

export interface ThroughContext {
  /** E-mail settings pointing at the bench's relay (pool size as the other phases). */
  email: EmailSettings;
  /** The i-th notice (0 ≤ i < n), ids distinct from the other phases'. */
  notice(i: number): OutgoingNotice;
  /** What the dispatcher would supply for an apology notice: the letter PDF. */
  attachments: () => Promise<Attachment[]>;
  concurrency: number;
}

export interface EmailBenchOptions {
  messages?: number;
  concurrency?: number;
  maxConnections?: number;
  rounds?: number;
  /** Sends n notices some other way (e.g. enqueue them and run the outbox worker); resolves when all were handed to the relay. */
  through?: (n: number, ctx: ThroughContext) => Promise<void>;
}

const FROM = '"Trung tâm Phục vụ hành chính công Cần Thơ" <thongbao@cantho.gov.vn>';
const PDF_BYTES = 60 * 1024;
const WARMUP = 300;
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Hoàng', 'Võ', 'Đặng', 'Bùi', 'Đỗ'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Thanh', 'Hữu', 'Đức', 'Thu'];
const GIVEN = ['An', 'Bình', 'Châu', 'Dũng', 'Hạnh', 'Khoa', 'Linh', 'Phương', 'Quân', 'Tuyết'];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A PDF header, then incompressible bytes: what a font-embedding, deflated letter looks like to base64. */
function fillerPdf(size: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  buf.write('%PDF-1.7\n', 0, 'latin1');
  buf.write('\n%%EOF\n', size - 7, 'latin1');
  return buf;
}

/** The sink process and its line protocol. */
class Sink {
  private readonly lines: string[] = [];
  private readonly waiting: Array<(line: string) => void> = [];

  private constructor(private readonly child: ChildProcess) {
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
  }

  static async start(): Promise<{ sink: Sink; port: number }> {
    const script = path.resolve(__dirname, '../test/fakes/smtp-sink.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const sink = new Sink(child);
    const first = await Promise.race([
      sink.nextLine(),
      new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code}) before listening`)))),
    ]);
    return { sink, port: (JSON.parse(first) as { port: number }).port };
  }

  private nextLine(): Promise<string> {
    const ready = this.lines.shift();
    return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => this.waiting.push(resolve));
  }

  async count(): Promise<{ received: number; bytes: number }> {
    this.child.stdin?.write('count\n');
    return JSON.parse(await this.nextLine()) as { received: number; bytes: number };
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

/** Runs `one(i)` for i in [from, from + n) with at most `concurrency` in flight; seconds elapsed. */
async function pump(from: number, n: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = from;
  const end = from + n;
  const start = performance.now();
  const worker = async () => {
    while (next < end) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return (performance.now() - start) / 1000;
}

export async function benchEmail(options: EmailBenchOptions = {}): Promise<Record<string, number | string>> {
  const n = options.messages ?? Number(process.env.BENCH_EMAILS ?? 10_000);
  const concurrency = options.concurrency ?? Number(process.env.BENCH_EMAIL_CONCURRENCY ?? 32);
  const maxConnections = options.maxConnections ?? Number(process.env.BENCH_SMTP_CONNECTIONS ?? 8);
  const rounds = options.rounds ?? 2;

  log(`email: rendering ${n.toLocaleString('en-US')} notices…`);
  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  const payloads = Array.from({ length: n }, (_, i) => {
    const dd = String(1 + (i % 28)).padStart(2, '0');
    const r = renderer.renderNotice(
      'SXD',
      noticeData({
        recipientName: `${FAMILY[i % 10]} ${MIDDLE[i % 8]} ${GIVEN[(i * 7) % 10]}`,
        dossierCode: `H13.01-2602${dd}-${String(i).padStart(4, '0')}`,
        newDue: `${dd}/04/2026`,
        letterNumber: `${String((i % 99) + 1).padStart(2, '0')}/PXL-SXD`,
      }),
    );
    return { subject: r.emailSubject, html: r.emailHtml, text: r.emailText, templateVersion: r.templateVersion };
  });
  const pdf = fillerPdf(PDF_BYTES);
  const files: Attachment[] = [{ filename: 'thu-xin-loi-05-PXL-SXD.pdf', contentType: 'application/pdf', content: pdf }];
  const attachments = async () => files;
  /** Ids per phase never overlap, so every message has its own Message-ID. */
  const notice = (phase: number, i: number): OutgoingNotice => {
    const id = phase * 10_000_000 + i;
    const recipient = `cong.dan${i % 5000}@example.vn`;
    return {
      id,
      businessKey: `apology:${id}:email:${recipient}`,
      kind: 'new_appointment',
      audience: 'citizen',
      channel: 'email',
      recipient,
      payload: payloads[i % n],
      apologyId: id,
      dossierId: id,
      attempts: 0,
    };
  };

  const { sink, port } = await Sink.start();
  const email = loadConfig({ NODE_ENV: 'test', SMTP_URL: `smtp://127.0.0.1:${port}?maxConnections=${maxConnections}`, MAIL_FROM: FROM }).email;
  const smtp = email.smtp as NonNullable<EmailSettings['smtp']>;
  let sent = 0;
  const failures = new Map<string, number>();
  const record = (r: SendResult) => {
    if (r.outcome === 'sent') sent++;
    else failures.set(`${r.outcome}/${r.errorClass}`, (failures.get(`${r.outcome}/${r.errorClass}`) ?? 0) + 1);
  };

  const figures: Record<string, number | string> = { messages: n, concurrency, pool_connections: maxConnections, attachment_kb: PDF_BYTES / 1024 };
  let rawBest = 0;
  let channelBest = 0;
  let throughBest = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      // (a) the ceiling: the bare pool, messages built beforehand exactly as the channel builds them.
      {
        const pool = nodemailer.createTransport({
          pool: true,
          host: smtp.host,
          port: smtp.port,
          secure: false,
          maxConnections,
          maxMessages: smtp.maxMessages,
          maxRequeues: 0,
          connectionTimeout: smtp.connectionTimeoutMs,
          greetingTimeout: smtp.greetingTimeoutMs,
          socketTimeout: smtp.socketTimeoutMs,
          logger: false,
        });
        const prebuilt: SendMailOptions[] = Array.from({ length: n + WARMUP }, (_, i) => {
          const nt = notice(10 + round, i);
          return buildMessage({ notice: nt, content: contentOf(nt), from: email.from, attachments: files });
        });
        const rawOne = async (i: number) => {
          try {
            await pool.sendMail(prebuilt[i]);
            sent++;
          } catch (err) {
            failures.set(`raw/${(err as { code?: string }).code}`, (failures.get(`raw/${(err as { code?: string }).code}`) ?? 0) + 1);
          }
        };
        await pump(n, WARMUP, concurrency, rawOne);
        log(`email: round ${round}, bare nodemailer pool…`);
        const s = await pump(0, n, concurrency, rawOne);
        rawBest = Math.max(rawBest, n / s);
        pool.close();
      }
      // (b) our channel.
      {
        const channel = createEmailChannel({ config: email, dataDir: '/nonexistent' });
        const chOne = async (i: number) => record(await channel.send(notice(20 + round, i), attachments));
        await pump(n, WARMUP, concurrency, chOne);
        log(`email: round ${round}, createEmailChannel().send…`);
        const s = await pump(0, n, concurrency, chOne);
        channelBest = Math.max(channelBest, n / s);
        await channel.close();
      }
      if (options.through) {
        log(`email: round ${round}, through the given path…`);
        const start = performance.now();
        await options.through(n, { email, notice: (i) => notice(30 + round, i), attachments, concurrency });
        throughBest = Math.max(throughBest, n / ((performance.now() - start) / 1000));
      }
    }
    const count = await sink.count();
    const expectedAtSink = rounds * 2 * (n + WARMUP);
    const throughCount = count.received - expectedAtSink;
    const problems: string[] = [];
    if (failures.size) problems.push(`not sent: ${[...failures].map(([k, v]) => `${k}×${v}`).join(', ')}`);
    if (sent !== expectedAtSink) problems.push(`${sent} sends answered 'sent', expected ${expectedAtSink}`);
    if (options.through ? throughCount !== rounds * n : count.received !== expectedAtSink) {
      problems.push(`the sink received ${count.received}, expected ${expectedAtSink}${options.through ? ` + ${rounds * n} through` : ''}`);
    }
    figures.message_kb = Math.round(count.bytes / Math.max(1, count.received) / 1024);
    figures.raw_per_s = Math.round(rawBest);
    figures.channel_per_s = Math.round(channelBest);
    figures.ratio = Number((channelBest / rawBest).toFixed(2));
    if (options.through) {
      figures.through_per_s = Math.round(throughBest);
      figures.through_ratio = Number((throughBest / rawBest).toFixed(2));
    }
    figures.check = problems.length ? problems.join('; ') : 'ok';
  } finally {
    await sink.stop();
  }
  return figures;
}

if (require.main === module) {
  benchEmail()
    .then((f) => {
      for (const [k, v] of Object.entries(f)) process.stdout.write(`${k.padEnd(18)} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}\n`);
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
