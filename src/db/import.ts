import type { Db } from './connection';
import { dossierToRow, dueInForceAfter, type Dossier, type DossierEvent, type NewDossier } from './dossiers';

/** What an import needs to know about a dossier that is already registered. */
export type ExistingDossier = Pick<
  Dossier,
  | 'id' | 'code' | 'procedureId' | 'receivingAgencyId' | 'decidingAgencyId' | 'acceptedAt' | 'state' | 'currentDueAt' | 'applicantKind'
  | 'applicantName' | 'phone' | 'email' | 'address' | 'consentZalo' | 'consentEmail' | 'consentSms' | 'channel' | 'submittedAt'
>;

const LOOKUPS_PER_STATEMENT = 900;

/** Bound parameters per statement: the sqlite3 module is built with SQLite's historical 999. */
function maxParameters(db: Db): number {
  return db.client.config.client === 'pg' ? 30_000 : 999;
}

/** Multi-row INSERT … VALUES statements, as many rows in each as the parameter limit allows. */
async function insertAll(db: Db, table: string, rows: Record<string, unknown>[], returning = ''): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  if (!rows.length) return out;
  const perStatement = Math.max(1, Math.floor(maxParameters(db) / Object.keys(rows[0]).length));
  for (let i = 0; i < rows.length; i += perStatement) {
    const { sql, bindings } = insertValues(table, rows.slice(i, i + perStatement), returning);
    out.push(...rowsOf(await db.raw(sql, bindings as never[])));
  }
  return out;
}

/** One multi-row INSERT … VALUES with bound parameters, the same on SQLite and PostgreSQL. */
function insertValues(table: string, rows: Record<string, unknown>[], returning = ''): { sql: string; bindings: unknown[] } {
  const columns = Object.keys(rows[0]);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return {
    sql: `insert into ${table} (${columns.join(', ')}) values ${rows.map(() => tuple).join(', ')}${returning ? ` returning ${returning}` : ''}`,
    bindings: rows.flatMap((r) => columns.map((c) => r[c] ?? null)),
  };
}

/** Bulk writes of the import: many rows per statement, inside the caller's transaction. */
export class ImportRepository {
  constructor(private readonly db: Db) {}

  async existing(codes: string[], db: Db = this.db): Promise<Map<string, ExistingDossier>> {
    const out = new Map<string, ExistingDossier>();
    for (let i = 0; i < codes.length; i += LOOKUPS_PER_STATEMENT) {
      const rows = await db('dossiers')
        .whereIn('code', codes.slice(i, i + LOOKUPS_PER_STATEMENT))
        .select(
          'id', 'code', 'procedure_id', 'receiving_agency_id', 'deciding_agency_id', 'accepted_at', 'state', 'current_due_at', 'applicant_kind',
          'applicant_name', 'phone', 'email', 'address', 'consent_zalo', 'consent_email', 'consent_sms', 'channel', 'submitted_at',
        );
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
  async insertDossiers(dossiers: NewDossier[], now: number, db: Db): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const rows = dossiers.map((d) => ({ ...dossierToRow(d), created_at: now, updated_at: now }));
    for (const r of await insertAll(db, 'dossiers', rows, 'id, code')) ids.set(String(r.code), Number(r.id));
    return ids;
  }

  async insertEvents(events: Omit<DossierEvent, 'id'>[], db: Db): Promise<void> {
    const rows = events.map((e) => ({
      dossier_id: e.dossierId,
      kind: e.kind,
      occurred_at: e.occurredAt,
      recorded_at: e.recordedAt,
      actor: e.actor,
      data: JSON.stringify(e.data),
      note: e.note,
      due_at: dueInForceAfter(e.kind, e.data),
    }));
    await insertAll(db, 'dossier_events', rows);
  }
}

/** knex.raw answers { rows } on PostgreSQL and the rows themselves on SQLite. */
function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return (result as { rows?: Record<string, unknown>[] }).rows ?? [];
}
