/**
 * The replay's audit at a province-year's scale: how long `auditReplay` takes once the year is
 * over (it runs after the drain, inside `henlai replay`'s time budget).
 *
 *  1. Setup (not measured): a fresh database with the bench agencies and procedures, BENCH_ROWS
 *     (default 700,000) dossiers accepted over 2026, most resolved on time, some resolved late or
 *     still open past their due; 5% apologised (four in five before the deadline), each letter
 *     numbered in its agency's register, with a Zalo notice sent (one in ten fallen back to the
 *     counter's list) and a delivery in the fake's log for every notice sent.
 *  2. auditReplay over the year: wall time and this process's CPU time (the database's own on
 *     PostgreSQL is not included). The audit's answer is checked: no broken promise.
 *
 *   node --import tsx bench/replay-audit.bench.ts
 *   BENCH_PG_URL=postgres://…/scratch node --import tsx bench/replay-audit.bench.ts   # and PostgreSQL (wiped)
 *   BENCH_ROWS=100000 node --import tsx bench/replay-audit.bench.ts                  # a quick try
 */
import { auditReplay, brokenPromises, type FakeDelivery } from '../src/replay/audit';
import { DEFAULT_REPLAY_PARAMS } from '../src/replay/params';
import { analyze, DOSSIER_COLUMNS, insertDossiers, log, openBench, round, seconds, sqlText, xorshift, type DbKind, type Result } from './support/load';
import type { Db } from '../src/db/connection';

const FROM = new Date('2026-01-01T08:00:00+07:00').getTime();
const END = new Date('2027-01-01T00:00:00+07:00').getTime();
const DAY = 86_400_000;
const COLUMNS = [...DOSSIER_COLUMNS, 'resolution', 'resolved_at'];
const CHUNK = 1000;

interface Fate {
  agencyId: number;
  due: number;
  apologised: 'before' | 'after' | null;
}

