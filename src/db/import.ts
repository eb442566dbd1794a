import type { Db } from './connection';
import { dossierToRow, dueInForceAfter, type Dossier, type DossierEvent, type NewDossier } from './dossiers';

/** What an import needs to know about a dossier that is already registered. */
export type ExistingDossier = Pick<
  Dossier,
  | 'id' | 'code' | 'procedureId' | 'receivingAgencyId' | 'decidingAgencyId' | 'acceptedAt' | 'state' | 'currentDueAt' | 'applicantKind'
  | 'applicantName' | 'phone' | 'email' | 'address' | 'consentZalo' | 'consentEmail' | 'consentSms' | 'channel' | 'submittedAt'
>;

// Rows per INSERT: 500 dossiers × 27 columns stays under SQLite's 32,766 bound parameters.
const DOSSIERS_PER_STATEMENT = 500;
const EVENTS_PER_STATEMENT = 2000;

/** Bulk writes of the import: many rows per statement, inside the caller's transaction. */
export class ImportRepository {
  constructor(private readonly db: Db) {}

  async existing(codes: string[], db: Db = this.db): Promise<Map<string, ExistingDossier>> {
    const out = new Map<string, ExistingDossier>();
    for (let i = 0; i < codes.length; i += DOSSIERS_PER_STATEMENT) {
      const rows = await db('dossiers')
        .whereIn('code', codes.slice(i, i + DOSSIERS_PER_STATEMENT))
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
    for (let i = 0; i < dossiers.length; i += DOSSIERS_PER_STATEMENT) {
      const rows = dossiers.slice(i, i + DOSSIERS_PER_STATEMENT).map((d) => ({ ...dossierToRow(d), created_at: now, updated_at: now }));
      const inserted = (await db('dossiers').insert(rows).returning(['id', 'code'])) as { id: number; code: string }[];
      for (const r of inserted) ids.set(r.code, Number(r.id));
    }
    return ids;
  }

  async insertEvents(events: Omit<DossierEvent, 'id'>[], db: Db): Promise<void> {
    for (let i = 0; i < events.length; i += EVENTS_PER_STATEMENT) {
      await db('dossier_events').insert(
        events.slice(i, i + EVENTS_PER_STATEMENT).map((e) => ({
          dossier_id: e.dossierId,
          kind: e.kind,
          occurred_at: e.occurredAt,
          recorded_at: e.recordedAt,
          actor: e.actor,
          data: JSON.stringify(e.data),
          note: e.note,
          due_at: dueInForceAfter(e.kind, e.data),
        })),
      );
    }
  }
}
