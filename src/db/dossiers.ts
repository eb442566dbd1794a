import type { Knex } from 'knex';
import { isPostgres, rowsOf, type Db } from './connection';
import { found } from '../errors';
import type { DossierState, HistoryKind } from '../domain/dossier';
import type { Resolution } from '../domain/deadline';
import type { TimeUnit } from './procedures';

export type ApplicantKind = 'person' | 'organisation';
export type IntakeChannel = 'online' | 'counter' | 'post';
export type ClockUnit = Exclude<TimeUnit, 'same_day'> | 'same_day';

export interface Dossier {
  id: number;
  code: string;
  procedureId: number;
  receivingAgencyId: number;
  decidingAgencyId: number;
  applicantKind: ApplicantKind;
  applicantName: string;
  representativeName: string | null;
  representativePhone: string | null;
  representativeEmail: string | null;
  representativeAddress: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  consentZalo: boolean;
  consentEmail: boolean;
  consentSms: boolean;
  channel: IntakeChannel;
  submittedAt: number | null;
  acceptedAt: number;
  clockStartedAt: number;
  clockUnit: ClockUnit;
  /** Working days or hours; for 'same_day' the cut-off minute. */
  clockAmount: number;
  originalDueAt: number | null;
  currentDueAt: number | null;
  deadlineVersion: number;
  extensionsCount: number;
  state: DossierState;
  resolution: Resolution | null;
  resolvedAt: number | null;
  closedAt: number | null;
  searchText: string;
  contentHash: string;
  createdAt: number;
  updatedAt: number;
}

export type NewDossier = Omit<Dossier, 'id' | 'createdAt' | 'updatedAt'>;

export interface DossierEvent {
  id: number;
  dossierId: number;
  kind: HistoryKind;
  occurredAt: number;
  recordedAt: number;
  actor: string;
  data: Record<string, unknown>;
  note: string | null;
}

export interface Pause {
  id: number;
  dossierId: number;
  policy: 'restart' | 'pause';
  startedAt: number;
  endedAt: number | null;
  dueBefore: number | null;
  remainingUnit: ClockUnit | null;
  remainingAmount: number | null;
}

export interface DossierFilter {
  states?: DossierState[];
  /** Deciding agency. */
  agencyIds?: number[];
  /** Received or decided by one of these agencies: what a person bound to an agency may see. */
  visibleTo?: number[];
  procedureIds?: number[];
  dueFrom?: number;
  dueTo?: number;
  /** Open and past due at this instant. */
  overdueAt?: number;
  /** Open, not yet overdue at `at`, and due no later than the agency's threshold. */
  dueSoon?: { at: number; untilByAgency: Map<number, number> };
  /** Open and not due before the agency's threshold. */
  notDue?: { at: number; untilByAgency: Map<number, number> };
  search?: string;
  /** A phone number the search box held, in E.164: it also matches the applicant's or representative's phone. */
  searchPhone?: string;
  /** none: no draft or issued apology for the current deadline; draft: one waits for approval. */
  apology?: 'none' | 'draft';
}

/** A dossier in a list, with its latest draft or issued letter (none: null). */
export interface ListedDossier {
  dossier: Dossier;
  latestApology: 'draft' | 'issued' | null;
}

export type RecomputeCandidate = Pick<Dossier, 'id' | 'decidingAgencyId' | 'clockStartedAt' | 'clockUnit' | 'clockAmount' | 'currentDueAt' | 'deadlineVersion'>;

/** A recomputed due date, with the deadline it replaces as it was read. */
export interface DueMove {
  id: number;
  dueAt: number;
  /** The deadline version and due date read: the move applies only while both are unchanged. */
  deadlineVersion: number;
  dueBefore: number;
}

export type DossierSort = 'due' | '-due' | 'accepted' | '-accepted' | 'code';

