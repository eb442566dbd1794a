/**
 * SMS throughput through the outbox worker (claim → send → record), against the eSMS fake
 * answering after 50 ms per call, with the worker's bounded concurrency C (32, as for Zalo).
 * In the same run, the bare client: the same SMS channel called directly, C at a time, with no
 * database at all — the ratio says what the outbox's bookkeeping (claims, start marks, attempt
 * rows, status updates) costs. CPU time per SMS is measured for both (this process only: the
 * fake runs in it too, the same in both). Delivery reports are off: they are not what is measured.
 *
 * A fresh SQLite database in a temp dir; nothing here is a test's pass/fail.
 *   node --import tsx bench/sms.bench.ts        (BENCH_NOTICES=2000 for a quick try)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { createSmsChannel } from '../src/channels/sms';
import type { Channel, OutgoingNotice } from '../src/channels/types';
import { createDb, migrateLatest } from '../src/db/connection';
import { DispatchWorkerRepository } from '../src/db/dispatch-workers';
import { NoticeRepository } from '../src/db/notices';
import { Dispatcher } from '../src/dispatch/dispatcher';
import { smsText } from '../src/documents/sms';
import { createLogger } from '../src/logger';
import { systemClock } from '../src/clock';
import { startEsmsFake } from '../test/fakes/esms-fake';

const log = (line: string) => process.stderr.write(`${line}\n`);
const TEXT = 'Ho so H13.01-260202-0001 tre hen. Ngay hen moi 16/03/2026. Chi tiet: https://henlai.example.vn/c/abcdefghijklmnopqrstuvwxyz012345';

function phone(i: number): string {
  return `+8491${String(i).padStart(7, '0')}`;
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; cpuMs: number; result: T }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - start) / 1000, cpuMs: (used.user + used.system) / 1000, result };
}

/** The bare client: `n` sends, `concurrency` at a time, nothing recorded. */
async function bareLoop(channel: Channel, n: number, concurrency: number): Promise<number> {
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const notice: OutgoingNotice = {
        id: 1_000_000 + i, businessKey: `bare:${i}`, kind: 'new_appointment', audience: 'citizen', channel: 'sms',
        recipient: phone(i), payload: { ...smsText(TEXT) }, apologyId: null, dossierId: null, attempts: 0,
      };
      if ((await channel.send(notice, async () => [])).outcome === 'sent') sent++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sent;
}

export async function benchSmsDispatch(options: { notices?: number; concurrency?: number; latencyMs?: number } = {}): Promise<Record<string, number | string>> {
  const n = options.notices ?? Number(process.env.BENCH_NOTICES ?? 10_000);
  const concurrency = options.concurrency ?? 32;
  const latencyMs = options.latencyMs ?? 50;
  const fake = await startEsmsFake({ latencyMs, reportAfterMs: null });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-bench-sms-'));
  const db = createDb({ client: 'sqlite', filename: path.join(dir, 'bench.sqlite') }, createLogger('warn'));
  const config = loadConfig({
    DATA_DIR: dir,
    SMS_API_BASE: fake.apiBase,
    SMS_API_KEY: 'fake-api-key',
    SMS_SECRET_KEY: 'fake-secret-key',
    SMS_BRANDNAME: 'HENLAI',
    SMS_CALLBACK_TOKEN: 'bench_token_0123456789abcdef',
  });
  const channel = createSmsChannel(config.sms);
  try {
    await migrateLatest(db);
    const [row] = await db('agencies')
      .insert({ code: 'TTPVHCC', name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ', place_name: 'Cần Thơ', letter_symbol: 'PXL-TTPVHCC', level: 'center', created_at: 0, updated_at: 0 })
      .returning('id');
    const agencyId = Number(typeof row === 'object' ? (row as { id: number }).id : row);
    const now = Date.now();
    const payload = JSON.stringify({ sms: smsText(TEXT) });
    for (let i = 0; i < n; i += 200) {
      await db('notices').insert(
        Array.from({ length: Math.min(200, n - i) }, (_, k) => ({
          business_key: `bench:sms:${i + k}`, kind: 'new_appointment', audience: 'citizen', channel: 'sms', recipient: phone(i + k),
          agency_id: agencyId, status: 'created', payload, not_before: now - 1000, created_at: now, updated_at: now,
        })),
      );
    }

    log(`sms: bare client, ${n} SMS through the fake (${latencyMs} ms per call), concurrency ${concurrency}…`);
    const bare = await timed(() => bareLoop(channel, n, concurrency));

    log(`sms: ${n} SMS notices through the outbox…`);
    const dispatcher = new Dispatcher({
      notices: new NoticeRepository(db),
      workers: new DispatchWorkerRepository(db),
      channels: new Map([['sms', channel]]),
      attachments: async () => new Map(),
      clock: systemClock,
      logger: createLogger('silent'),
      settings: { concurrency, retryWindowMs: 86_400_000, sendingTimeoutMs: 600_000, leaseMs: 10_000, sendWindow: { start: 0, end: 1440 }, channelDownRetryMs: 600_000 },
    });
    const outbox = await timed(async () => {
      for (let i = 0; i < 100; i++) {
        await dispatcher.runOnce();
        const left = await db('notices').whereNotIn('status', ['sent', 'delivered', 'permanent-failure']).count({ n: '*' }).first();
        if (Number(left?.n) === 0) return;
      }
    });
    const sent = Number((await db('notices').where({ status: 'sent' }).count({ n: '*' }).first())?.n);
    const outboxPerS = n / outbox.seconds;
    const barePerS = n / bare.seconds;
    return {
      sms_notices: n,
      sms_concurrency: concurrency,
      sms_latency_ms: latencyMs,
      sms_per_s: Math.round(outboxPerS),
      sms_bare_per_s: Math.round(barePerS),
      sms_ratio: Number((outboxPerS / barePerS).toFixed(2)),
      sms_cpu_ms_per_item: Number((outbox.cpuMs / n).toFixed(2)),
      sms_bare_cpu_ms_per_item: Number((bare.cpuMs / n).toFixed(2)),
      // The fake saw 2n sends (bare loop + outbox), each taken once.
      sms_check: sent === n && bare.result === n && fake.messages.length === 2 * n ? 'ok' : `outbox sent ${sent}, bare sent ${bare.result}, fake took ${fake.messages.length}, expected ${n} / ${n} / ${2 * n}`,
      loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    };
  } finally {
    await channel.close();
    await db.destroy();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  (async () => {
    log(`load before: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
    console.log(await benchSmsDispatch());
    log(`load after: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
