import { isPostgres, rowsOf, type Db } from './connection';
import { ZERO_COMPLIANCE, ZERO_COUNTS, type ComplianceCounts, type PeriodCounts } from '../domain/reports';

export type ReportGrouping = 'agency' | 'procedure' | 'field' | 'unit';

/** The moment a report describes (`at`, exclusive) and the moment its knowledge stops (`asOf`). */
export interface AsOf {
  /** Dossiers finished before this instant are not part of the report (0: none are excluded). */
  fromMs: number;
  /** The state is taken just before this instant. */
  atMs: number;
  /** Only what had been recorded by this instant counts. */
  asOfMs: number;
  /** Restricts the dossiers to these deciding agencies (or receiving, for the 'unit' grouping). */
  agencyIds?: number[];
  agencyColumn?: 'deciding_agency_id' | 'receiving_agency_id';
}

/** When a dossier finished (resolved, withdrawn, rejected): indexed by migration 20261122000006. */
const FINISHED = 'coalesce(d.resolved_at, d.closed_at)';

const STATUS_EVENTS = ['created', 'supplement_requested', 'supplement_received', 'due_recomputed', 'apology_issued', 'resolved', 'withdrawn', 'rejected'];

/**
 * Each dossier's state at `atMs` as known at `asOfMs`: st (open | paused | resolved | withdrawn |
 * rejected), fin (when it finished), due (the due date in force).
 *
 * A dossier row last written before both instants already is that state (the fast path, almost
 * every row of a past period). Any other row is replayed from its last status event that had
 * happened by `atMs` and had been recorded by `asOfMs`, so later events, backdated entries,
 * apologies and calendar recomputations never change a report already given.
 */
function statusAt(q: AsOf, pg: boolean): { sql: string; bindings: (number | string)[]; parts: { sql: string; bindings: (number | string)[] }[] } {
  const scope = q.agencyIds ? `and d.${q.agencyColumn ?? 'deciding_agency_id'} in (${q.agencyIds.map(() => '?').join(', ') || 'null'})` : '';
  const scopeBindings = q.agencyIds ?? [];
  const columns = 'd.id, d.code, d.deciding_agency_id, d.receiving_agency_id, d.procedure_id, d.channel, d.accepted_at, d.resolution';
  const fastState = `case d.state when 'resolved' then 'resolved' when 'returned' then 'resolved' when 'withdrawn' then 'withdrawn'
    when 'rejected' then 'rejected' when 'waiting_supplement' then 'paused' else 'open' end`;
  // A row last written before both instants is its own state then (the fast path); any other is
  // replayed. updated_at < min(at, asOf + 1) ⇔ updated_at < at and updated_at <= asOf.
  const changedFrom = Math.min(q.atMs, q.asOfMs + 1);
  const fastRow = `select ${columns}, ${fastState} as st, coalesce(d.resolved_at, d.closed_at) as fin, d.current_due_at as due from dossiers d
    where +d.updated_at < ? and d.created_at <= ? ${scope}`;
  const fastBindings = [changedFrom, q.asOfMs, ...scopeBindings];
  // The replayed rows find their last status event with one index look-up each: SQLite through
  // a join on the sub-select's id; PostgreSQL through LATERAL, as its planner hashed the whole
  // event table to evaluate that join (0.5 s of 1.3 s over 1,000,000 dossiers).
  // Index ranges instead of one scan: accepted within the period (accepted_at), carried over and
  // finished since its start (the finish-time index), carried over and not finished; and the rows
  // changed since the moment (updated_at, migration 20261122000007). A unary plus keeps the
  // planner on the intended index (both databases accept it): the alternative, accepted_at,
  // covers most of the table.
  const lastEvent = `from dossier_events x
    where x.dossier_id = d.id and x.kind in (${STATUS_EVENTS.map(() => '?').join(', ')}) and x.occurred_at < ? and x.recorded_at <= ?
    order by x.occurred_at desc, x.id desc limit 1`;
  const withLastEvent = pg
    ? `left join lateral (select x.kind, x.occurred_at, x.due_at ${lastEvent}) e on true`
    : `left join dossier_events e on e.id = (select x.id ${lastEvent})`;
  const parts = [
    { sql: `${fastRow} and d.accepted_at >= ? and d.accepted_at < ?`, bindings: [...fastBindings, q.fromMs, q.atMs] },
    { sql: `${fastRow} and ${FINISHED} >= ? and +d.accepted_at < ?`, bindings: [...fastBindings, q.fromMs, q.fromMs] },
    { sql: `${fastRow} and ${FINISHED} is null and d.accepted_at < ?`, bindings: [...fastBindings, q.fromMs] },
    {
      sql: `select ${columns},
          case when e.kind is null then null when e.kind in ('resolved', 'withdrawn', 'rejected') then e.kind
            when e.kind = 'supplement_requested' then 'paused' else 'open' end as st,
          e.occurred_at as fin, e.due_at as due
        from dossiers d ${withLastEvent}
        where d.updated_at >= ? and +d.accepted_at < ? and d.created_at <= ? ${scope}`,
      bindings: [...STATUS_EVENTS, q.atMs, q.asOfMs, changedFrom, q.atMs, q.asOfMs, ...scopeBindings],
    },
  ];
  return { sql: parts.map((p) => p.sql).join('\n union all\n'), bindings: parts.flatMap((p) => p.bindings), parts };
}