const COLUMNS: Record<keyof Dossier, string> = {
  id: 'id',
  code: 'code',
  procedureId: 'procedure_id',
  receivingAgencyId: 'receiving_agency_id',
  decidingAgencyId: 'deciding_agency_id',
  applicantKind: 'applicant_kind',
  applicantName: 'applicant_name',
  representativeName: 'representative_name',
  representativePhone: 'representative_phone',
  representativeEmail: 'representative_email',
  representativeAddress: 'representative_address',
  phone: 'phone',
  email: 'email',
  address: 'address',
  consentZalo: 'consent_zalo',
  consentEmail: 'consent_email',
  consentSms: 'consent_sms',
  channel: 'channel',
  submittedAt: 'submitted_at',
  acceptedAt: 'accepted_at',
  clockStartedAt: 'clock_started_at',
  clockUnit: 'clock_unit',
  clockAmount: 'clock_amount',
  originalDueAt: 'original_due_at',
  currentDueAt: 'current_due_at',
  deadlineVersion: 'deadline_version',
  extensionsCount: 'extensions_count',
  state: 'state',
  resolution: 'resolution',
  resolvedAt: 'resolved_at',
  closedAt: 'closed_at',
  searchText: 'search_text',
  contentHash: 'content_hash',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

const BOOLEAN_FIELDS = new Set<keyof Dossier>(['consentZalo', 'consentEmail', 'consentSms']);
/** PostgreSQL's type for a column sent through VALUES (whose cells it otherwise reads as text); others are text. */
const COLUMN_PG_TYPES: Record<string, string> = {
  consent_zalo: 'boolean',
  consent_email: 'boolean',
  consent_sms: 'boolean',
  procedure_id: 'bigint',
  receiving_agency_id: 'bigint',
  deciding_agency_id: 'bigint',
  submitted_at: 'bigint',
  accepted_at: 'bigint',
  clock_started_at: 'bigint',
  clock_amount: 'double precision',
  original_due_at: 'bigint',
  current_due_at: 'bigint',
  deadline_version: 'bigint',
  extensions_count: 'bigint',
  resolved_at: 'bigint',
  closed_at: 'bigint',
};
const NUMBER_FIELDS = new Set<keyof Dossier>([
  'submittedAt', 'acceptedAt', 'clockStartedAt', 'clockAmount', 'originalDueAt', 'currentDueAt', 'resolvedAt', 'closedAt', 'createdAt', 'updatedAt',
]);

export function dossierFromRow(row: Record<string, unknown>): Dossier {
  const out: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(COLUMNS) as [keyof Dossier, string][]) {
    const v = row[column];
    if (v === null || v === undefined) out[field] = null;
    else if (BOOLEAN_FIELDS.has(field)) out[field] = Boolean(v);
    else if (NUMBER_FIELDS.has(field)) out[field] = Number(v);
    else out[field] = v;
  }
  return out as unknown as Dossier;
}

export function dossierToRow(patch: Partial<Dossier>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch) as [keyof Dossier, unknown][]) {
    if (field !== 'id' && value !== undefined) row[COLUMNS[field]] = value;
  }
  return row;
}

const SORTS: Record<DossierSort, [string, 'asc' | 'desc']> = {
  due: ['current_due_at', 'asc'],
  '-due': ['current_due_at', 'desc'],
  accepted: ['accepted_at', 'asc'],
  '-accepted': ['accepted_at', 'desc'],
  code: ['code', 'asc'],
};

const OPEN = ['received', 'processing'];

/**
 * The due date an event put in force, or null when the event did not set one. Stored beside the
 * event so that reports can replay the deadline history in SQL.
 */
export function dueInForceAfter(kind: string, data: Record<string, unknown>): number | null {
  const due = kind === 'created' ? data.dueAt : data.dueAfter;
  return typeof due === 'number' ? due : null;
}

function eventRow(e: Omit<DossierEvent, 'id'>): Record<string, unknown> {
  return {
    dossier_id: e.dossierId,
    kind: e.kind,
    occurred_at: e.occurredAt,
    recorded_at: e.recordedAt,
    actor: e.actor,
    data: JSON.stringify(e.data),
    note: e.note,
    due_at: dueInForceAfter(e.kind, e.data),
  };
}

function byAgencyThreshold(q: Knex.QueryBuilder, untilByAgency: Map<number, number>, op: '<=' | '>'): void {
  q.where((w) => {
    for (const [agencyId, until] of untilByAgency) {
      w.orWhere((x) => x.where('deciding_agency_id', agencyId).where('current_due_at', op, until));
    }
    if (untilByAgency.size === 0) w.whereRaw('1 = 0');
  });
}