async function insertRows(db: Db, table: string, columns: string[], rows: string[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await db.raw(`insert into ${table} (${columns.join(', ')}) values ${rows.slice(i, i + CHUNK).join(',')}`);
}

async function runOn(kind: DbKind, rows: number, pgUrl?: string): Promise<Result> {
  const b = await openBench(kind, pgUrl);
  try {
    const rand = xorshift(18);
    const fates: Fate[] = [];
    const started = process.hrtime.bigint();
    await insertDossiers(
      b.db,
      rows,
      COLUMNS,
      (seq) => {
        const p = b.procedures[seq % b.procedures.length];
        const accepted = FROM + Math.floor(((seq - 1) / rows) * (END - FROM - 40 * DAY));
        const due = accepted + Math.round(p.timeAmount * 1.4) * DAY;
        const r = rand();
        // 5% apologised (most before the deadline, extended by 7 days, then resolved in time);
        // of the rest, 95% resolved on time, 5% still open but not yet due at the end.
        const apologised = r < 0.04 ? 'before' : r < 0.05 ? 'after' : null;
        const finalDue = apologised ? due + 7 * DAY : due;
        const resolvedAt = accepted + Math.floor((finalDue - accepted) * (0.3 + rand() * 0.6));
        const open = apologised === null && rand() < 0.05 && finalDue > END;
        fates.push({ agencyId: p.agencyId as number, due, apologised });
        return `(${[
          sqlText(`RA-${seq}`), p.id, p.agencyId, p.agencyId, "'person'", "'Nguyễn Văn An'", "'0912345678'", 'true', 'false', 'false', "'online'",
          accepted, accepted, "'days'", p.timeAmount, due, finalDue, apologised ? 2 : 1, apologised ? 1 : 0, open ? "'processing'" : "'resolved'",
          sqlText(`ra-${seq}`), "'bench'", accepted, open ? accepted : resolvedAt, open ? 'null' : "'on_time'", open ? 'null' : resolvedAt,
        ].join(',')})`;
      },
      `${kind} replay-audit`,
    );
    const apologies: string[] = [];
    const seqs = new Map<number, number>();
    fates.forEach((f, i) => {
      if (!f.apologised) return;
      const issuedAt = f.apologised === 'before' ? f.due - 2 * DAY : f.due + DAY / 2;
      const seq = (seqs.get(f.agencyId) ?? 0) + 1;
      seqs.set(f.agencyId, seq);
      apologies.push(
        `(${[
          i + 1, 1, 1, "'issued'", "'watcher'", "'Cần thêm thời gian'", "'Phòng chuyên môn'", f.due, f.due + 7 * DAY, "'Trần Văn Bình'", "'PHÓ GIÁM ĐỐC'", f.agencyId,
          "'bench'", issuedAt - DAY, issuedAt, f.apologised === 'after', 2026, seq, sqlText(`${seq}/PXL`), "'Nguyễn Văn An'", "'tt03-2025'", sqlText(`tok-${i + 1}`), issuedAt, issuedAt,
        ].join(',')})`,
      );
    });
    await insertRows(
      b.db,
      'apologies',
      ['dossier_id', 'deadline_version', 'active_version', 'status', 'origin', 'reason', 'responsible_unit', 'due_before', 'new_due_at', 'signer_name', 'signer_title', 'issuing_agency_id',
        'drafted_by', 'drafted_at', 'issued_at', 'late', 'letter_year', 'letter_seq', 'letter_number', 'recipient_name', 'form', 'citizen_token', 'created_at', 'updated_at'],
      apologies,
    );
    await insertRows(b.db, 'letter_sequences', ['agency_id', 'year', 'last_seq'], [...seqs].map(([agency, last]) => `(${agency},2026,${last})`));
    const issued = (await b.db('apologies').select('id', 'dossier_id', 'issued_at', 'issuing_agency_id').orderBy('id')) as Record<string, number>[];
    const notices: string[] = [];
    issued.forEach((a, i) => {
      const at = Number(a.issued_at);
      notices.push(`(${[sqlText(`apology:${a.id}:zalo`), "'new_appointment'", "'citizen'", "'zalo'", "'0912345678'", a.issuing_agency_id, a.dossier_id, a.id, i % 10 === 0 ? "'permanent-failure'" : "'sent'", "'{}'", at, at, at + 60_000, 1, at + 1000].join(',')})`);
    });
    const noticeColumns = ['business_key', 'kind', 'audience', 'channel', 'recipient', 'agency_id', 'dossier_id', 'apology_id', 'status', 'payload', 'not_before', 'created_at', 'updated_at', 'attempts', 'sent_at'];
    await insertRows(b.db, 'notices', noticeColumns, notices);
    const failed = (await b.db('notices').where('status', 'permanent-failure').select('id', 'apology_id', 'agency_id', 'dossier_id', 'created_at')) as Record<string, number>[];
    await insertRows(
      b.db,
      'notices',
      [...noticeColumns.slice(0, -1), 'fallback_of'],
      failed.map((n) => `(${[sqlText(`apology:${n.apology_id}:print:counter`), "'new_appointment'", "'citizen'", "'print'", "''", n.agency_id, n.dossier_id, n.apology_id, "'created'", "'{}'", n.created_at, n.created_at, n.created_at, 0, n.id].join(',')})`),
    );
    await b.db('notices').where('status', 'permanent-failure').update({ sent_at: null });
    const sent = (await b.db('notices').where('status', 'sent').select('id', 'sent_at')) as Record<string, number>[];
    const deliveries: FakeDelivery[] = sent.map((n) => ({ provider: 'zalo', key: String(n.id), recipient: '0912345678', realAt: Number(n.sent_at), outcome: 'accepted' }));
    await analyze(b.db);
    log(`[${b.label} replay-audit] setup ${seconds(started).toFixed(1)} s: ${rows.toLocaleString('en')} dossiers, ${issued.length.toLocaleString('en')} apologies, ${deliveries.length.toLocaleString('en')} deliveries`);

    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    const audit = await auditReplay({
      db: b.db,
      deliveries,
      params: DEFAULT_REPLAY_PARAMS,
      run: { startedRealMs: 0, endedRealMs: 1, virtualStart: FROM, virtualEnd: END, kills: [], dbOutages: [], processes: [] },
    });
    const wall = seconds(t);
    const used = process.cpuUsage(cpu);
    const broken = brokenPromises(audit);
    if (broken.length) throw new Error(`the bench's year should keep every promise:\n${broken.join('\n')}`);
    if (audit.dossiers.apologisedBefore + audit.dossiers.apologisedAfter !== issued.length) throw new Error('the audit should count every apology the bench issued');
    log(`[${b.label} replay-audit] audit ${wall.toFixed(2)} s (CPU ${((used.user + used.system) / 1e6).toFixed(2)} s of this process)`);
    return { rows, apologies: issued.length, audit_s: round(wall), audit_cpu_s: round((used.user + used.system) / 1e6) };
  } finally {
    await b.close();
  }
}

export async function benchReplayAudit(options: { rows?: number } = {}): Promise<Result> {
  const rows = options.rows ?? (Number(process.env.BENCH_ROWS) || 700_000);
  const out: Result = await runOn('sqlite', rows);
  const pgUrl = process.env.BENCH_PG_URL;
  if (pgUrl) {
    for (const [k, v] of Object.entries(await runOn('pg', rows, pgUrl))) out[`pg_${k}`] = v;
  }
  return out;
}

if (require.main === module) {
  benchReplayAudit().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