/** The part of a status row that counts: finished within the period, or not finished at its end. */
const IN_PERIOD = `s.st is not null and (s.st in ('open', 'paused') or s.fin >= ?)`;

const GROUP_KEY: Record<ReportGrouping, string> = {
  agency: 's.deciding_agency_id',
  unit: 's.receiving_agency_id',
  procedure: 's.procedure_id',
  field: 'p.field',
};

const num = (v: unknown): number => Number(v ?? 0);

/** The period report's cells by the numbers its SQL gives them (0: none). */
const RECEIVED_CELLS: (keyof PeriodCounts | null)[] = [null, 'carriedOver', 'newOnline', 'newCounter', 'newPost'];
const OUTCOME_CELLS: (keyof PeriodCounts | null)[] = [
  null, 'resolvedEarly', 'resolvedOnTime', 'resolvedLate', 'pendingNotDue', 'pendingOverdue', 'paused', 'withdrawn', 'rejected',
];

export interface OverdueRow {
  agencyId: number;
  overdue: number;
  over30Days: number;
  oldestDueAt: number;
  oldestCode: string;
}

export interface ComplianceRow extends ComplianceCounts {
  agencyId: number;
}

export interface PublicApologyRow {
  agencyId: number;
  procedureName: string;
  dossierCode: string;
  dueBefore: number;
  newDueAt: number;
  reason: string;
  issuedAt: number;
}

/** The SQL of every report: aggregates over the dossiers' state at a moment. */
export class ReportRepository {
  constructor(private readonly db: Db) {}

  async periodCounts(q: AsOf, groupBy: ReportGrouping): Promise<Map<string, PeriodCounts>> {
    const s = statusAt(q, isPostgres(this.db));
    const key = GROUP_KEY[groupBy];
    // Each row of the period lands in one "received" cell and one "outcome" cell. Each index range
    // is counted on its own, by (group, received cell, outcome cell): SQLite then reads the rows
    // straight from each range (a UNION ALL under one GROUP BY goes through a co-routine and one
    // large sort), and the few hundred counts are summed here.
    // Both cells in one small integer, received × 16 + outcome (RECEIVED_CELLS / OUTCOME_CELLS, 0:
    // none): the sort behind GROUP BY compares one number, not words.
    const cells = `(case when s.accepted_at < ? then 1 when s.channel = 'online' then 2 when s.channel = 'counter' then 3 when s.channel = 'post' then 4 else 0 end) * 16 +
        (case when s.st = 'resolved' then (case s.resolution when 'early' then 1 when 'on_time' then 2 when 'late' then 3 else 0 end)
          when s.st = 'open' then (case when s.due >= ? then 4 when s.due < ? then 5 else 0 end)
          when s.st = 'paused' then 6 when s.st = 'withdrawn' then 7 when s.st = 'rejected' then 8 else 0 end) as c`;
    const join = groupBy === 'field' ? 'join procedures p on p.id = s.procedure_id' : '';
    const sql = s.parts
      .map((part) => `select ${key} as k, ${cells}, count(*) as n from (${part.sql}) s ${join} where ${IN_PERIOD} group by ${key}, 2`)
      .join('\n union all\n');
    const bindings = s.parts.flatMap((part) => [q.fromMs, q.atMs, q.atMs, ...part.bindings, q.fromMs]);
    const rows = rowsOf((await this.db.raw(sql, bindings)) as unknown);
    const out = new Map<string, PeriodCounts>();
    for (const r of rows) {
      const k = String(r.k);
      const c = out.get(k) ?? { ...ZERO_COUNTS };
      out.set(k, c);
      const n = num(r.n);
      const received = RECEIVED_CELLS[num(r.c) >> 4];
      const outcome = OUTCOME_CELLS[num(r.c) & 15];
      if (received) c[received] += n;
      if (outcome) c[outcome] += n;
    }
    return out;
  }