export class DossierRepository {
  constructor(private readonly db: Db) {}

  async insert(d: NewDossier, now: number): Promise<Dossier> {
    const [row] = await this.db('dossiers')
      .insert({ ...dossierToRow(d), created_at: now, updated_at: now })
      .returning('*');
    return dossierFromRow(row as Record<string, unknown>);
  }

  /** Inserts several dossiers, answering them as stored, in the same order. */
  async insertMany(ds: NewDossier[], now: number): Promise<Dossier[]> {
    const out: Dossier[] = [];
    // SQLite caps bound parameters per statement: 200 rows × 35 columns stays well below it.
    for (let i = 0; i < ds.length; i += 200) {
      const rows = (await this.db('dossiers')
        .insert(ds.slice(i, i + 200).map((d) => ({ ...dossierToRow(d), created_at: now, updated_at: now })))
        .returning('*')) as Record<string, unknown>[];
      const byCode = new Map(rows.map((r) => [String(r.code), dossierFromRow(r)]));
      for (const d of ds.slice(i, i + 200)) out.push(byCode.get(d.code) as Dossier);
    }
    return out;
  }

  async byCode(code: string, forUpdate = false): Promise<Dossier | null> {
    const q = this.db('dossiers').where({ code }).first();
    if (forUpdate && isPostgres(this.db)) q.forUpdate();
    const row = await q;
    return row ? dossierFromRow(row) : null;
  }

  /**
   * Several dossiers in one read, by code (those that exist); `forUpdate` locks them on
   * PostgreSQL, in id order so that two batches never wait for each other crosswise.
   */
  async byCodes(codes: string[], forUpdate = false): Promise<Map<string, Dossier>> {
    const out = new Map<string, Dossier>();
    const unique = [...new Set(codes)];
    for (let i = 0; i < unique.length; i += 500) {
      const q = this.db('dossiers').whereIn('code', unique.slice(i, i + 500)).orderBy('id');
      if (forUpdate && isPostgres(this.db)) q.forUpdate();
      for (const row of (await q) as Record<string, unknown>[]) out.set(String(row.code), dossierFromRow(row));
    }
    return out;
  }

  /** The dossier whose code, in upper case, is `upperCode` (index dossiers_code_upper); the oldest if two differ only in case. */
  async byUpperCaseCode(upperCode: string): Promise<Dossier | null> {
    const row = await this.db('dossiers').whereRaw('upper(code) = ?', [upperCode]).orderBy('id').first();
    return row ? dossierFromRow(row) : null;
  }

  async byId(id: number, forUpdate = false): Promise<Dossier | null> {
    const q = this.db('dossiers').where({ id }).first();
    if (forUpdate && isPostgres(this.db)) q.forUpdate();
    const row = await q;
    return row ? dossierFromRow(row) : null;
  }

  /** Several dossiers in one read, by id (those that exist). */
  async byIds(ids: number[]): Promise<Map<number, Dossier>> {
    if (!ids.length) return new Map();
    const rows = await this.db('dossiers').whereIn('id', [...new Set(ids)]);
    return new Map(rows.map((r: Record<string, unknown>) => [Number(r.id), dossierFromRow(r)]));
  }

  /** `byId` for a dossier that must exist (a foreign key points at it). */
  async get(id: number, forUpdate = false): Promise<Dossier> {
    return found(await this.byId(id, forUpdate), `Không có hồ sơ số ${id}`);
  }

  async update(id: number, patch: Partial<Dossier>, now: number): Promise<void> {
    await this.db('dossiers').where({ id }).update({ ...dossierToRow(patch), updated_at: now });
  }

