import type { Knex } from 'knex';
import { isPostgres, requireTransaction, type Db } from './connection';
import { dossierFromRow, type Dossier } from './dossiers';
import { WAITING_FOR_OFFICE } from '../domain/office-hours';

const OPEN = ['received', 'processing'];

export interface AtRiskRow {
  dossier: Dossier;
  apologyId: number | null;
  apologyStatus: 'draft' | 'issued' | null;
  /**
   * When a draft started waiting for a signature ("chờ ký số"), else null: since the leader's
   * approval for the leader's, since the leader signed for the agency's that keeps failing.
   */
  signatureWaitingSince: number | null;
  signatureWaitingFor: SignatureLayer | null;
  /** The fault last recorded while making the awaited signature (the poller retries), else null. */
  signatureProblem: string | null;
  escalated: boolean;
}

/** Whose signature a letter waits for: the approving leader's, or the agency's at issuance. */
export type SignatureLayer = 'leader' | 'agency';

/** A letter approved by its leader and still waiting for a signature. */
export interface WaitingSignature {
  apologyId: number;
  agencyId: number;
  dossierCode: string;
  dueAt: number;
  approvedAt: number;
  approvedBy: string;
  /** The approving leader's own address, if their account has one. */
  approverEmail: string | null;
  waitingFor: SignatureLayer;
  waitingSince: number;
  /** Why the agency's signature failed last (the poller retries), for the agency layer. */
  problem: string | null;
}

/** The leader's signature has been asked for and has not arrived (see services/signing/letters.ts). */
const LEADER_WAITING = 'leader-waiting';
/**
 * The leader signed but issuing failed on the agency's signature (a message is recorded and the
 * poller retries); without a message the letter is merely being issued.
 */
const AGENCY_FAILING = 'leader-signed';
/** The agency's remote signature has been asked for (its number reserved) and has not arrived. */
const AGENCY_WAITING = 'agency-waiting';

const waitingColumns = (db: Db) =>
  db.raw(
    `case when ls.state = ? then 'leader' else 'agency' end as waiting_for, case when ls.state = ? then ls.approved_at else ls.leader_signed_at end as waiting_since, ls.message as signature_message`,
    [LEADER_WAITING, LEADER_WAITING],
  );

/**
 * When the signature the letter waits for was last asked for (a remote request sent, an external
 * signer told): a request that waited for the office to open went out later than the approval,
 * and the signer's wait starts then.
 */
const requestedColumn = (db: Db) =>
  db.raw(
    `(select max(e.at) from signing_events e where e.apology_id = ls.apology_id and e.outcome = 'requested' and e.layer = case when ls.state = ? then 'leader' else 'agency' end) as requested_at`,
    [LEADER_WAITING],
  );

/** The deadline watcher's questions. */
export class WatchRepository {
  constructor(private readonly db: Db) {}

  /**
   * Open dossiers past their due instant with neither a live apology nor an escalation for
   * their current deadline version — the ones the watcher must act on — in (due, id) order after
   * `after`. Paging on (current_due_at, id) lets the dossiers_due_state index answer both the
   * range and the order instead of walking the whole table.
   */
  /**
   * Open dossiers past their deadline with no apology nor escalation for it — or, in the agencies
   * `issueDraftsOf` (auto mode), with only a draft for it that nobody has sent back nor started
   * signing (or whose signing was handed back because its new date came meanwhile): the watcher
   * issues that draft as it would its own, re-dated if need be.
   */
  async slipped(now: number, after: { dueAt: number; id: number } | null, limit: number, issueDraftsOf: number[] = []): Promise<Dossier[]> {
    const handedBackForDate = (e: Knex.QueryBuilder) => e.select(this.db.raw('1')).from('signing_events as se').whereRaw("se.apology_id = ls.apology_id and se.outcome = 'date-passed' and se.at >= ls.updated_at");
    const q = this.db('dossiers as d').select('d.*').whereIn('d.state', OPEN).where('d.current_due_at', '<', now);
    if (after) {
      q.where((w) => w.where('d.current_due_at', '>', after.dueAt).orWhere((x) => x.where('d.current_due_at', after.dueAt).where('d.id', '>', after.id)));
    }
    const rows = await q
      .whereNotExists((x) => {
        x.select(this.db.raw('1')).from('apologies as a').whereRaw('a.dossier_id = d.id and a.active_version = d.deadline_version');
        if (issueDraftsOf.length) {
          x.whereNot((y) =>
            y
              .where('a.status', 'draft')
              .whereNull('a.returned_at')
              .whereIn('a.issuing_agency_id', issueDraftsOf)
              // Never sent to sign, or handed back because its new date came while it waited: the
              // system re-dates and approves it again. A signer's refusal is the leader's to answer.
              .whereNotExists((z) => z.select(this.db.raw('1')).from('letter_signing as ls').whereRaw('ls.apology_id = a.id').whereNot((r) => r.where('ls.state', 'returned').whereExists(handedBackForDate))),
          );
        }
      })
      .whereNotExists((x) => x.select(this.db.raw('1')).from('escalations as e').whereRaw('e.dossier_id = d.id and e.deadline_version = d.deadline_version'))
      .orderBy('d.current_due_at')
      .orderBy('d.id')
      .limit(limit);
    return rows.map(dossierFromRow);
  }

