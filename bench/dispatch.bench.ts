/**
 * Delivery throughput through the outbox worker (claim → send → record):
 *
 *  - Zalo: 10,000 notices through the local Zalo fake answering after 50 ms per call, with the
 *    worker's bounded concurrency C. The ceiling is C / 50 ms; the ratio says how much of it the
 *    worker's own bookkeeping (claims, attempt rows, status updates) leaves. Target ≥ 300/s.
 *  - E-mail through the outbox is bench/email.bench.ts (several `henlai dispatch` processes).
 *
 * A fresh SQLite database in a temp dir; nothing here is a test's pass/fail.
 *   node --import tsx bench/dispatch.bench.ts        (BENCH_NOTICES=2000 for a quick try)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { createDb, migrateLatest, type Db } from '../src/db/connection';
import { DispatchWorkerRepository } from '../src/db/dispatch-workers';
import { NoticeRepository, type Notice } from '../src/db/notices';
import { createZaloChannel } from '../src/channels/zalo/channel';
import type { Attachment, Channel } from '../src/channels/types';
import { Dispatcher } from '../src/dispatch/dispatcher';
import { createLogger } from '../src/logger';
import { systemClock } from '../src/clock';
import { startZaloFake, zaloEnv } from '../test/fakes/zalo-fake';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function freshDb(): Promise<{ db: Db; dir: string; agencyId: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-bench-dispatch-'));
  const db = createDb({ client: 'sqlite', filename: path.join(dir, 'bench.sqlite') }, createLogger('warn'));
  await migrateLatest(db);
  const [row] = await db('agencies')
    .insert({ code: 'TTPVHCC', name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ', place_name: 'Cần Thơ', letter_symbol: 'PXL-TTPVHCC', level: 'center', created_at: 0, updated_at: 0 })
    .returning('id');
  return { db, dir, agencyId: Number(typeof row === 'object' ? (row as { id: number }).id : row) };
}

/** Queues notices with multi-row inserts: setup, not what is measured. */
async function queue(db: Db, agencyId: number, rows: { channel: 'zalo' | 'email'; recipient: string; payload: Record<string, unknown>; key: string }[]): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < rows.length; i += 200) {
    await db('notices').insert(
      rows.slice(i, i + 200).map((r) => ({
        business_key: r.key,
        kind: 'new_appointment',
        audience: 'citizen',
        channel: r.channel,
        recipient: r.recipient,
        agency_id: agencyId,
        status: 'created',
        payload: JSON.stringify(r.payload),
        not_before: now - 1000,
        created_at: now,
        updated_at: now,
      })),
    );
  }
}

function dispatcher(db: Db, channels: Channel[], concurrency: number, attachments: () => Promise<Attachment[]> = async () => []): Dispatcher {
  const files = async (batch: Notice[]) => new Map(await Promise.all(batch.map(async (n) => [n.id, await attachments()] as const)));
  return new Dispatcher({
    notices: new NoticeRepository(db),
    workers: new DispatchWorkerRepository(db),
    channels: new Map(channels.map((c) => [c.name, c])),
    attachments: files,
    clock: systemClock,
    logger: createLogger('silent'),
    settings: {
      concurrency,
      retryWindowMs: 86_400_000,
      sendingTimeoutMs: 600_000,
      leaseMs: 10_000,
      sendWindow: { start: 0, end: 1440 },
      channelDownRetryMs: 600_000,
    },
  });
}

async function drain(d: Dispatcher, db: Db): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    await d.runOnce();
    const left = await db('notices').whereIn('status', ['created', 'sending', 'temporary-failure', 'technical-failure']).count({ n: '*' }).first();
    if (Number(left?.n) === 0) return;
  }
}

export async function benchZaloDispatch(options: { notices?: number; concurrency?: number; latencyMs?: number } = {}): Promise<Record<string, number | string>> {
  const n = options.notices ?? Number(process.env.BENCH_NOTICES ?? 10_000);
  const concurrency = options.concurrency ?? 32;
  const latencyMs = options.latencyMs ?? 50;
  const fake = await startZaloFake({ latencyMs, dailyQuota: n * 10 });
  const { db, dir, agencyId } = await freshDb();
  try {
    const config = loadConfig({
      DATA_DIR: dir,
      ...zaloEnv(fake),
    });
    const zalo = createZaloChannel({ db, config: config.zalo, clock: systemClock });
    await zalo.tokens?.accessToken(new Date());
    const params = { customer_name: 'Nguyễn Văn An', dossier_code: 'H13.01-260202-0001', old_date: '09/03/2026', new_date: '16/03/2026', agency_name: 'Sở Xây dựng TP. Cần Thơ', link: 'https://henlai.example.vn/c/abcdefghijklmnopqrstuvwxyz012345' };
    await queue(
      db,
      agencyId,
      Array.from({ length: n }, (_, i) => ({ channel: 'zalo' as const, recipient: '+84912345678', payload: { zalo: { params } }, key: `bench:zalo:${i}` })),
    );
    log(`dispatch: ${n} Zalo notices through the fake (${latencyMs} ms per call), concurrency ${concurrency}…`);
    const start = performance.now();
    await drain(dispatcher(db, [zalo], concurrency), db);
    const seconds = (performance.now() - start) / 1000;
    const sent = Number((await db('notices').where({ status: 'sent' }).count({ n: '*' }).first())?.n);
    const perS = n / seconds;
    const ceiling = concurrency / (latencyMs / 1000);
    await zalo.close();
    return {
      zalo_notices: n,
      zalo_concurrency: concurrency,
      zalo_latency_ms: latencyMs,
      zalo_per_s: Math.round(perS),
      zalo_ceiling_per_s: Math.round(ceiling),
      zalo_ratio: Number((perS / ceiling).toFixed(2)),
      zalo_check: sent === n && fake.state.accepted.length === n ? 'ok' : `sent ${sent}, fake accepted ${fake.state.accepted.length}, expected ${n}`,
    };
  } finally {
    await db.destroy();
    await fake.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  (async () => {
    console.log(await benchZaloDispatch());
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