  /** Agencies by dossiers overdue at `atMs`, with those more than 30 days late and the oldest one. */
  async overdue(q: AsOf): Promise<OverdueRow[]> {
    const s = statusAt(q, isPostgres(this.db));
    const monthAgo = q.atMs - 30 * 86_400_000;
    const rows = rowsOf(
      (await this.db.raw(
        `with late as (select s.deciding_agency_id, s.code, s.due from (${s.sql}) s where s.st = 'open' and s.due < ?),
         agg as (select deciding_agency_id, count(*) as overdue, sum(case when due < ? then 1 else 0 end) as over30, min(due) as oldest
                 from late group by deciding_agency_id)
         select agg.deciding_agency_id as agency_id, agg.overdue, agg.over30, agg.oldest,
           (select min(late.code) from late where late.deciding_agency_id = agg.deciding_agency_id and late.due = agg.oldest) as oldest_code
         from agg`,
        [...s.bindings, q.atMs, monthAgo],
      )) as unknown,
    );
    return rows.map((r) => ({
      agencyId: num(r.agency_id),
      overdue: num(r.overdue),
      over30Days: num(r.over30),
      oldestDueAt: num(r.oldest),
      oldestCode: String(r.oldest_code),
    }));
  }

  /**
   * Late dossiers of the period per deciding agency — resolved late, pending overdue at its end, or
   * re-appointed by an apology issued before its end — and what was done about them: the first
   * apology (before or after the due date, or none), a missed new date, the citizen's notice —
   * which reached the citizen also when they acknowledged the letter on their page (a counter may
   * have handed it over without recording the call).
   * A notice changed since the moment asked about (retried after failing, say) counts as failed
   * then if its last attempt before that moment failed for good. A letter counts as signed only
   * when it was issued with both signatures ('signed'); the state is set in the issuing
   * transaction, so an apology issued by the moment asked about already has its final state.
   */
  async compliance(q: AsOf): Promise<ComplianceRow[]> {
    const s = statusAt(q, isPostgres(this.db));
    const rows = rowsOf(
      (await this.db.raw(
        `with a as (
           select ap.dossier_id, min(ap.id) as first_id from apologies ap
           where ap.status = 'issued' and ap.issued_at < ? and ap.issued_at <= ? group by ap.dossier_id
         ), n as (
           select nt.apology_id,
             max(case when coalesce(nt.delivered_at, nt.sent_at, nt.called_at) <= ? then 1 else 0 end) as reached,
             max(case
               when nt.updated_at <= ? then case when nt.status = 'permanent-failure' then 1 else 0 end
               when (select at.outcome from notice_attempts at where at.notice_id = nt.id and at.finished_at <= ? order by at.id desc limit 1)
                 in ('permanent-failure', 'gave-up') then 1
               else 0 end) as failed,
             sum(case when nt.channel = 'sms' and nt.sent_at <= ? then coalesce(nt.sms_segments, 0) else 0 end) as sms_segments
           from notices nt where nt.audience = 'citizen' and nt.apology_id is not null and nt.created_at <= ? group by nt.apology_id
         ), late as (
           select s.deciding_agency_id, s.st, s.due, s.resolution, fa.late as apology_late, fa.id as apology_id, ls.state as signing_state,
             case when fa.acknowledged_at <= ? then 1 else 0 end as acknowledged
           from (${s.sql}) s
           left join a on a.dossier_id = s.id
           left join apologies fa on fa.id = a.first_id
           left join letter_signing ls on ls.apology_id = fa.id
           where ${IN_PERIOD} and s.st in ('open', 'paused', 'resolved')
             and (a.first_id is not null or s.st = 'resolved' and s.resolution = 'late' or s.st = 'open' and s.due < ?)
         )
         select late.deciding_agency_id as agency_id, count(*) as late,
           sum(case when late.apology_id is not null and not late.apology_late then 1 else 0 end) as before_due,
           sum(case when late.apology_id is not null and late.apology_late then 1 else 0 end) as after_due,
           sum(case when late.apology_id is null then 1 else 0 end) as no_apology,
           sum(case when late.apology_id is not null and (late.st = 'resolved' and late.resolution = 'late' or late.st = 'open' and late.due < ?) then 1 else 0 end) as second_slips,
           sum(case when late.apology_id is not null and (n.reached = 1 or late.acknowledged = 1) then 1 else 0 end) as delivered,
           sum(case when late.apology_id is not null and coalesce(n.reached, 0) = 0 and late.acknowledged = 0 and n.failed = 1 then 1 else 0 end) as failed,
           sum(case when late.apology_id is not null and coalesce(n.reached, 0) = 0 and late.acknowledged = 0 and coalesce(n.failed, 0) = 0 then 1 else 0 end) as not_sent,
           sum(case when late.apology_id is not null and late.signing_state = 'signed' then 1 else 0 end) as signed,
           sum(case when late.apology_id is not null and coalesce(late.signing_state, 'none') <> 'signed' then 1 else 0 end) as unsigned,
           sum(case when late.apology_id is not null then coalesce(n.sms_segments, 0) else 0 end) as sms_segments
         from late left join n on n.apology_id = late.apology_id
         group by late.deciding_agency_id`,
        [q.atMs, q.asOfMs, q.asOfMs, q.asOfMs, q.asOfMs, q.asOfMs, q.asOfMs, q.asOfMs, ...s.bindings, q.fromMs, q.atMs, q.atMs],
      )) as unknown,
    );
    return rows.map((r) => ({
      ...ZERO_COMPLIANCE,
      agencyId: num(r.agency_id),
      late: num(r.late),
      apologyBeforeDue: num(r.before_due),
      apologyAfterDue: num(r.after_due),
      noApology: num(r.no_apology),
      secondSlips: num(r.second_slips),
      noticesDelivered: num(r.delivered),
      noticesFailed: num(r.failed),
      noticesNotSent: num(r.not_sent),
      lettersSigned: num(r.signed),
      lettersUnsigned: num(r.unsigned),
      smsSegments: num(r.sms_segments),
    }));
  }

  /** Apologies issued since `sinceMs` by these agencies, newest first — only what a public page may show. */
  async publicApologies(agencyIds: number[], sinceMs: number, limit: number): Promise<PublicApologyRow[]> {
    if (!agencyIds.length) return [];
    const rows = await this.db('apologies as a')
      .join('dossiers as d', 'd.id', 'a.dossier_id')
      .join('procedures as p', 'p.id', 'd.procedure_id')
      .where('a.status', 'issued')
      .where('a.issued_at', '>=', sinceMs)
      .whereIn('a.issuing_agency_id', agencyIds)
      .orderBy('a.issued_at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(limit)
      .select('a.issuing_agency_id', 'p.name as procedure_name', 'd.code', 'a.due_before', 'a.new_due_at', 'a.reason', 'a.issued_at');
    return (rows as Record<string, unknown>[]).map((r) => ({
      agencyId: num(r.issuing_agency_id),
      procedureName: String(r.procedure_name),
      dossierCode: String(r.code),
      dueBefore: num(r.due_before),
      newDueAt: num(r.new_due_at),
      reason: String(r.reason),
      issuedAt: num(r.issued_at),
    }));
  }
}