  /**
   * Several dossiers' patches in as few statements as their shapes allow: the patches that set
   * the same fields go in one UPDATE … FROM (VALUES …) per chunk (SQLite ≥ 3.33, PostgreSQL).
   */
  async updateMany(patches: { id: number; patch: Partial<Dossier> }[], now: number): Promise<void> {
    const byShape = new Map<string, { id: number; row: Record<string, unknown> }[]>();
    for (const { id, patch } of patches) {
      const row = dossierToRow(patch);
      const shape = Object.keys(row).sort().join(',');
      const group = byShape.get(shape) ?? [];
      group.push({ id, row });
      byShape.set(shape, group);
    }
    const pg = isPostgres(this.db);
    for (const [shape, group] of byShape) {
      if (group.length === 1 || !shape) {
        for (const { id, row } of group) await this.db('dossiers').where({ id }).update({ ...row, updated_at: now });
        continue;
      }
      const columns = shape.split(',');
      const cast = (c: string) => (pg ? `::${COLUMN_PG_TYPES[c] ?? 'text'}` : '');
      for (let i = 0; i < group.length; i += 200) {
        const chunk = group.slice(i, i + 200);
        const tuple = `(?${', ?'.repeat(columns.length)})`;
        await this.db.raw(
          `with v(id, ${columns.join(', ')}) as (values ${chunk.map(() => tuple).join(', ')})
           update dossiers set ${columns.map((c) => `${c} = v.${c}${cast(c)}`).join(', ')}, updated_at = ?
           from v where dossiers.id = v.id${pg ? '::bigint' : ''}`,
          [...chunk.flatMap(({ id, row }) => [id, ...columns.map((c) => (row[c] ?? null) as never)]), now],
        );
      }
    }
  }

  private filtered(f: DossierFilter): Knex.QueryBuilder {
    const q = this.db('dossiers');
    if (f.states?.length) q.whereIn('state', f.states);
    if (f.agencyIds) q.whereIn('deciding_agency_id', f.agencyIds.length ? f.agencyIds : [-1]);
    if (f.visibleTo) {
      const ids = f.visibleTo.length ? f.visibleTo : [-1];
      q.where((w) => w.whereIn('deciding_agency_id', ids).orWhereIn('receiving_agency_id', ids));
    }
    if (f.procedureIds) q.whereIn('procedure_id', f.procedureIds.length ? f.procedureIds : [-1]);
    if (f.dueFrom !== undefined) q.where('current_due_at', '>=', f.dueFrom);
    if (f.dueTo !== undefined) q.where('current_due_at', '<=', f.dueTo);
    if (f.overdueAt !== undefined) q.whereIn('state', OPEN).where('current_due_at', '<', f.overdueAt);
    if (f.dueSoon) {
      q.whereIn('state', OPEN).where('current_due_at', '>=', f.dueSoon.at);
      byAgencyThreshold(q, f.dueSoon.untilByAgency, '<=');
    }
    if (f.notDue) {
      q.whereIn('state', OPEN).where('current_due_at', '>=', f.notDue.at);
      byAgencyThreshold(q, f.notDue.untilByAgency, '>');
    }
    if (f.apology) {
      const current = (sub: Knex.QueryBuilder) =>
        sub.select(1).from('apologies').whereRaw('apologies.dossier_id = dossiers.id').whereRaw('apologies.deadline_version = dossiers.deadline_version');
      if (f.apology === 'none') q.whereNotExists((sub) => void current(sub).whereIn('apologies.status', ['draft', 'issued']));
      else q.whereExists((sub) => void current(sub).where('apologies.status', 'draft'));
    }
    if (f.search || f.searchPhone) {
      const { search, searchPhone } = f;
      q.where((w) => {
        if (search) {
          const term = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
          w.whereRaw("code like ? escape '\\'", [term]).orWhereRaw("search_text like ? escape '\\'", [term]);
        }
        if (searchPhone) w.orWhere('phone', searchPhone).orWhere('representative_phone', searchPhone);
      });
    }
    return q;
  }

