/**
 * What the e-mail benches share: the SMTP sink process, the notices' rendered e-mails, and
 * per-letter PDFs.
 *
 * Every notice gets its own e-mail (name, dossier code, dates, letter number vary) and its own PDF
 * (`letterPdf(i)`: different bytes for every i), as in the product where one apology is one
 * notice: nothing along the way can gain from seeing the same letter twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { DocumentRenderer } from '../../src/documents/renderer';
import type { NoticeData, RenderedNotice } from '../../src/documents/types';
import { noticeData, TEMPLATES_DIR } from '../../test/documents/fixtures';

export const FROM = '"Trung tâm Phục vụ hành chính công Cần Thơ" <thongbao@cantho.gov.vn>';
export const PDF_BYTES = 60 * 1024;

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Hoàng', 'Võ', 'Đặng', 'Bùi', 'Đỗ'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Thanh', 'Hữu', 'Đức', 'Thu'];
const GIVEN = ['An', 'Bình', 'Châu', 'Dũng', 'Hạnh', 'Khoa', 'Linh', 'Phương', 'Quân', 'Tuyết'];

/** The i-th notice's data: a different citizen, dossier, dates and letter number for every i. */
export function noticeDataFor(i: number): NoticeData {
  const dd = String(1 + (i % 28)).padStart(2, '0');
  return noticeData({
    recipientName: `${FAMILY[i % 10]} ${MIDDLE[i % 8]} ${GIVEN[(i * 7) % 10]}`,
    dossierCode: `H13.01-2602${dd}-${String(i).padStart(5, '0')}`,
    newDue: `${dd}/04/2026`,
    letterNumber: letterNumberFor(i),
  });
}

export function letterNumberFor(i: number): string {
  return `${i + 1}/PXL-SXD`;
}

/** Notices from, from + count, rendered by the product's DocumentRenderer as the apology use case renders them. */
export function renderNotices(from: number, count: number): RenderedNotice[] {
  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  return Array.from({ length: count }, (_, k) => renderer.renderNotice('SXD', noticeDataFor(from + k)));
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The i-th letter's PDF: a PDF header, then incompressible bytes seeded by i — what a
 * font-embedding, deflated letter looks like to base64, and different for every letter.
 */
export function letterPdf(i: number, size = PDF_BYTES): Buffer {
  const buf = Buffer.alloc(size);
  let x = (0x9e3779b9 ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0 || 1;
  for (let k = 0; k < size; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[k] = x & 0xff;
  }
  buf.write('%PDF-1.7\n', 0, 'latin1');
  buf.write('\n%%EOF\n', size - 7, 'latin1');
  return buf;
}

/** The SMTP sink (test/fakes/smtp-sink.ts) in its own process, and its line protocol. */
export class Sink {
  private readonly lines: string[] = [];
  private readonly waiting: Array<(line: string) => void> = [];

  private constructor(readonly child: ChildProcess) {
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
  }

  static async start(): Promise<{ sink: Sink; port: number }> {
    const script = path.resolve(__dirname, '../../test/fakes/smtp-sink.ts');
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
