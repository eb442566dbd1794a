import { visibleToAgencies } from './scope';
import { isPostgres, requireTransaction, type Db } from './connection';
import { found } from '../errors';
import type { Dossier } from './dossiers';
import type { LetterForm } from '../domain/apology';

/** What the citizen's page needs of an apology's dossier. */
export type CitizenDossier = Pick<Dossier, 'code' | 'procedureId' | 'receivingAgencyId' | 'closedAt' | 'applicantKind'>;

export type ApologyStatus = 'draft' | 'issued' | 'cancelled';
export type ApologyOrigin = 'officer' | 'watcher';

export interface Apology {
  id: number;
  dossierId: number;
  deadlineVersion: number;
  status: ApologyStatus;
  origin: ApologyOrigin;
  reason: string;
  responsibleUnit: string;
  dueBefore: number;
  newDueAt: number;
  signerName: string;
  signerTitle: string;
  signerOnBehalf: string | null;
  issuingAgencyId: number;
  draftedBy: string;
  draftedAt: number;
  approvedBy: string | null;
  issuedAt: number | null;
  late: boolean | null;
  letterYear: number | null;
  letterSeq: number | null;
  letterNumber: string | null;
  recipientName: string;
  toRepresentative: boolean;
  form: LetterForm;
  templateVersion: string | null;
  contentHash: string | null;
  hasPdf: boolean;
  citizenToken: string;
  cancelledBy: string | null;
  cancelledAt: number | null;
  cancelReason: string | null;
  /** When the citizen pressed "Tôi đã nhận được thông báo" on their page. */
  acknowledgedAt: number | null;
  /** Set while a leader has handed the draft back to its drafter; cleared when it is revised. */
  returnedAt: number | null;
  returnedBy: string | null;
  returnNote: string | null;
  createdAt: number;
  updatedAt: number;
}

export type NewApology = Pick<
  Apology,
  | 'dossierId'
  | 'deadlineVersion'
  | 'origin'
  | 'reason'
  | 'responsibleUnit'
  | 'dueBefore'
  | 'newDueAt'
  | 'signerName'
  | 'signerTitle'
  | 'signerOnBehalf'
  | 'issuingAgencyId'
  | 'draftedBy'
  | 'recipientName'
  | 'toRepresentative'
  | 'form'
  | 'citizenToken'
>;

export interface ApologyFilter {
  agencyIds?: number[];
  /** Issued by one of these agencies only (those who decide it), not merely visible to them. */
  issuingAgencyIds?: number[];
  statuses?: ApologyStatus[];
  late?: boolean;
  dossierId?: number;
  dossierIds?: number[];
  /** true: drafts a leader returned to their drafter; false: all others. */
  returned?: boolean;
  /** Newest first unless asked otherwise: a queue reads oldest first. */
  order?: 'newest' | 'oldest';
}

// Everything but the stored documents: lists never need the HTML or the PDF bytes.
const SUMMARY_COLUMNS = [
  'id', 'dossier_id', 'deadline_version', 'status', 'origin', 'reason', 'responsible_unit', 'due_before', 'new_due_at',
  'signer_name', 'signer_title', 'signer_on_behalf', 'issuing_agency_id', 'drafted_by', 'drafted_at', 'approved_by',
  'issued_at', 'late', 'letter_year', 'letter_seq', 'letter_number', 'recipient_name', 'to_representative', 'form',
  'template_version', 'content_hash', 'citizen_token', 'cancelled_by', 'cancelled_at', 'cancel_reason', 'acknowledged_at',
  'returned_at', 'returned_by', 'return_note', 'created_at', 'updated_at',
];