  /**
   * The at-risk list: open dossiers of the given agencies due no later than each agency's
   * "due soon" threshold (overdue ones included), with any apology for the current deadline,
   * soonest due first (then by id, so that equal due instants always come in the same order).
   * `entered` keeps only those that were not on the list as it stood at `entered.at` (when the
   * thresholds were `entered.untilByAgency`): changed since, or not yet due soon then.
   */
  async atRisk(untilByAgency: Map<number, number>, limit: number, entered?: { at: number; untilByAgency: Map<number, number> }): Promise<AtRiskRow[]> {
    if (!untilByAgency.size) return [];
    const rows = await this.db('dossiers as d')
      .select('d.*', 'a.id as apology_id', 'a.status as apology_status', 'e.id as escalation_id', waitingColumns(this.db))
      .leftJoin('apologies as a', (j) => j.on('a.dossier_id', 'd.id').andOn('a.active_version', 'd.deadline_version'))
      .leftJoin('letter_signing as ls', (j) =>
        j.on('ls.apology_id', 'a.id').andOn((k) => k.onVal('ls.state', LEADER_WAITING).orOnVal('ls.state', AGENCY_WAITING).orOn((x) => x.onVal('ls.state', AGENCY_FAILING).andOnNotNull('ls.message'))),
      )
      .leftJoin('escalations as e', (j) => j.on('e.dossier_id', 'd.id').andOn('e.deadline_version', 'd.deadline_version'))
      .whereIn('d.state', OPEN)
      .whereNotNull('d.current_due_at')
      .where((w) => {
        for (const [agencyId, until] of untilByAgency) w.orWhere((x) => x.where('d.deciding_agency_id', agencyId).where('d.current_due_at', '<=', until));
      })
      .modify((q) => {
        if (!entered) return;
        q.where((w) => {
          w.where('d.updated_at', '>=', entered.at);
          for (const [agencyId, until] of entered.untilByAgency) w.orWhere((x) => x.where('d.deciding_agency_id', agencyId).where('d.current_due_at', '>', until));
        });
      })
      .orderBy('d.current_due_at')
      .orderBy('d.id')
      .limit(limit);
    return rows.map((r: Record<string, unknown>) => ({
      dossier: dossierFromRow(r),
      apologyId: r.apology_id === null ? null : Number(r.apology_id),
      apologyStatus: (r.apology_status as 'draft' | 'issued' | null) ?? null,
      ...(r.apology_status === 'draft' && r.waiting_since !== null
        ? { signatureWaitingSince: Number(r.waiting_since), signatureWaitingFor: r.waiting_for as SignatureLayer, signatureProblem: (r.signature_message as string | null) ?? null }
        : { signatureWaitingSince: null, signatureWaitingFor: null, signatureProblem: null }),
      escalated: r.escalation_id !== null,
    }));
  }

  /** Drafts still waiting for a signature (either layer), oldest approval first, with their dossier's due instant. */
  async waitingSignatures(limit: number): Promise<WaitingSignature[]> {
    const rows = await this.db('letter_signing as ls')
      .join('apologies as a', 'a.id', 'ls.apology_id')
      .join('dossiers as d', 'd.id', 'a.dossier_id')
      .leftJoin('users as u', 'u.id', 'ls.approver_user_id')
      .select('a.id as apology_id', 'a.issuing_agency_id', 'd.code', 'd.current_due_at', 'ls.approved_at', 'ls.approved_by', 'u.email as approver_email', waitingColumns(this.db), requestedColumn(this.db))
      .where((w) => w.where('ls.state', LEADER_WAITING).orWhere('ls.state', AGENCY_WAITING).orWhere((x) => x.where('ls.state', AGENCY_FAILING).whereNotNull('ls.message')))
      // A request waiting for the signer's office to open has not been sent: nobody is late yet.
      .where((w) => w.whereNull('ls.message').orWhere('ls.message', 'not like', `${WAITING_FOR_OFFICE}%`))
      .where('a.status', 'draft')
      .whereNotNull('d.current_due_at')
      .orderBy('ls.approved_at')
      .limit(limit);
    return rows.map((r: Record<string, unknown>) => ({
      apologyId: Number(r.apology_id),
      agencyId: Number(r.issuing_agency_id),
      dossierCode: String(r.code),
      dueAt: Number(r.current_due_at),
      approvedAt: Number(r.approved_at),
      approvedBy: String(r.approved_by),
      approverEmail: (r.approver_email as string | null) ?? null,
      waitingFor: r.waiting_for as SignatureLayer,
      waitingSince: Math.max(Number(r.waiting_since), Number(r.requested_at ?? 0)),
      problem: r.waiting_for === 'agency' ? ((r.signature_message as string | null) ?? null) : null,
    }));
  }

  /** Locks one dossier for the watcher, skipping it when another process holds it (PostgreSQL). */
  async lockForWatch(id: number): Promise<Dossier | null> {
    requireTransaction(this.db, 'Locking a dossier for the watcher');
    const q = this.db('dossiers').where({ id }).first();
    if (isPostgres(this.db)) q.forUpdate().skipLocked();
    const row = await q;
    return row ? dossierFromRow(row) : null;
  }
}
