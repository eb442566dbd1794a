import { isPostgres, rowsOf, type Db } from './connection';
import { dossierToRow, dueInForceAfter, type Dossier, type DossierEvent, type NewDossier } from './dossiers';

/** What an import needs to know about a dossier that is already registered. */
export type ExistingDossier = Pick<
  Dossier,
  | 'id' | 'code' | 'procedureId' | 'receivingAgencyId' | 'decidingAgencyId' | 'acceptedAt' | 'state' | 'currentDueAt' | 'applicantKind'
  | 'applicantName' | 'phone' | 'email' | 'address' | 'consentZalo' | 'consentEmail' | 'consentSms' | 'channel' | 'submittedAt'
>;

const LOOKUPS_PER_STATEMENT = 900;

/**
 * Bound parameters per statement. The SQLite bundled with the `sqlite3` module (3.32+) allows
 * 32,766 (SQLITE_MAX_VARIABLE_NUMBER), PostgreSQL 65,535: about a thousand dossiers or four
 * thousand events per INSERT on both.
 */
const MAX_PARAMETERS = 32_000;

/** The driver's own connection behind a knex transaction (SQLite), to skip knex's per-binding formatting. */
interface SqliteConnection {
  all(sql: string, bindings: unknown[], cb: (err: Error | null, rows: Record<string, unknown>[]) => void): void;
}

async function query(db: Db, sql: string, bindings: unknown[]): Promise<Record<string, unknown>[]> {
  if (isPostgres(db)) return rowsOf(await db.raw(sql, bindings as never[]));
  const conn = (await db.client.acquireConnection()) as SqliteConnection;
  try {
    return await new Promise((resolve, reject) => conn.all(sql, bindings, (err, rows) => (err ? reject(err) : resolve(rows))));
  } finally {
    // Inside a transaction this keeps the transaction's connection; outside it returns it to the pool.
    if (!db.isTransaction) await db.client.releaseConnection(conn);
  }
}

/**
 * Inserts rows (arrays of values in `columns` order), answering the `returning` columns.
 *
 * SQLite: one statement per call with one bound parameter, the rows as a JSON array that SQLite
 * expands itself (json_each). Binding values one by one costs the `sqlite3` module about a
 * microsecond each on the JavaScript thread — with 34 columns that was the import's largest cost —
 * while JSON.stringify and SQLite's JSON reader are native. Values keep their types: numbers are
 * integers (epoch milliseconds stay below 2^53), strings text, null NULL, booleans 1 / 0.
 *
 * PostgreSQL: multi-row INSERT … VALUES with bound parameters, as many rows as its limit allows.
 */
async function insertAll(db: Db, table: string, columns: string[], rows: unknown[][], returning = ''): Promise<Record<string, unknown>[]> {
  if (!rows.length) return [];
  const ret = returning ? ` returning ${returning}` : '';
  // A column with the same number (or null) on every row is written as a literal, not read per row
  // (creation instants, deadline version, the representative's empty fields…). Never a string.
  const literal: (string | null)[] = columns.map((_, c) => {
    const v = rows[0][c] ?? null;
    if (v !== null && !(typeof v === 'number' && Number.isFinite(v)) && typeof v !== 'boolean') return null;
    for (const r of rows) if ((r[c] ?? null) !== v) return null;
    return v === null ? 'null' : String(v);
  });
  const bound = columns.map((_, c) => c).filter((c) => literal[c] === null);
  const boundRows = bound.length === columns.length ? rows : rows.map((r) => bound.map((c) => r[c]));
  if (!isPostgres(db)) {
    let k = 0;
    const values = columns.map((_, c) => literal[c] ?? `value ->> ${k++}`);
    const sql = `insert into ${table} (${columns.join(', ')}) select ${values.join(', ')} from json_each(?) where true${ret}`;
    return query(db, sql, [JSON.stringify(boundRows)]);
  }
  const out: Record<string, unknown>[] = [];
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, bound.length)));
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = boundRows.slice(i, i + perStatement);
    const tuple = `(${columns.map((_, c) => literal[c] ?? '?').join(', ')})`;
    const sql = `insert into ${table} (${columns.join(', ')}) values ${chunk.map(() => tuple).join(', ')}${ret}`;
    const bindings: unknown[] = [];
    for (const r of chunk) for (const v of r) bindings.push(v ?? null);
    for (const r of await query(db, sql, bindings)) out.push(r);
  }
  return out;
}

