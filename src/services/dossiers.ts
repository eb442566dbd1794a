import crypto from 'node:crypto';
import { isUniqueViolation, type Db } from '../db/connection';
import type { Agency, AgencyRepository } from '../db/agencies';
import type { Procedure, ProcedureRepository } from '../db/procedures';
import type { ApologyRepository } from '../db/apologies';
import type {
  ApplicantKind,
  Dossier,
  DossierEvent,
  DossierFilter,
  DossierRepository,
  DossierSort,
  IntakeChannel,
  NewDossier,
  Pause,
} from '../db/dossiers';
import { computeDue, timelinessAt, type Timeliness } from '../domain/deadline';
import { isOpen } from '../domain/dossier';
import type { NoticeRepository } from '../db/notices';
import { foldForSearch, normalizeVnMobile } from '../domain/contact';
import type { WorkingCalendar } from '../domain/calendar';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldProblem } from '../errors';
import type { CalendarService } from './calendar';
import type { Clock } from '../clock';
import { mayAccessDossier, scopeAgencies, type Actor } from '../domain/actor';
import { authorize } from './authorize';
import type { DraftCancellation } from './apologies/cancellation';
import { clockOf, DossierEvents, procedureTime, type EventInput, type EventItem } from './dossier-events';

/** A dossier as received from a counter or another one-stop system, already normalised. */
export interface DossierInput {
  code: string;
  procedureCode: string;
  receivingAgencyCode: string;
  decidingAgencyCode?: string;
  applicant: { kind: ApplicantKind; name: string };
  representative?: { name: string; phone?: string; email?: string; address?: string } | null;
  phone?: string;
  email?: string;
  address?: string;
  consent: { zalo: boolean; email: boolean; sms: boolean };
  channel: IntakeChannel;
  submittedAt?: Date;
  acceptedAt: Date;
  /**
   * The appointment in force when it is not the one our calendar gives: a one-stop system's
   * NgayHenTra, where its source is set to govern (services/interop-inbound.ts).
   */
  dueAt?: Date;
}

export type TimelinessView = Timeliness | 'paused' | null;

/** One input of a batch: registered (or found already registered), or refused as one would be. */
export type CreateOutcome = { view: DossierView; created: boolean } | { refused: AppError };

export interface DossierView {
  dossier: Dossier;
  procedure: Procedure;
  receivingAgency: Agency;
  decidingAgency: Agency;
  timeliness: TimelinessView;
  /** In lists only: the state of its latest draft or issued letter (null: none). */
  latestApology?: 'draft' | 'issued' | null;
}

export type ListFilter = Omit<DossierFilter, 'overdueAt' | 'dueSoon' | 'notDue' | 'agencyIds' | 'procedureIds'> & {
  agencyCode?: string;
  procedureCode?: string;
  timeliness?: Timeliness;
};

/** JSON with object keys sorted at every level, so equal content always hashes equal. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

function contentHash(input: DossierInput): string {
  const canonical = stableJson({
    ...input,
    submittedAt: input.submittedAt?.getTime() ?? null,
    acceptedAt: input.acceptedAt.getTime(),
    dueAt: input.dueAt?.getTime(),
    representative: input.representative ?? null,
  });
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

export interface DossierServiceDeps {
  db: Db;
  dossiers: DossierRepository;
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  calendars: CalendarService;
  /** A dossier that closes or waits for a supplement cancels its draft apology (and settles its letter number). */
  drafts: DraftCancellation;
  apologies: Pick<ApologyRepository, 'dossiersWithDrafts'>;
  notices: NoticeRepository;
  clock: Clock;
}

/**
 * Use cases of the dossier registry: receive, look up, list and move dossiers through their
 * states, keeping the due date right through supplements and pauses.
 */
export class DossierService {
  private readonly events: DossierEvents;

  constructor(private readonly deps: DossierServiceDeps) {
    this.events = new DossierEvents(deps);
  }

  async create(input: DossierInput, actor: Actor): Promise<{ view: DossierView; created: boolean }> {
    const [outcome] = await this.createMany([input], actor);
    if ('refused' in outcome) throw outcome.refused;
    return outcome;
  }