/** Whether the apology (table alias `a`) has its PDF stored. */
const HAS_PDF = (a: string): string => `exists (select 1 from apology_documents d where d.apology_id = ${a}.id and d.pdf is not null)`;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function fromRow(r: Record<string, unknown>, hasPdf: boolean): Apology {
  return {
    id: Number(r.id),
    dossierId: Number(r.dossier_id),
    deadlineVersion: Number(r.deadline_version),
    status: r.status as ApologyStatus,
    origin: r.origin as ApologyOrigin,
    reason: String(r.reason),
    responsibleUnit: String(r.responsible_unit),
    dueBefore: Number(r.due_before),
    newDueAt: Number(r.new_due_at),
    signerName: String(r.signer_name),
    signerTitle: String(r.signer_title),
    signerOnBehalf: (r.signer_on_behalf as string | null) ?? null,
    issuingAgencyId: Number(r.issuing_agency_id),
    draftedBy: String(r.drafted_by),
    draftedAt: Number(r.drafted_at),
    approvedBy: (r.approved_by as string | null) ?? null,
    issuedAt: num(r.issued_at),
    late: r.late === null || r.late === undefined ? null : Boolean(r.late),
    letterYear: num(r.letter_year),
    letterSeq: num(r.letter_seq),
    letterNumber: (r.letter_number as string | null) ?? null,
    recipientName: String(r.recipient_name),
    toRepresentative: Boolean(r.to_representative),
    form: r.form as LetterForm,
    templateVersion: (r.template_version as string | null) ?? null,
    contentHash: (r.content_hash as string | null) ?? null,
    hasPdf,
    citizenToken: String(r.citizen_token),
    cancelledBy: (r.cancelled_by as string | null) ?? null,
    cancelledAt: num(r.cancelled_at),
    cancelReason: (r.cancel_reason as string | null) ?? null,
    acknowledgedAt: num(r.acknowledged_at),
    returnedAt: num(r.returned_at),
    returnedBy: (r.returned_by as string | null) ?? null,
    returnNote: (r.return_note as string | null) ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export class ApologyRepository {
  constructor(private readonly db: Db) {}

  private select() {
    return this.db('apologies').select(SUMMARY_COLUMNS).select(this.db.raw(`case when ${HAS_PDF('apologies')} then 1 else 0 end as has_pdf`));
  }

  private map(rows: Record<string, unknown>[]): Apology[] {
    return rows.map((r) => fromRow(r, Number(r.has_pdf) === 1));
  }

  async insert(a: NewApology, now: number): Promise<Apology> {
    const [row] = await this.db('apologies')
      .insert({
        dossier_id: a.dossierId,
        deadline_version: a.deadlineVersion,
        active_version: a.deadlineVersion,
        status: 'draft',
        origin: a.origin,
        reason: a.reason,
        responsible_unit: a.responsibleUnit,
        due_before: a.dueBefore,
        new_due_at: a.newDueAt,
        signer_name: a.signerName,
        signer_title: a.signerTitle,
        signer_on_behalf: a.signerOnBehalf,
        issuing_agency_id: a.issuingAgencyId,
        drafted_by: a.draftedBy,
        drafted_at: now,
        recipient_name: a.recipientName,
        to_representative: a.toRepresentative,
        form: a.form,
        citizen_token: a.citizenToken,
        created_at: now,
        updated_at: now,
      })
      .returning('id');
    const id = typeof row === 'object' ? Number((row as { id: number }).id) : Number(row);
    return this.get(id);
  }

  /** To lock an apology, use `lockWithDossier`: it keeps the one lock order. */
  async byId(id: number, forUpdate = false): Promise<Apology | null> {
    const q = this.select().where({ id }).first();
    if (forUpdate && isPostgres(this.db)) q.forUpdate();
    const row = await q;
    return row ? this.map([row])[0] : null;
  }

  /**
   * The apology locked for a change (PostgreSQL), its dossier locked before it.
   *
   * Every path that locks both a dossier and its apologies takes them in one order: the dossier
   * first, then its apologies, then the agency's letter register (letter_sequences). Closing a
   * dossier locks the dossier and then cancels its drafts; issuing, approving, cancelling or
   * revising a letter changes the dossier too (its due date, its history). Were one of them to
   * lock the apology first, each could hold the row the other waits for, and PostgreSQL would
   * abort one as a deadlock (40P01) — a 500 for the officer. In one order the second simply
   * waits for the first to commit and then sees its outcome: the letter issued before the close,
   * or the draft cancelled by it. The dossier's id is read unlocked: an apology never changes
   * dossier.
   */
  async lockWithDossier(id: number): Promise<Apology | null> {
    requireTransaction(this.db, 'Locking an apology');
    if (isPostgres(this.db)) {
      await this.db('dossiers').whereIn('id', this.db('apologies').select('dossier_id').where({ id })).forUpdate().select('id');
    }
    return this.byId(id, true);
  }

  /** `byId` for a letter that must exist (just written, or a foreign key points at it). */
  async get(id: number, forUpdate = false): Promise<Apology> {
    return found(await this.byId(id, forUpdate), `Không có thư xin lỗi số ${id}`);
  }

  async byCitizenToken(token: string): Promise<Apology | null> {
    const row = await this.select().where({ citizen_token: token }).first();
    return row ? this.map([row])[0] : null;
  }

  /**
   * The citizen's page in one read: the apology behind a token with what it shows of the dossier
   * (its code, procedure, where to collect the result, and when it was closed, for link expiry).
   */
  async withDossierByCitizenToken(token: string): Promise<{ apology: Apology; dossier: CitizenDossier } | null> {
    const row = await this.db('apologies as a')
      .join('dossiers as d', 'd.id', 'a.dossier_id')
      .select(SUMMARY_COLUMNS.map((c) => `a.${c}`))
      .select(this.db.raw(`case when ${HAS_PDF('a')} then 1 else 0 end as has_pdf`))
      .select({ d_code: 'd.code', d_procedure_id: 'd.procedure_id', d_receiving_agency_id: 'd.receiving_agency_id', d_closed_at: 'd.closed_at', d_applicant_kind: 'd.applicant_kind' })
      .where('a.citizen_token', token)
      .first();
    if (!row) return null;
    return {
      apology: fromRow(row, Number(row.has_pdf) === 1),
      dossier: {
        code: String(row.d_code),
        procedureId: Number(row.d_procedure_id),
        receivingAgencyId: Number(row.d_receiving_agency_id),
        closedAt: num(row.d_closed_at),
        applicantKind: row.d_applicant_kind as CitizenDossier['applicantKind'],
      },
    };
  }

  async activeFor(dossierId: number, deadlineVersion: number): Promise<Apology | null> {
    const row = await this.select().where({ dossier_id: dossierId, active_version: deadlineVersion }).first();
    return row ? this.map([row])[0] : null;
  }

  async list(f: ApologyFilter, limit: number, offset: number): Promise<{ items: Apology[]; total: number }> {
    const where = (q: ReturnType<Db>) => {
      if (f.agencyIds) visibleToAgencies(q, 'issuing_agency_id', 'dossier_id', f.agencyIds);
      if (f.statuses?.length) q.whereIn('status', f.statuses);
      if (f.late !== undefined) q.where('late', f.late);
      if (f.dossierId !== undefined) q.where('dossier_id', f.dossierId);
      if (f.dossierIds) q.whereIn('dossier_id', f.dossierIds.length ? f.dossierIds : [-1]);
      if (f.issuingAgencyIds) q.whereIn('issuing_agency_id', f.issuingAgencyIds.length ? f.issuingAgencyIds : [-1]);
      if (f.returned !== undefined) q[f.returned ? 'whereNotNull' : 'whereNull']('returned_at');
      return q;
    };
    const [rows, count] = await Promise.all([
      where(this.select()).orderBy('id', f.order === 'oldest' ? 'asc' : 'desc').limit(limit).offset(offset),
      where(this.db('apologies')).count({ n: '*' }).first(),
    ]);
    return { items: this.map(rows), total: Number((count as { n?: number | string } | undefined)?.n ?? 0) };
  }

  async markIssued(
    id: number,
    fields: Pick<Apology, 'approvedBy' | 'issuedAt' | 'late' | 'letterYear' | 'letterSeq' | 'letterNumber' | 'templateVersion' | 'contentHash'> & { html: string },
    now: number,
  ): Promise<void> {
    await this.db('apologies').where({ id }).update({
      status: 'issued',
      approved_by: fields.approvedBy,
      issued_at: fields.issuedAt,
      late: fields.late,
      letter_year: fields.letterYear,
      letter_seq: fields.letterSeq,
      letter_number: fields.letterNumber,
      template_version: fields.templateVersion,
      content_hash: fields.contentHash,
      updated_at: now,
    });
    await this.db('apology_documents').insert({ apology_id: id, html: fields.html });
  }

  /** Which of these dossiers have a draft (one read for a batch, where most have none). */
  async dossiersWithDrafts(dossierIds: number[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (let i = 0; i < dossierIds.length; i += 500) {
      const rows = await this.db('apologies').distinct('dossier_id').whereIn('dossier_id', dossierIds.slice(i, i + 500)).where({ status: 'draft' });
      for (const r of rows as { dossier_id: number }[]) out.add(Number(r.dossier_id));
    }
    return out;
  }

  /** Cancels drafts; returns how many. `dossierId` alone cancels every draft of that dossier. */
  async cancelDrafts(where: { id?: number; dossierId?: number }, by: string, reason: string, now: number): Promise<number> {
    const q = this.db('apologies').where({ status: 'draft' });
    if (where.id !== undefined) q.where({ id: where.id });
    if (where.dossierId !== undefined) q.where({ dossier_id: where.dossierId });
    return q.update({ status: 'cancelled', active_version: null, cancelled_by: by, cancelled_at: now, cancel_reason: reason, updated_at: now });
  }

  /**
   * A draft's reserved number that could not go back to the register (a later one was taken):
   * kept on the letter, cancelled, as a void entry of the register, so the register has no gap.
   */
  async recordVoidNumber(id: number, r: { year: number; seq: number; number: string }): Promise<void> {
    await this.db('apologies').where({ id, status: 'draft' }).update({ letter_year: r.year, letter_seq: r.seq, letter_number: r.number });
  }

  /** A draft's reason and new date changed before approval; a returned draft goes back to its approvers. */
  async revise(id: number, fields: Pick<Apology, 'reason' | 'newDueAt'>, now: number): Promise<boolean> {
    const changed = await this.db('apologies')
      .where({ id, status: 'draft' })
      .update({ reason: fields.reason, new_due_at: fields.newDueAt, returned_at: null, returned_by: null, return_note: null, updated_at: now });
    return changed === 1;
  }

  /** A draft handed back to its drafter with the leader's comment; false when it is no longer a draft waiting for approval. */
  async markReturned(id: number, by: string, note: string, now: number): Promise<boolean> {
    const changed = await this.db('apologies').where({ id, status: 'draft' }).whereNull('returned_at').update({ returned_at: now, returned_by: by, return_note: note, updated_at: now });
    return changed === 1;
  }

  /**
   * Records the citizen's acknowledgement unless one is already recorded; true when this call
   * recorded it. The condition in the UPDATE makes "once" hold under concurrent presses too.
   */
  async markAcknowledged(id: number, at: number): Promise<boolean> {
    const changed = await this.db('apologies').where({ id, status: 'issued' }).whereNull('acknowledged_at').update({ acknowledged_at: at, updated_at: at });
    return changed === 1;
  }

  async html(id: number): Promise<string | null> {
    const row = await this.db('apology_documents').select('html').where({ apology_id: id }).first();
    return (row?.html as string | null) ?? null;
  }

  async pdf(id: number): Promise<Buffer | null> {
    const row = await this.db('apology_documents').select('pdf').where({ apology_id: id }).first();
    return row?.pdf ? Buffer.from(row.pdf as Uint8Array) : null;
  }

  /** The letters' numbers and stored PDFs in one read, for the e-mails of a batch of apologies. */
  async letterPdfs(ids: number[]): Promise<Map<number, { letterNumber: string | null; pdf: Buffer | null }>> {
    const rows = ids.length
      ? await this.db('apologies as a').leftJoin('apology_documents as d', 'd.apology_id', 'a.id').select('a.id', 'a.letter_number', 'd.pdf').whereIn('a.id', ids)
      : [];
    return new Map(
      rows.map((r: { id: number | string; letter_number: string | null; pdf: Uint8Array | null }) => [
        Number(r.id),
        { letterNumber: r.letter_number ?? null, pdf: r.pdf ? Buffer.from(r.pdf.buffer, r.pdf.byteOffset, r.pdf.byteLength) : null },
      ]),
    );
  }

  /** Stores the PDF once: the first render is the one the citizen receives, later ones are discarded. */
  async storePdf(id: number, pdf: Buffer, now: number): Promise<void> {
    await this.db('apology_documents').where({ apology_id: id }).whereNull('pdf').update({ pdf });
    await this.db('apologies').where({ id }).update({ updated_at: now });
  }

  /** Issued letters still without a PDF, in id order after `afterId`. */
  async issuedWithoutPdf(afterId: number, limit: number): Promise<number[]> {
    const rows = await this.db('apologies as a')
      .leftJoin('apology_documents as d', 'd.apology_id', 'a.id')
      .select('a.id')
      .where('a.status', 'issued')
      .where('a.id', '>', afterId)
      .whereNull('d.pdf')
      .orderBy('a.id')
      .limit(limit);
    return rows.map((r: { id: number }) => Number(r.id));
  }

  /**
   * The next letter number of an agency's year. The upsert both creates the year's counter and
   * increments it under the row lock, inside the issuing transaction: a rolled-back issue gives
   * its number back, so numbers have no gaps and are never reused.
   */
  async nextLetterSeq(agencyId: number, year: number): Promise<number> {
    requireTransaction(this.db, 'Taking a letter number');
    const [row] = await this.db('letter_sequences')
      .insert({ agency_id: agencyId, year, last_seq: 1 })
      .onConflict(['agency_id', 'year'])
      .merge({ last_seq: this.db.raw('?? + 1', ['letter_sequences.last_seq']) })
      .returning('last_seq');
    return Number(typeof row === 'object' ? (row as { last_seq: number }).last_seq : row);
  }

  /**
   * Gives a reserved number back to the register, only if it is still the last one taken (no
   * later number exists, so no gap opens); false otherwise.
   */
  async releaseLetterSeq(agencyId: number, year: number, seq: number): Promise<boolean> {
    requireTransaction(this.db, 'Releasing a letter number');
    const n = await this.db('letter_sequences').where({ agency_id: agencyId, year, last_seq: seq }).update({ last_seq: seq - 1 });
    return n > 0;
  }
}

export interface Escalation {
  id: number;
  dossierId: number;
  dossierCode: string;
  agencyCode: string;
  deadlineVersion: number;
  agencyId: number;
  kind: 'second_slip';
  dueAt: number;
  createdAt: number;
}

export class EscalationRepository {
  constructor(private readonly db: Db) {}

  /** Records the escalation once per deadline version; false when it already was. */
  async record(e: Omit<Escalation, 'id' | 'dossierCode' | 'agencyCode'>): Promise<boolean> {
    const inserted = await this.db('escalations')
      .insert({ dossier_id: e.dossierId, deadline_version: e.deadlineVersion, agency_id: e.agencyId, kind: e.kind, due_at: e.dueAt, created_at: e.createdAt })
      .onConflict(['dossier_id', 'deadline_version'])
      .ignore()
      .returning('id');
    return inserted.length > 0;
  }

  async list(agencyIds: number[] | null, limit: number): Promise<Escalation[]> {
    const q = this.db('escalations as e')
      .join('dossiers as d', 'd.id', 'e.dossier_id')
      .join('agencies as a', 'a.id', 'e.agency_id')
      .select('e.*', 'd.code as dossier_code', 'a.code as agency_code')
      .orderBy('e.id', 'desc')
      .limit(limit);
    if (agencyIds) q.whereIn('e.agency_id', agencyIds.length ? agencyIds : [-1]);
    return (await q).map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      dossierId: Number(r.dossier_id),
      dossierCode: String(r.dossier_code),
      agencyCode: String(r.agency_code),
      deadlineVersion: Number(r.deadline_version),
      agencyId: Number(r.agency_id),
      kind: r.kind as 'second_slip',
      dueAt: Number(r.due_at),
      createdAt: Number(r.created_at),
    }));
  }
}