  /** A page of dossiers, each with the state of its latest letter (not cancelled), read in the same query. */
  async list(f: DossierFilter, sort: DossierSort, limit: number, offset: number): Promise<{ items: ListedDossier[]; total: number }> {
    const [column, direction] = SORTS[sort];
    const latestApology = this.db.raw(
      "(select a.status from apologies a where a.dossier_id = dossiers.id and a.status in ('draft', 'issued') order by a.id desc limit 1) as latest_apology_status",
    );
    const [rows, countRow] = await Promise.all([
      this.filtered(f).select('dossiers.*', latestApology).orderBy(column, direction).orderBy('id', 'asc').limit(limit).offset(offset),
      this.filtered(f).count<{ n: number | string }[]>({ n: '*' }).first(),
    ]);
    const items = (rows as Record<string, unknown>[]).map((row) => ({
      dossier: dossierFromRow(row),
      latestApology: (row.latest_apology_status as ListedDossier['latestApology'] | undefined) ?? null,
    }));
    return { items, total: Number(countRow?.n ?? 0) };
  }

  /** Open dossiers past due at `now`, counted by deciding agency. */
  async overdueByAgency(now: number, visibleTo?: number[]): Promise<Map<number, number>> {
    const q = this.filtered({ overdueAt: now, visibleTo });
    const rows = await q.select('deciding_agency_id').count<{ deciding_agency_id: number; n: number | string }[]>({ n: '*' }).groupBy('deciding_agency_id');
    return new Map(rows.map((r) => [Number(r.deciding_agency_id), Number(r.n)]));
  }

  async addEvent(e: Omit<DossierEvent, 'id'>): Promise<void> {
    await this.db('dossier_events').insert(eventRow(e));
  }

  async addEvents(events: Omit<DossierEvent, 'id'>[]): Promise<void> {
    if (!events.length) return;
    const rows = events.map(eventRow);
    // SQLite caps bound parameters per statement; 100 rows × 8 columns stays well below it.
    for (let i = 0; i < rows.length; i += 100) await this.db('dossier_events').insert(rows.slice(i, i + 100));
  }

