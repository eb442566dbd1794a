import { NOTICE_EVENTS, movableFrom, movableTo, type NoticeAudience, type NoticeEvent, type NoticeStatus, type OutcomeStatus } from '../domain/notice-lifecycle';
import { nextStep, routeOfPayload } from '../domain/notice-route';
import { visibleToAgencies } from './scope';
import { afterCommit, isPostgres, rowsOf, sqliteFileOf, type Db } from './connection';
import { OUTBOX_CHANNEL, touchWakeFile, wakeFileOf } from './outbox-wakeups';
import { currentRequestId } from '../request-context';

export type { NoticeStatus } from '../domain/notice-lifecycle';
/** 'onestop': the source system a dossier came from, told the new appointment (audience 'system'). */
export type NoticeChannel = 'zalo' | 'email' | 'sms' | 'print' | 'onestop';
/** Staff notices ('at_risk_digest', 'signature_reminder') are text-only e-mails to the agency. */
export type NoticeKind = 'new_appointment' | 'at_risk_digest' | 'signature_reminder';

/** One finished try to send a notice, and what the notice becomes. */
export interface FinishedAttempt {
  noticeId: number;
  attempt: { startedAt: number; outcome: string; errorClass: string | null; providerAnswer: string; providerMessageId: string | null };
  /**
   * True when the provider was called: `attempt.startedAt` is then the start mark written by
   * markStarted, which the notice must still carry for this outcome to apply.
   */
  calledProvider: boolean;
  /** What the notice becomes; an optional field left out keeps the notice's current value. */
  notice: { status: OutcomeStatus; lastError: string | null; notBefore?: number; sentAt?: number; deliveredAt?: number; providerMessageId?: string };
  /** The same message on the next channel, queued with this outcome (in the same transaction). */
  fallback?: NewNotice;
  /** When it finished (the notice's `updated_at`, the attempt's `finished_at`). */
  at: number;
}

/** Whether a finished attempt was recorded, and whether its fallback notice was new. */
export interface Recorded {
  held: boolean;
  fallbackQueued: boolean;
}

export interface Notice {
  id: number;
  businessKey: string;
  kind: NoticeKind;
  audience: NoticeAudience;
  channel: NoticeChannel;
  recipient: string;
  agencyId: number;
  dossierId: number | null;
  apologyId: number | null;
  status: NoticeStatus;
  payload: Record<string, unknown>;
  notBefore: number;
  attempts: number;
  claimedAt: number | null;
  firstAttemptAt: number | null;
  sentAt: number | null;
  deliveredAt: number | null;
  providerMessageId: string | null;
  lastError: string | null;
  fallbackOf: number | null;
  calledAt: number | null;
  calledBy: string | null;
  /** The HTTP request that created it (its X-Request-Id); null when a worker did. */
  requestId: string | null;
  createdAt: number;
  updatedAt: number;
}

export type NewNotice = Pick<
  Notice,
  'businessKey' | 'kind' | 'audience' | 'channel' | 'recipient' | 'agencyId' | 'dossierId' | 'apologyId' | 'payload' | 'notBefore'
> & {
  fallbackOf?: number | null;
  /** Left out: the request the caller is part of (see request-context), if any. */
  requestId?: string | null;
};

export interface Attempt {
  id: number;
  noticeId: number;
  startedAt: number;
  finishedAt: number | null;
  outcome: string | null;
  errorClass: string | null;
  providerAnswer: string | null;
  providerMessageId: string | null;
  interrupted: boolean;
}

/** The statuses a move may start from, for a `WHERE status IN (…)` guard (see the notice lifecycle). */
const FROM = Object.fromEntries(NOTICE_EVENTS.map((e) => [e, movableFrom(e)])) as Record<NoticeEvent, NoticeStatus[]>;
/** A claimed notice's status: held by the worker that claimed it. */
const HELD: NoticeStatus[] = [status('claim', 'sending')];