  /**
   * Registers a batch of dossiers (a one-stop system's synchronisation, a step of the replay)
   * in one transaction, each under the same rules as one: references and times checked, the
   * actor's scope, the due date computed (or the one-stop system's in force), the `created`
   * event, and the same dossier sent again answered unchanged (different content under its code
   * refused). One input's refusal leaves the others registered; answers in the inputs' order.
   */
  async createMany(inputs: DossierInput[], actor: Actor): Promise<CreateOutcome[]> {
    authorize(actor, 'dossier.create');
    const now = this.deps.clock.now();
    const outcomes: (CreateOutcome | undefined)[] = new Array(inputs.length);
    const checked: { index: number; input: DossierInput; hash: string; procedure: Procedure; deciding: Agency; receiving: Agency }[] = [];
    for (const [index, input] of inputs.entries()) {
      try {
        checked.push({ index, input, hash: contentHash(input), ...(await this.references(input, actor, now)) });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        outcomes[index] = { refused: err };
      }
    }
    const existing = await this.deps.dossiers.byCodes(checked.map((c) => c.input.code));
    const fresh: { index: number; record: NewDossier; calendar: WorkingCalendar }[] = [];
    const firstOfCode = new Map<string, { index: number; hash: string }>();
    for (const c of checked) {
      const known = existing.get(c.input.code);
      const earlier = firstOfCode.get(c.input.code);
      if (known || earlier) continue;
      firstOfCode.set(c.input.code, { index: c.index, hash: c.hash });
      const calendar = await this.deps.calendars.forAgency(c.deciding);
      fresh.push({ index: c.index, record: this.recordOf(c.input, c.procedure, c.receiving, c.deciding, calendar, c.hash), calendar });
    }
    let inserted: Dossier[];
    try {
      inserted = await this.deps.db.transaction(async () => {
        const rows = await this.deps.dossiers.insertMany(fresh.map((f) => f.record), now.getTime());
        await this.deps.dossiers.addEvents(
          rows.map((d) => ({ dossierId: d.id, kind: 'created', occurredAt: d.acceptedAt, recordedAt: now.getTime(), actor: actor.name, data: { dueAt: d.currentDueAt }, note: null })),
        );
        return rows;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another request registered one of these codes meanwhile: each input again on its own.
      if (inputs.length > 1) {
        const again: CreateOutcome[] = [];
        for (const input of inputs) again.push(...(await this.createMany([input], actor)));
        return again;
      }
      // The loser answers like a re-send.
      const winner = await this.deps.dossiers.byCode(inputs[0].code);
      if (!winner) throw err;
      return [await this.settled(() => this.sameOrConflict(winner, checked[0].hash).then((view) => ({ view, created: false })))];
    }
    const byCode = new Map(inserted.map((d) => [d.code, d]));
    for (const f of fresh) outcomes[f.index] = { view: await this.viewOf(byCode.get(f.record.code) as Dossier, f.calendar), created: true };
    for (const c of checked) {
      if (outcomes[c.index]) continue;
      const known = existing.get(c.input.code) ?? byCode.get(c.input.code);
      outcomes[c.index] = await this.settled(() => this.sameOrConflict(known as Dossier, c.hash).then((view) => ({ view, created: false })));
    }
    return outcomes as CreateOutcome[];
  }

  /** The input's procedure and agencies, checked with its times and the actor's scope. */
  private async references(input: DossierInput, actor: Actor, now: Date): Promise<{ procedure: Procedure; receiving: Agency; deciding: Agency }> {
    const problems: FieldProblem[] = [];
    const procedure = await this.deps.procedures.byCode(input.procedureCode);
    if (!procedure) problems.push({ field: 'procedureCode', message: `Không có thủ tục mã "${input.procedureCode}"` });
    const receiving = await this.deps.agencies.byCode(input.receivingAgencyCode);
    if (!receiving) problems.push({ field: 'receivingAgencyCode', message: `Không có cơ quan mã "${input.receivingAgencyCode}"` });
    let deciding: Agency | null;
    if (input.decidingAgencyCode) {
      deciding = await this.deps.agencies.byCode(input.decidingAgencyCode);
      if (!deciding) problems.push({ field: 'decidingAgencyCode', message: `Không có cơ quan mã "${input.decidingAgencyCode}"` });
    } else if (procedure?.agencyId) {
      deciding = await this.deps.agencies.byId(procedure.agencyId);
    } else {
      deciding = receiving;
    }
    if (input.acceptedAt.getTime() > now.getTime()) {
      problems.push({ field: 'acceptedAt', message: 'Thời điểm tiếp nhận không được ở tương lai' });
    }
    if (input.submittedAt && input.submittedAt.getTime() > input.acceptedAt.getTime()) {
      problems.push({ field: 'submittedAt', message: 'Thời điểm nộp phải trước hoặc bằng thời điểm tiếp nhận' });
    }
    if (problems.length) throw new ValidationError(problems);
    if (!procedure || !receiving || !deciding) throw new Error('unreachable: references were checked above');
    this.assertScope(actor, [receiving.id, deciding.id]);
    return { procedure, receiving, deciding };
  }

  private recordOf(input: DossierInput, procedure: Procedure, receiving: Agency, deciding: Agency, calendar: WorkingCalendar, hash: string): NewDossier {
    const time = procedureTime(procedure);
    const due = input.dueAt?.getTime() ?? computeDue(calendar, input.acceptedAt, time).getTime();
    const rep = input.representative ?? null;
    return {
      code: input.code,
      procedureId: procedure.id,
      receivingAgencyId: receiving.id,
      decidingAgencyId: deciding.id,
      applicantKind: input.applicant.kind,
      applicantName: input.applicant.name,
      representativeName: rep?.name ?? null,
      representativePhone: rep?.phone ?? null,
      representativeEmail: rep?.email ?? null,
      representativeAddress: rep?.address ?? null,
      phone: input.phone ?? null,
      email: input.email ?? null,
      address: input.address ?? null,
      consentZalo: input.consent.zalo,
      consentEmail: input.consent.email,
      consentSms: input.consent.sms,
      channel: input.channel,
      submittedAt: input.submittedAt?.getTime() ?? null,
      acceptedAt: input.acceptedAt.getTime(),
      clockStartedAt: input.acceptedAt.getTime(),
      ...clockOf(time),
      originalDueAt: due,
      currentDueAt: due,
      deadlineVersion: 1,
      extensionsCount: 0,
      state: 'received',
      resolution: null,
      resolvedAt: null,
      closedAt: null,
      searchText: foldForSearch(`${input.code} ${input.applicant.name} ${rep?.name ?? ''}`),
      contentHash: hash,
    };
  }

  /** A use case's answer, or its refusal as an outcome. */
  private async settled(run: () => Promise<{ view: DossierView; created: boolean }>): Promise<CreateOutcome> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof AppError) return { refused: err };
      throw err;
    }
  }

  private async sameOrConflict(existing: Dossier, hash: string): Promise<DossierView> {
    if (existing.contentHash !== hash) {
      throw new ConflictError('dossier-exists', `Mã hồ sơ "${existing.code}" đã có với nội dung khác`);
    }
    return this.viewOf(existing);
  }

  async get(code: string, actor: Actor): Promise<DossierView> {
    const dossier = await this.deps.dossiers.byCode(code);
    if (!dossier || !mayAccessDossier(actor, dossier, 'read')) throw new NotFoundError(`Không có hồ sơ mã "${code}"`);
    return this.viewOf(dossier);
  }

  async history(code: string, actor: Actor): Promise<{ events: DossierEvent[]; pauses: Pause[] }> {
    const dossier = await this.deps.dossiers.byCode(code);
    if (!dossier || !mayAccessDossier(actor, dossier, 'read')) throw new NotFoundError(`Không có hồ sơ mã "${code}"`);
    const [events, pauses] = await Promise.all([this.deps.dossiers.events(dossier.id), this.deps.dossiers.pauses(dossier.id)]);
    return { events, pauses };
  }

  async list(filter: ListFilter, sort: DossierSort, limit: number, offset: number, actor: Actor): Promise<{ items: DossierView[]; total: number }> {
    const now = this.deps.clock.now();
    const agencies = await this.deps.agencies.list();
    const byId = new Map(agencies.map((a) => [a.id, a]));
    const f: DossierFilter = { states: filter.states, dueFrom: filter.dueFrom, dueTo: filter.dueTo, apology: filter.apology, search: filter.search && foldForSearch(filter.search) };
    const phone = filter.search ? normalizeVnMobile(filter.search) : null;
    if (phone) f.searchPhone = phone;
    let scoped = agencies;
    if (filter.agencyCode) {
      scoped = agencies.filter((a) => a.code === filter.agencyCode);
      if (!scoped.length) throw new ValidationError([{ field: 'agency', message: `Không có cơ quan mã "${filter.agencyCode}"` }]);
    }
    if (filter.agencyCode) f.agencyIds = scoped.map((a) => a.id);
    f.visibleTo = scopeAgencies(actor, undefined);
    if (filter.procedureCode) {
      const p = await this.deps.procedures.byCode(filter.procedureCode);
      if (!p) throw new ValidationError([{ field: 'procedure', message: `Không có thủ tục mã "${filter.procedureCode}"` }]);
      f.procedureIds = [p.id];
    }
    if (filter.timeliness === 'overdue') f.overdueAt = now.getTime();
    if (filter.timeliness === 'due_soon' || filter.timeliness === 'not_due') {
      const thresholds = await this.deps.calendars.dueSoonUntil(scoped, now);
      if (filter.timeliness === 'due_soon') f.dueSoon = { at: now.getTime(), untilByAgency: thresholds };
      else f.notDue = { at: now.getTime(), untilByAgency: thresholds };
    }
    const { items, total } = await this.deps.dossiers.list(f, sort, limit, offset);
    const procedures = new Map((await this.deps.procedures.list()).map((p) => [p.id, p]));
    const views: DossierView[] = [];
    for (const { dossier: d, latestApology } of items) {
      const deciding = byId.get(d.decidingAgencyId) as Agency;
      const calendar = await this.deps.calendars.forAgency(deciding);
      views.push({
        dossier: d,
        procedure: procedures.get(d.procedureId) as Procedure,
        receivingAgency: byId.get(d.receivingAgencyId) as Agency,
        decidingAgency: deciding,
        timeliness: this.timelinessOf(d, deciding, calendar, now),
        latestApology,
      });
    }
    return { items: views, total };
  }

  async recordEvent(code: string, input: EventInput, actor: Actor): Promise<DossierView> {
    const [outcome] = await this.events.record([{ code, event: input, actor }]);
    if ('refused' in outcome) throw outcome.refused;
    return this.viewOf(outcome.dossier);
  }

  /**
   * Events on several dossiers in one transaction (DossierEvents), each with the rules of one;
   * answers in the items' order, each the dossier after it or the refusal that left it as it was.
   */
  async recordEvents(items: EventItem[]): Promise<({ view: DossierView } | { refused: AppError })[]> {
    const outcomes = await this.events.record(items);
    // One after the other: inside a request's transaction (an Idempotency-Key) they share its one
    // connection, which takes one query at a time; outside one they are read from memory anyway.
    const views: ({ view: DossierView } | { refused: AppError })[] = [];
    for (const o of outcomes) views.push('refused' in o ? o : { view: await this.viewOf(o.dossier) });
    return views;
  }

  async viewOf(d: Dossier, calendar?: WorkingCalendar): Promise<DossierView> {
    const procedure = await this.deps.procedures.byId(d.procedureId);
    const receivingAgency = await this.deps.agencies.byId(d.receivingAgencyId);
    const decidingAgency = await this.deps.agencies.byId(d.decidingAgencyId);
    const deciding = decidingAgency as Agency;
    const cal = calendar ?? (await this.deps.calendars.forAgency(deciding));
    return {
      dossier: d,
      procedure: procedure as Procedure,
      receivingAgency: receivingAgency as Agency,
      decidingAgency: deciding,
      timeliness: this.timelinessOf(d, deciding, cal, this.deps.clock.now()),
    };
  }

  private timelinessOf(d: Dossier, deciding: Agency, calendar: WorkingCalendar, now: Date): TimelinessView {
    if (d.state === 'waiting_supplement') return 'paused';
    if (!isOpen(d.state) || d.currentDueAt === null) return null;
    return timelinessAt(calendar, now, new Date(d.currentDueAt), deciding.settings.apologyLeadWorkingDays);
  }

  private assertScope(actor: Actor, agencyIds: number[]): void {
    if (actor.agencyId !== null && !agencyIds.includes(actor.agencyId)) {
      throw new ForbiddenError('Mã truy cập này chỉ được tạo hồ sơ do cơ quan mình tiếp nhận hoặc giải quyết');
    }
  }
}