/** Bulk writes of the import: many rows per statement, inside the caller's transaction. */
export class ImportRepository {
  constructor(private readonly db: Db) {}

  /**
   * Runs an import with a larger SQLite page cache (256 MB instead of 2 MB), restored afterwards:
   * a million new dossiers touch six indexes at random places, and with the default cache
   * most index pages are written out and read back for every batch. Nothing changes on PostgreSQL.
   */
  async withLargeCache<T>(fn: () => Promise<T>): Promise<T> {
    if (isPostgres(this.db)) return fn();
    const before = rowsOf(await this.db.raw('pragma cache_size'))[0]?.cache_size ?? -2000;
    await this.db.raw('pragma cache_size = -262144');
    try {
      return await fn();
    } finally {
      await this.db.raw(`pragma cache_size = ${Number(before)}`);
    }
  }

  async existing(codes: string[]): Promise<Map<string, ExistingDossier>> {
    const out = new Map<string, ExistingDossier>();
    const columns = [
      'id', 'code', 'procedure_id', 'receiving_agency_id', 'deciding_agency_id', 'accepted_at', 'state', 'current_due_at', 'applicant_kind',
      'applicant_name', 'phone', 'email', 'address', 'consent_zalo', 'consent_email', 'consent_sms', 'channel', 'submitted_at',
    ];
    const sqlite = !isPostgres(this.db);
    // SQLite: the whole batch's codes in one statement, as one JSON parameter.
    const step = sqlite ? Math.max(1, codes.length) : LOOKUPS_PER_STATEMENT;
    for (let i = 0; i < codes.length; i += step) {
      const rows = sqlite
        ? await query(this.db, `select ${columns.join(', ')} from dossiers where code in (select value from json_each(?))`, [JSON.stringify(codes.slice(i, i + step))])
        : await this.db('dossiers').whereIn('code', codes.slice(i, i + step)).select(columns);
      for (const r of rows as Record<string, unknown>[]) {
        out.set(String(r.code), {
          id: Number(r.id),
          code: String(r.code),
          procedureId: Number(r.procedure_id),
          receivingAgencyId: Number(r.receiving_agency_id),
          decidingAgencyId: Number(r.deciding_agency_id),
          acceptedAt: Number(r.accepted_at),
          state: r.state as Dossier['state'],
          currentDueAt: r.current_due_at === null ? null : Number(r.current_due_at),
          applicantKind: r.applicant_kind as Dossier['applicantKind'],
          applicantName: String(r.applicant_name),
          phone: (r.phone as string | null) ?? null,
          email: (r.email as string | null) ?? null,
          address: (r.address as string | null) ?? null,
          consentZalo: Boolean(r.consent_zalo),
          consentEmail: Boolean(r.consent_email),
          consentSms: Boolean(r.consent_sms),
          channel: r.channel as Dossier['channel'],
          submittedAt: r.submitted_at === null ? null : Number(r.submitted_at),
        });
      }
    }
    return out;
  }

  /** Inserts the dossiers and answers their ids by code. */
  async insertDossiers(dossiers: NewDossier[], now: number): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    if (!dossiers.length) return ids;
    // Every NewDossier has the same fields: map them to columns once, then read each row in that order.
    const fields = (Object.keys(dossiers[0]) as (keyof NewDossier)[]).filter((f) => dossiers[0][f] !== undefined);
    const columns = [...fields.map((f) => Object.keys(dossierToRow({ [f]: dossiers[0][f] } as Partial<NewDossier>))[0]), 'created_at', 'updated_at'];
    const rows = dossiers.map((d) => {
      const row: unknown[] = fields.map((f) => d[f]);
      row.push(now, now);
      return row;
    });
    for (const r of await insertAll(this.db, 'dossiers', columns, rows, 'id, code')) ids.set(String(r.code), Number(r.id));
    return ids;
  }

  async insertEvents(events: Omit<DossierEvent, 'id'>[]): Promise<void> {
    const columns = ['dossier_id', 'kind', 'occurred_at', 'recorded_at', 'actor', 'data', 'note', 'due_at'];
    const rows = events.map((e) => [e.dossierId, e.kind, e.occurredAt, e.recordedAt, e.actor, JSON.stringify(e.data), e.note, dueInForceAfter(e.kind, e.data)]);
    await insertAll(this.db, 'dossier_events', columns, rows);
  }
}
