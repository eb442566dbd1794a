/**
 * One sending process of the e-mail bench's reference figures, started by bench/email.bench.ts:
 *
 *  - `pool`: the ceiling — nodemailer's pooled transport sending its share of the notices'
 *    messages (built beforehand by the channel's own buildMessage, each with its own letter PDF)
 *    in a plain loop with bounded concurrency. No database, no outbox, no classification.
 *  - `probe`: the sink's own limit — a trivial SMTP client writing one pre-encoded message of the
 *    same size on raw sockets (almost no client work), so that the sink is known not to be what
 *    the other figures measure.
 *
 * Argument: a JSON object (see `Args`). It builds what it needs, prints `ready`, waits for `go`
 * on stdin, sends, prints `{"sent", "failed", "startMs", "endMs", "cpuS"}` (epoch ms; CPU seconds
 * used while sending) and exits.
 */
import net from 'node:net';
import readline from 'node:readline';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { buildMessage, contentOf } from '../../src/channels/email/message';
import type { OutgoingNotice } from '../../src/channels/types';
import { epochMs, letterNumberFor, letterPdf, renderNotices } from './mail';

interface Args {
  mode: 'pool' | 'probe';
  port: number;
  /** Notices from, from + count. */
  from: number;
  count: number;
  connections: number;
  concurrency: number;
  maxMessages: number;
  fromAddress: { name: string; address: string };
  /** probe: bytes of the message it repeats. */
  messageBytes?: number;
}

const args = JSON.parse(process.argv[2] as string) as Args;

async function pump(n: number, concurrency: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

function poolRun(): () => Promise<{ sent: number; failed: number }> {
  const messages: SendMailOptions[] = renderNotices(args.from, args.count).map((r, k) => {
    const id = args.from + k;
    const recipient = `cong.dan${id}@example.vn`;
    const notice: OutgoingNotice = {
      id,
      businessKey: `apology:${id}:email:${recipient}`,
      kind: 'new_appointment',
      audience: 'citizen',
      channel: 'email',
      recipient,
      payload: { subject: r.emailSubject, html: r.emailHtml, text: r.emailText },
      apologyId: id,
      dossierId: id,
      attempts: 0,
    };
    const pdf = { filename: `thu-xin-loi-${letterNumberFor(id).replace('/', '-')}.pdf`, contentType: 'application/pdf', content: letterPdf(id) };
    return buildMessage({ notice, content: contentOf(notice), from: args.fromAddress, attachments: [pdf] });
  });
  return async () => {
    const pool = nodemailer.createTransport({
      pool: true,
      host: '127.0.0.1',
      port: args.port,
      secure: false,
      maxConnections: args.connections,
      maxMessages: args.maxMessages,
      maxRequeues: 0,
      logger: false,
    });
    let sent = 0;
    let failed = 0;
    await pump(messages.length, args.concurrency, async (i) => {
      try {
        await pool.sendMail(messages[i] as SendMailOptions);
        sent++;
      } catch {
        failed++;
      }
    });
    pool.close();
    return { sent, failed };
  };
}

/** A minimal SMTP client: one connection sends its messages one after the other, waiting for each reply. */
function probeRun(): () => Promise<{ sent: number; failed: number }> {
  const size = args.messageBytes ?? 90 * 1024;
  const line = 'X'.repeat(76);
  let body = 'Subject: probe\r\n\r\n';
  while (body.length < size) body += `${line}\r\n`;
  const data = Buffer.from(`${body}.\r\n`);
  const one = async (conn: net.Socket, reply: () => Promise<string>) => {
    conn.write('MAIL FROM:<probe@example.vn>\r\n');
    await reply();
    conn.write('RCPT TO:<sink@example.vn>\r\n');
    await reply();
    conn.write('DATA\r\n');
    await reply();
    conn.write(data);
    return (await reply()).startsWith('250');
  };
  return async () => {
    let sent = 0;
    let failed = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: args.connections }, async () => {
        const conn = net.connect(args.port, '127.0.0.1');
        const replies: string[] = [];
        const waiting: Array<(l: string) => void> = [];
        // Multi-line replies (EHLO) end with "code<space>"; only their last line is a reply.
        readline.createInterface({ input: conn }).on('line', (l) => {
          if (/^\d{3}-/.test(l)) return;
          const w = waiting.shift();
          if (w) w(l);
          else replies.push(l);
        });
        const reply = () => {
          const r = replies.shift();
          return r !== undefined ? Promise.resolve(r) : new Promise<string>((resolve) => waiting.push(resolve));
        };
        await reply();
        conn.write('EHLO probe\r\n');
        await reply();
        while (next < args.count) {
          next++;
          if (await one(conn, reply)) sent++;
          else failed++;
        }
        conn.end('QUIT\r\n');
      }),
    );
    return { sent, failed };
  };
}

const run = args.mode === 'pool' ? poolRun() : probeRun();
process.stdout.write('ready\n');
readline.createInterface({ input: process.stdin }).once('line', () => {
  const startMs = epochMs();
  const cpu0 = process.cpuUsage();
  run().then(
    (r) => {
      const cpu = process.cpuUsage(cpu0);
      process.stdout.write(`${JSON.stringify({ ...r, startMs, endMs: epochMs(), cpuS: (cpu.user + cpu.system) / 1e6 })}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