/** `to`, checked against the lifecycle: a move it does not list fails at once, not in the data. */
function status(event: NoticeEvent, to: NoticeStatus): NoticeStatus {
  if (!movableTo(event).includes(to)) throw new Error(`The notice lifecycle has no ${event} move to ${to}`);
  return to;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

interface StuckRow {
  id: number;
  claimed_at: number;
  attempt_started_at: number | null;
}

function fromRow(r: Record<string, unknown>): Notice {
  return {
    id: Number(r.id),
    businessKey: String(r.business_key),
    kind: r.kind as NoticeKind,
    audience: r.audience as Notice['audience'],
    channel: r.channel as NoticeChannel,
    recipient: String(r.recipient),
    agencyId: Number(r.agency_id),
    dossierId: r.dossier_id === null ? null : Number(r.dossier_id),
    apologyId: r.apology_id === null ? null : Number(r.apology_id),
    status: r.status as NoticeStatus,
    payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
    notBefore: Number(r.not_before),
    attempts: Number(r.attempts ?? 0),
    claimedAt: num(r.claimed_at),
    firstAttemptAt: num(r.first_attempt_at),
    sentAt: num(r.sent_at),
    deliveredAt: num(r.delivered_at),
    providerMessageId: (r.provider_message_id as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    fallbackOf: num(r.fallback_of),
    calledAt: num(r.called_at),
    calledBy: (r.called_by as string | null) ?? null,
    requestId: (r.request_id as string | null) ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/**
 * The same message on the next channel of the route it carries (or the counter's list); null if
 * there is none left. For the dispatcher after a failed send, and for a delivery report that
 * says the message never arrived.
 */
export function fallbackNotice(notice: Notice, now: number): NewNotice | null {
  const next = nextStep(routeOfPayload(notice.payload), notice.channel);
  if (!next) return null;
  const keyed = next.channel === 'print' ? 'counter' : next.recipient;
  return {
    businessKey: notice.apologyId !== null ? `apology:${notice.apologyId}:${next.channel}:${keyed}` : `${notice.businessKey}:${next.channel}`,
    kind: notice.kind,
    audience: notice.audience,
    channel: next.channel,
    recipient: next.recipient,
    agencyId: notice.agencyId,
    dossierId: notice.dossierId,
    apologyId: notice.apologyId,
    payload: notice.payload,
    notBefore: now,
    fallbackOf: notice.id,
    requestId: notice.requestId,
  };
}

/** The segments of the SMS a notice carries (payload.sms, see citizenNotices); null without one. */
function smsSegments(payload: Record<string, unknown>): number | null {
  const segments = (payload.sms as { segments?: unknown } | undefined)?.segments;
  return Array.isArray(segments) ? segments.length : null;
}

export class NoticeRepository {
  constructor(private readonly db: Db) {}

  /** Queues notices; a business key already queued is left as it is (never sent twice). */
  async enqueue(notices: NewNotice[], now: number): Promise<number> {
    let created = 0;
    for (const n of notices) {
      const ids = await this.db('notices')
        .insert({
          business_key: n.businessKey,
          kind: n.kind,
          audience: n.audience,
          channel: n.channel,
          recipient: n.recipient,
          agency_id: n.agencyId,
          dossier_id: n.dossierId,
          apology_id: n.apologyId,
          status: 'created',
          payload: JSON.stringify(n.payload),
          not_before: n.notBefore,
          fallback_of: n.fallbackOf ?? null,
          sms_segments: n.channel === 'sms' ? smsSegments(n.payload) : null,
          request_id: n.requestId === undefined ? currentRequestId() : n.requestId,
          created_at: now,
          updated_at: now,
        })
        .onConflict('business_key')
        .ignore()
        .returning('id');
      created += ids.length;
    }
    // In the caller's transaction, if any: the workers hear of it when the notices are committed.
    if (created) await this.wakeWorkers();
    return created;
  }

  /**
   * Tells the outbox workers listening to look for due notices now rather than at their next
   * poll (src/db/outbox-wakeups.ts), once the transaction open, if any, commits: PostgreSQL
   * delivers its notification at the commit; SQLite's wake file is touched after it.
   */
  async wakeWorkers(): Promise<void> {
    if (isPostgres(this.db)) {
      await this.db.raw(`notify ${OUTBOX_CHANNEL}`);
      return;
    }
    const file = wakeFileOf(sqliteFileOf(this.db) ?? '');
    if (file !== null) await afterCommit(this.db, () => touchWakeFile(file));
  }

  async forApology(apologyId: number): Promise<Notice[]> {
    return (await this.db('notices').where({ apology_id: apologyId }).orderBy('id')).map(fromRow);
  }

  async byId(id: number): Promise<Notice | null> {
    const row = await this.db('notices').where({ id }).first();
    return row ? fromRow(row) : null;
  }

  /** The notice a provider's report names, on that channel: by our id (the tracking id we gave), else by the provider's message id. */
  async idOnChannel(channel: NoticeChannel, ref: { id: number | null; providerMessageId: string }): Promise<number | null> {
    let row: { id: number } | undefined;
    if (ref.id !== null) row = await this.db('notices').where({ id: ref.id, channel }).first('id');
    row ??= await this.db('notices').where({ provider_message_id: ref.providerMessageId, channel }).first('id');
    return row ? Number(row.id) : null;
  }

  async list(
    where: {
      agencyIds?: number[];
      kind?: NoticeKind;
      statuses?: NoticeStatus[];
      channels?: NoticeChannel[];
      apologyId?: number;
      /** Leaves out notices still waiting whose apology the citizen has acknowledged on their page. */
      skipAcknowledgedWaiting?: boolean;
    },
    limit = 100,
    offset = 0,
  ): Promise<{ items: Notice[]; total: number }> {
    const filter = (q: ReturnType<Db>) => {
      if (where.agencyIds) visibleToAgencies(q, 'agency_id', 'dossier_id', where.agencyIds);
      if (where.kind) q.where({ kind: where.kind });
      if (where.statuses?.length) q.whereIn('status', where.statuses);
      if (where.channels?.length) q.whereIn('channel', where.channels);
      if (where.apologyId !== undefined) q.where({ apology_id: where.apologyId });
      if (where.skipAcknowledgedWaiting) {
        q.whereNot((w) =>
          w
            .where('status', 'created')
            .whereExists((sub) => sub.select(this.db.raw('1')).from('apologies').whereRaw('apologies.id = notices.apology_id').whereNotNull('apologies.acknowledged_at')),
        );
      }
      return q;
    };
    const [rows, count] = await Promise.all([
      filter(this.db('notices')).orderBy('id', 'desc').limit(limit).offset(offset),
      filter(this.db('notices')).count({ n: '*' }).first(),
    ]);
    return { items: rows.map(fromRow), total: Number((count as { n?: number | string } | undefined)?.n ?? 0) };
  }

  /** Send attempts by recorded outcome ('sent', 'delivered', 'technical-failure', 'channel-down', …). */
  async attemptsByOutcome(): Promise<Record<string, number>> {
    const rows = await this.db('notice_attempts').select('outcome').count({ n: '*' }).groupBy('outcome');
    return Object.fromEntries(rows.map((r: Record<string, unknown>) => [String(r.outcome), Number(r.n)]));
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db('notices').select('status').count({ n: '*' }).groupBy('status');
    return Object.fromEntries(rows.map((r: Record<string, unknown>) => [String(r.status), Number(r.n)]));
  }

  /**
   * What a dispatcher still has to do at `now`: notices it would claim (same filter as claimDue)
   * plus those being sent. The replay advances its clock only once this is 0.
   */
  async outstanding(opts: { now: number; channels: NoticeChannel[]; citizensAllowed: boolean }): Promise<number> {
    if (!opts.channels.length) return 0;
    const due = this.db('notices').whereIn('status', FROM.claim).where('not_before', '<=', opts.now).whereIn('channel', opts.channels);
    if (!opts.citizensAllowed) due.whereNot('audience', 'citizen');
    const [a, b] = await Promise.all([due.count({ n: '*' }).first(), this.db('notices').whereIn('status', HELD).count({ n: '*' }).first()]);
    return Number((a as { n: unknown }).n) + Number((b as { n: unknown }).n);
  }

  /**
   * Claims up to `limit` notices that are due, atomically: one UPDATE … RETURNING over a
   * sub-select, which PostgreSQL runs with FOR UPDATE SKIP LOCKED so that several workers never
   * take the same row, and SQLite runs under its single writer lock.
   */
  async claimDue(opts: {
    now: number;
    /** When the claim is made by the time the leases count (real time on a replay's virtual clock; see requeueUnleased). Default: `now`. */
    claimedAt?: number;
    limit: number;
    channels: NoticeChannel[];
    citizensAllowed: boolean;
    worker: string;
  }): Promise<Notice[]> {
    if (!opts.channels.length) return [];
    const pg = isPostgres(this.db);
    const sub = this.db('notices')
      .select('id')
      .whereIn('status', FROM.claim)
      .where('not_before', '<=', opts.now)
      .whereIn('channel', opts.channels)
      .orderBy('not_before')
      .orderBy('id')
      .limit(opts.limit);
    // The send window protects people's nights; staff and other systems are reached any time.
    if (!opts.citizensAllowed) sub.whereNot('audience', 'citizen');
    if (pg) sub.forUpdate().skipLocked();
    // SQLite: an UPDATE takes the file's one write lock even when it matches nothing, and a
    // worker looking every few milliseconds would make every other writer wait behind it. A
    // read takes no lock (WAL); the UPDATE below selects again under the lock.
    else if (!(await sub.clone().clearSelect().select('id').limit(1)).length) return [];
    const rows = await this.db('notices')
      .whereIn('id', sub)
      .update({
        status: status('claim', 'sending'),
        claimed_from: this.db.raw('status'),
        claimed_at: opts.claimedAt ?? opts.now,
        claimed_by: opts.worker,
        attempt_started_at: null,
        attempts: this.db.raw('attempts + 1'),
        first_attempt_at: this.db.raw('coalesce(first_attempt_at, ?)', [opts.now]),
        updated_at: opts.now,
      })
      .returning('*');
    return (rows as Record<string, unknown>[]).map(fromRow).sort((a, b) => a.notBefore - b.notBefore || a.id - b.id);
  }

  /**
   * Marks claimed notices as being tried, just before their provider is called: from here on a
   * dead worker's notice may have reached the provider (the sweeper flags it interrupted);
   * before, it surely has not. Answers the ids still held by `worker` (one cancelled meanwhile
   * is not, and must not be sent).
   */
  async markStarted(worker: string, ids: number[], at: number): Promise<Set<number>> {
    if (!ids.length) return new Set();
    const rows = await this.db('notices')
      .whereIn('id', ids)
      .whereIn('status', HELD)
      .where({ claimed_by: worker })
      .update({ attempt_started_at: at })
      .returning('id');
    return new Set(rows.map((r: { id: number } | number) => Number(typeof r === 'object' ? r.id : r)));
  }

  /**
   * Records attempts and moves their notices, all in one transaction, each only while it is
   * still this attempt's: claimed by `worker`, carrying the attempt's start mark (or, for an
   * attempt that never called the provider, none), and either still 'sending' or put back in the
   * queue by a sweeper that took the worker for dead — an outcome known late still beats the
   * sweeper's guess, so the notice is not sent again. A notice cancelled or claimed by another
   * worker meanwhile is not overwritten. Recording the same attempt twice (a retry after a commit
   * whose answer was lost) finds the mark gone and changes nothing. Fallback notices are queued
   * with the outcome that calls for them.
   *
   * The notices move in one UPDATE … FROM a list of values, whatever the batch's size: on SQLite
   * each statement is a hop to libuv's thread pool and back, which cost more than the row's
   * change. PostgreSQL first locks the rows in id order, so that two transactions touching the
   * same notices never wait for each other crosswise.
   */
  async finishAttempts(worker: string, finished: FinishedAttempt[]): Promise<Recorded[]> {
    if (!finished.length) return [];
    const ids = finished.map((f) => f.noticeId);
    return this.db.transaction(async (trx) => {
      if (isPostgres(trx)) await trx('notices').whereIn('id', ids).orderBy('id').forUpdate().select('id');
      const row = '(CAST(? AS bigint), CAST(? AS bigint), CAST(? AS text), CAST(? AS text), CAST(? AS bigint), CAST(? AS bigint), CAST(? AS bigint), CAST(? AS text), CAST(? AS bigint))';
      const values = finished.flatMap(({ noticeId, notice: n, attempt, calledProvider, at }) => [
        noticeId, calledProvider ? attempt.startedAt : null, n.status, n.lastError, n.notBefore ?? null, n.sentAt ?? null, n.deliveredAt ?? null, n.providerMessageId ?? null, at,
      ]);
      const moved = await trx.raw(
        `WITH v (id, started, status, last_error, not_before, sent_at, delivered_at, provider_message_id, updated_at) AS (VALUES ${finished.map(() => row).join(', ')})
         UPDATE notices SET status = v.status, claimed_at = NULL, claimed_from = NULL, attempt_started_at = NULL, last_error = v.last_error,
           not_before = COALESCE(v.not_before, notices.not_before),
           sent_at = COALESCE(v.sent_at, notices.sent_at),
           delivered_at = COALESCE(v.delivered_at, notices.delivered_at),
           provider_message_id = COALESCE(v.provider_message_id, notices.provider_message_id),
           updated_at = v.updated_at
         FROM v WHERE notices.id = v.id AND notices.claimed_by = ? AND (
           (v.started IS NULL AND notices.attempt_started_at IS NULL AND notices.status IN (${HELD.map(() => '?').join(', ')}))
           OR (notices.attempt_started_at = v.started AND notices.status IN (${FROM.outcome.map(() => '?').join(', ')})))
         RETURNING notices.id`,
        [...values, worker, ...HELD, ...FROM.outcome],
      );
      const heldIds = new Set(rowsOf(moved).map((r) => Number(r.id)));
      const held = ids.map((id) => heldIds.has(id));
      const attempts = finished
        .filter((_, i) => held[i])
        .map(({ noticeId, attempt, at }) => ({
          notice_id: noticeId,
          started_at: attempt.startedAt,
          finished_at: at,
          outcome: attempt.outcome,
          error_class: attempt.errorClass,
          provider_answer: attempt.providerAnswer.slice(0, 4000),
          provider_message_id: attempt.providerMessageId,
        }));
      if (attempts.length) await trx('notice_attempts').insert(attempts);
      const recorded: Recorded[] = [];
      for (const [i, f] of finished.entries()) {
        const fallbackQueued = held[i] && f.fallback ? (await this.enqueue([f.fallback], f.at)) > 0 : false;
        recorded.push({ held: held[i] as boolean, fallbackQueued });
      }
      return recorded;
    });
  }

  /**
   * Gives back every notice `worker` still holds, as untried: what it claimed but did not get to
   * send (a run that stopped early), or marked without sending (a start mark whose commit it
   * never heard of). Only the worker itself may say so, and only between its sends.
   */
  async releaseHeld(worker: string, now: number): Promise<number> {
    return this.db('notices').whereIn('status', FROM.release).where({ claimed_by: worker }).update(this.released(now));
  }

  /**
   * Ends the lease of a worker judged dead — if it is still the renewal it was judged by — and
   * puts its notices back: those it had started to send flagged interrupted (the provider may
   * have them), those it never tried as they were. Null when the worker renewed meanwhile or
   * another sweeper took it first. `endedAt` is in the leases' time, `now` in the notices'
   * (they differ on a replay's virtual clock).
   */
  async requeueDeadWorker(worker: string, lastSeen: number, now: number, endedAt = now): Promise<{ interrupted: number[]; released: number[] } | null> {
    return this.db.transaction(async (trx) => {
      const taken = await trx('dispatch_workers').where({ id: worker, last_seen: lastSeen }).whereNull('ended_at').update({ ended_at: endedAt });
      if (!taken) return null;
      const rows = (await trx('notices').whereIn('status', HELD).where({ claimed_by: worker }).select('id', 'claimed_at', 'attempt_started_at')) as StuckRow[];
      return this.requeue(trx, rows, now);
    });
  }

  /**
   * The last resort: notices 'sending' for longer than `claimedBefore` whose worker holds no
   * live lease (a worker of a version without leases, or one whose lease ended). A claim without
   * a start mark or a remembered status predates the marks, so it counts as tried.
   * `claimedBefore` is in the leases' time (that of `claimed_at`), `now` in the notices'.
   */
  async requeueUnleased(claimedBefore: number, now: number): Promise<number[]> {
    return this.db.transaction(async (trx) => {
      const rows = (await trx('notices')
        .whereIn('status', HELD)
        .where('claimed_at', '<', claimedBefore)
        .whereNotExists((q) => q.select(trx.raw('1')).from('dispatch_workers').whereRaw('dispatch_workers.id = notices.claimed_by').whereNull('dispatch_workers.ended_at'))
        .select('id', 'claimed_at', 'attempt_started_at', 'claimed_from')) as Array<StuckRow & { claimed_from: string | null }>;
      const r = await this.requeue(
        trx,
        rows.map((row) => ({ ...row, attempt_started_at: row.attempt_started_at ?? (row.claimed_from === null ? row.claimed_at : null) })),
        now,
      );
      return [...r.interrupted, ...r.released];
    });
  }

  /** Puts stuck notices back in the queue: tried ones with an interrupted attempt, untried ones as they were. */
  private async requeue(trx: Db, rows: StuckRow[], now: number): Promise<{ interrupted: number[]; released: number[] }> {
    const tried = rows.filter((r) => r.attempt_started_at !== null);
    const untried = rows.filter((r) => r.attempt_started_at === null).map((r) => Number(r.id));
    if (tried.length) {
      await trx('notice_attempts').insert(
        tried.map((r) => ({
          notice_id: r.id,
          started_at: r.attempt_started_at,
          finished_at: now,
          outcome: 'interrupted',
          interrupted: true,
          provider_answer: 'Tiến trình gửi dừng đột ngột: nhà cung cấp có thể đã nhận tin',
        })),
      );
      // The start mark and the claimer stay: if the worker was only cut off, its late outcome
      // still applies (see finishAttempts) until another worker claims the notice.
      await trx('notices')
        .whereIn('id', tried.map((r) => Number(r.id)))
        .whereIn('status', FROM.interrupt)
        .update({ status: status('interrupt', 'technical-failure'), not_before: now, claimed_at: null, claimed_from: null, updated_at: now });
    }
    if (untried.length) await trx('notices').whereIn('id', untried).whereIn('status', FROM.release).update(this.released(now));
    return { interrupted: tried.map((r) => Number(r.id)), released: untried };
  }

  /** The columns of a claimed notice given back untried: as it was before the claim. */
  private released(now: number): Record<string, unknown> {
    return {
      // The status it was claimed from (one of the lifecycle's release targets); 'created' for a claim older than that column.
      status: this.db.raw('COALESCE(claimed_from, ?)', [status('release', 'created')]),
      // SET expressions read the row as it was before this UPDATE.
      attempts: this.db.raw('CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END'),
      first_attempt_at: this.db.raw('CASE WHEN attempts <= 1 THEN NULL ELSE first_attempt_at END'),
      claimed_at: null,
      claimed_by: null,
      claimed_from: null,
      attempt_started_at: null,
      updated_at: now,
    };
  }

  async attempts(noticeId: number): Promise<Attempt[]> {
    const rows = await this.db('notice_attempts').where({ notice_id: noticeId }).orderBy('id');
    return rows.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      noticeId: Number(r.notice_id),
      startedAt: Number(r.started_at),
      finishedAt: num(r.finished_at),
      outcome: (r.outcome as string | null) ?? null,
      errorClass: (r.error_class as string | null) ?? null,
      providerAnswer: (r.provider_answer as string | null) ?? null,
      providerMessageId: (r.provider_message_id as string | null) ?? null,
      interrupted: Boolean(r.interrupted),
    }));
  }

  /**
   * Why each notice last failed and when it was last tried, in one read for a whole page. A
   * counter fallback is never tried itself: its answer is the notice it replaced (when it
   * carries no error of its own).
   */
  async lastTries(ids: number[]): Promise<Map<number, { lastError: string | null; at: number | null }>> {
    if (!ids.length) return new Map();
    const rows = (await this.db('notices as n')
      .leftJoin('notices as o', (j) => j.on('o.id', '=', 'n.fallback_of').andOnNull('n.last_error'))
      .whereIn('n.id', ids)
      .select(
        'n.id',
        this.db.raw('CASE WHEN o.id IS NULL THEN n.last_error ELSE o.last_error END AS last_error'),
        this.db.raw('(SELECT MAX(a.started_at) FROM notice_attempts a WHERE a.notice_id = COALESCE(o.id, n.id)) AS last_at'),
      )) as { id: number; last_error: string | null; last_at: number | string | null }[];
    return new Map(rows.map((r) => [Number(r.id), { lastError: r.last_error ?? null, at: num(r.last_at) }]));
  }

  /** A failed notice back in the queue with a fresh retry window; false when it had not failed. */
  async retry(id: number, now: number): Promise<boolean> {
    return this.move(id, 'retry', { status: status('retry', 'created'), not_before: now, first_attempt_at: null }, now);
  }

  /** Stops a notice not yet handed to a provider; false when it was. */
  async cancel(id: number, now: number): Promise<boolean> {
    return this.move(id, 'cancel', { status: status('cancel', 'cancelled') }, now);
  }

  /** The counter reached the citizen by phone or in person; false when the notice was already done or cancelled. */
  async markCalled(id: number, by: string, now: number): Promise<boolean> {
    return this.move(id, 'markCalled', { status: status('markCalled', 'delivered'), delivered_at: now, called_at: now, called_by: by }, now);
  }

  /** A provider's delivery receipt for a sent notice; false when the notice was not (or not yet) 'sent'. */
  async confirmDelivery(id: number, deliveredAt: number, now: number): Promise<boolean> {
    return this.move(id, 'receipt', { status: status('receipt', 'delivered'), delivered_at: deliveredAt }, now);
  }

  /**
   * A provider's report that a sent notice never reached the citizen (an SMS the network could
   * not deliver): the notice fails for good and, in the same transaction, the next channel of its
   * route is queued. False when the notice was not 'sent' (a repeated report changes nothing).
   */
  async reportUndelivered(id: number, reason: string, now: number): Promise<boolean> {
    const work = async (): Promise<boolean> => {
      const row = await this.db('notices').where({ id }).first();
      if (!row) return false;
      const notice = fromRow(row);
      const moved = await this.db('notices')
        .where({ id })
        .whereIn('status', FROM.undeliveredReport)
        .update({ status: status('undeliveredReport', 'permanent-failure'), last_error: reason.slice(0, 1000), updated_at: now });
      if (!moved) return false;
      const fallback = notice.audience === 'citizen' ? fallbackNotice(notice, now) : null;
      if (fallback) await this.enqueue([fallback], now);
      return true;
    };
    // Joins the caller's transaction (a report recorded with it), else is one of its own.
    return this.db.isTransaction ? work() : this.db.transaction(work);
  }

  /** Moves a notice by `event`, only from the statuses the lifecycle allows it from. */
  private async move(id: number, event: NoticeEvent, patch: Record<string, unknown>, now: number): Promise<boolean> {
    return (await this.db('notices').where({ id }).whereIn('status', FROM[event]).update({ ...patch, updated_at: now })) > 0;
  }

  async raiseAlert(kind: string, message: string, now: number): Promise<void> {
    const open = await this.db('alerts').where({ kind }).whereNull('resolved_at').first();
    if (!open) await this.db('alerts').insert({ kind, message, created_at: now });
  }

  async openAlerts(): Promise<{ id: number; kind: string; message: string; createdAt: number }[]> {
    const rows = await this.db('alerts').whereNull('resolved_at').orderBy('id');
    return rows.map((r: Record<string, unknown>) => ({ id: Number(r.id), kind: String(r.kind), message: String(r.message), createdAt: Number(r.created_at) }));
  }

  /** Cancels the dossier's notices for `audience` not yet handed to a provider. */
  async cancelUnsentForDossier(dossierId: number, audience: NoticeAudience, now: number): Promise<number> {
    return this.db('notices')
      .where({ dossier_id: dossierId, audience })
      .whereIn('status', FROM.cancel)
      .update({ status: status('cancel', 'cancelled'), updated_at: now });
  }

  /** `cancelUnsentForDossier` for several dossiers in one statement: how many each had cancelled. */
  async cancelUnsentForDossiers(dossierIds: number[], audience: NoticeAudience, now: number): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (let i = 0; i < dossierIds.length; i += 500) {
      const rows = (await this.db('notices')
        .whereIn('dossier_id', dossierIds.slice(i, i + 500))
        .where({ audience })
        .whereIn('status', FROM.cancel)
        .update({ status: status('cancel', 'cancelled'), updated_at: now })
        .returning('dossier_id')) as { dossier_id: number }[];
      for (const r of rows) out.set(Number(r.dossier_id), (out.get(Number(r.dossier_id)) ?? 0) + 1);
    }
    return out;
  }

  /** Agencies whose digest for `day` is already claimed. */
  async digestedAgencies(day: string): Promise<Set<number>> {
    return new Set((await this.db('digests').where({ day }).select('agency_id')).map((r: { agency_id: number }) => Number(r.agency_id)));
  }

  /** Claims the day's digest for an agency; false when another tick already did. */
  async claimDigest(agencyId: number, day: string, dossiers: number, now: number): Promise<boolean> {
    const rows = await this.db('digests').insert({ agency_id: agencyId, day, dossiers, created_at: now }).onConflict(['agency_id', 'day']).ignore().returning('agency_id');
    return rows.length > 0;
  }
}