  async events(dossierId: number): Promise<DossierEvent[]> {
    const rows = await this.db('dossier_events').where({ dossier_id: dossierId }).orderBy('id');
    return rows.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      dossierId: Number(r.dossier_id),
      kind: r.kind as DossierEvent['kind'],
      occurredAt: Number(r.occurred_at),
      recordedAt: Number(r.recorded_at),
      actor: String(r.actor),
      data: JSON.parse(String(r.data)) as Record<string, unknown>,
      note: (r.note as string | null) ?? null,
    }));
  }

  async openPause(dossierId: number): Promise<Pause | null> {
    const row = await this.db('dossier_pauses').where({ dossier_id: dossierId }).whereNull('ended_at').first();
    return row ? pauseFromRow(row) : null;
  }

  /** The open pause of each of these dossiers that has one. */
  async openPauses(dossierIds: number[]): Promise<Map<number, Pause>> {
    const out = new Map<number, Pause>();
    for (let i = 0; i < dossierIds.length; i += 500) {
      const rows = await this.db('dossier_pauses').whereIn('dossier_id', dossierIds.slice(i, i + 500)).whereNull('ended_at');
      for (const row of rows as Record<string, unknown>[]) out.set(Number(row.dossier_id), pauseFromRow(row));
    }
    return out;
  }

  async pauses(dossierId: number): Promise<Pause[]> {
    const rows = await this.db('dossier_pauses').where({ dossier_id: dossierId }).orderBy('id');
    return rows.map(pauseFromRow);
  }

  async startPauses(pauses: Omit<Pause, 'id' | 'endedAt'>[]): Promise<void> {
    // 100 rows × 6 columns stays well below SQLite's cap on bound parameters.
    for (let i = 0; i < pauses.length; i += 100) {
      await this.db('dossier_pauses').insert(
        pauses.slice(i, i + 100).map((p) => ({
          dossier_id: p.dossierId,
          policy: p.policy,
          started_at: p.startedAt,
          due_before: p.dueBefore,
          remaining_unit: p.remainingUnit,
          remaining_amount: p.remainingAmount,
        })),
      );
    }
  }

  async endPause(id: number, endedAt: number): Promise<void> {
    await this.db('dossier_pauses').where({ id }).update({ ended_at: endedAt });
  }

  /**
   * Open dossiers whose due date comes from the calendar alone (never re-appointed, not paused),
   * in id order from `afterId` — the input of a recomputation after a calendar change. Only the
   * clock columns are read: mapping whole rows would cost more than the counting itself.
   */
  async recomputable(afterId: number, limit: number, agencyIds: number[] | null): Promise<RecomputeCandidate[]> {
    const q = this.db('dossiers')
      .select('id', 'deciding_agency_id', 'clock_started_at', 'clock_unit', 'clock_amount', 'current_due_at', 'deadline_version')
      .whereIn('state', OPEN)
      .where('extensions_count', 0)
      .whereNotNull('current_due_at')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit);
    if (agencyIds) q.whereIn('deciding_agency_id', agencyIds);
    return (await q).map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      decidingAgencyId: Number(r.deciding_agency_id),
      clockStartedAt: Number(r.clock_started_at),
      clockUnit: r.clock_unit as ClockUnit,
      clockAmount: Number(r.clock_amount),
      currentDueAt: Number(r.current_due_at),
      deadlineVersion: Number(r.deadline_version),
    }));
  }

  /**
   * Moves many due dates in one statement per chunk; SQLite ≥ 3.35 and PostgreSQL both accept
   * WITH v(…) AS (VALUES …) UPDATE … FROM v … RETURNING. Each dossier moves only if it is still
   * as it was read — same deadline version and due date, still open — so that an apology, a pause
   * or a decision written since the read is never overwritten; answers the ids that moved.
   */
  async moveDueDates(moves: DueMove[], now: number): Promise<number[]> {
    const moved: number[] = [];
    const cast = isPostgres(this.db)
      ? { id: 'v.id::int', due: 'v.due::bigint', version: 'v.version::int', before: 'v.before::bigint' }
      : { id: 'v.id', due: 'v.due', version: 'v.version', before: 'v.before' };
    for (let i = 0; i < moves.length; i += 400) {
      const chunk = moves.slice(i, i + 400);
      const values = chunk.map(() => '(?, ?, ?, ?)').join(', ');
      const bindings = chunk.flatMap((m) => [m.id, m.dueAt, m.deadlineVersion, m.dueBefore]);
      const result = await this.db.raw(
        `with v(id, due, version, before) as (values ${values})
         update dossiers set original_due_at = ${cast.due}, current_due_at = ${cast.due}, deadline_version = deadline_version + 1, updated_at = ?
         from v where dossiers.id = ${cast.id} and dossiers.deadline_version = ${cast.version} and dossiers.current_due_at = ${cast.before}
           and dossiers.state in (${OPEN.map(() => '?').join(', ')})
         returning dossiers.id`,
        [...bindings, now, ...OPEN],
      );
      for (const r of rowsOf(result)) moved.push(Number(r.id));
    }
    return moved;
  }

  /**
   * The sweeper's question: open dossiers whose due instant falls in [from, until) — those that
   * became due soon or overdue since the last sweep. Served by the (current_due_at, state) index.
   */
  async dueBetween(from: number, until: number, limit: number): Promise<{ id: number; decidingAgencyId: number; currentDueAt: number }[]> {
    const rows = await this.db('dossiers')
      .select('id', 'deciding_agency_id', 'current_due_at')
      .where('current_due_at', '>=', from)
      .where('current_due_at', '<', until)
      .whereIn('state', OPEN)
      .orderBy('current_due_at')
      .limit(limit);
    return rows.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      decidingAgencyId: Number(r.deciding_agency_id),
      currentDueAt: Number(r.current_due_at),
    }));
  }

  async countAll(): Promise<number> {
    const row = await this.db('dossiers').count<{ n: number | string }[]>({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }
}

function pauseFromRow(r: Record<string, unknown>): Pause {
  return {
    id: Number(r.id),
    dossierId: Number(r.dossier_id),
    policy: r.policy as Pause['policy'],
    startedAt: Number(r.started_at),
    endedAt: r.ended_at === null || r.ended_at === undefined ? null : Number(r.ended_at),
    dueBefore: r.due_before === null || r.due_before === undefined ? null : Number(r.due_before),
    remainingUnit: (r.remaining_unit as ClockUnit | null) ?? null,
    remainingAmount: r.remaining_amount === null || r.remaining_amount === undefined ? null : Number(r.remaining_amount),
  };
}
