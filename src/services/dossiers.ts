import crypto from 'node:crypto';
import { isUniqueViolation, transactionRetrying, type Db } from '../db/connection';
import type { Agency, AgencyRepository } from '../db/agencies';
import type { Procedure, ProcedureRepository } from '../db/procedures';
import type {
  ApplicantKind,
  ClockUnit,
  Dossier,
  DossierEvent,
  DossierFilter,
  DossierRepository,
  DossierSort,
  IntakeChannel,
  Pause,
} from '../db/dossiers';
import { computeDue, keptOnSupplementRequest, resolutionOf, timelinessAt, type ProcessingTime, type Timeliness } from '../domain/deadline';
import { CLOSED_STATES, EVENT_LABELS, STATE_LABELS, isOpen, nextState, type DossierState, type EventKind } from '../domain/dossier';
import type { NoticeRepository } from '../db/notices';
import { foldForSearch, normalizeVnMobile } from '../domain/contact';
import type { WorkingCalendar } from '../domain/calendar';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldProblem } from '../errors';
import type { CalendarService } from './calendar';
import type { Clock } from '../clock';
import { mayAccessDossier, scopeAgencies, type Actor } from '../domain/actor';
import { authorize } from './authorize';
import type { DraftCancellation } from './apologies/cancellation';

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

export interface EventInput {
  kind: EventKind;
  occurredAt: Date;
  note?: string;
}

export type TimelinessView = Timeliness | 'paused' | null;

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

export function processingTimeOf(unit: ClockUnit, amount: number): ProcessingTime {
  return unit === 'same_day' ? { unit: 'same_day', cutoffMinute: amount } : { unit, amount };
}

/** A procedure's processing time as the deadline engine takes it. */
export function procedureTime(p: Procedure): ProcessingTime {
  return p.timeUnit === 'same_day'
    ? { unit: 'same_day', cutoffMinute: p.sameDayCutoff ?? 15 * 60 }
    : { unit: p.timeUnit, amount: p.timeAmount };
}

function clockOf(t: ProcessingTime): { clockUnit: ClockUnit; clockAmount: number } {
  return t.unit === 'same_day' ? { clockUnit: 'same_day', clockAmount: t.cutoffMinute } : { clockUnit: t.unit, clockAmount: t.amount };
}

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
  notices: NoticeRepository;
  clock: Clock;
}

/**
 * Use cases of the dossier registry: receive, look up, list and move dossiers through their
 * states, keeping the due date right through supplements and pauses.
 */
export class DossierService {
  constructor(private readonly deps: DossierServiceDeps) {}

  async create(input: DossierInput, actor: Actor): Promise<{ view: DossierView; created: boolean }> {
    authorize(actor, 'dossier.create');
    const now = this.deps.clock.now();
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

    const hash = contentHash(input);
    const existing = await this.deps.dossiers.byCode(input.code);
    if (existing) return { view: await this.sameOrConflict(existing, hash), created: false };

    const calendar = await this.deps.calendars.forAgency(deciding);
    const time = procedureTime(procedure);
    const due = input.dueAt?.getTime() ?? computeDue(calendar, input.acceptedAt, time).getTime();
    const rep = input.representative ?? null;
    const record = {
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
      state: 'received' as DossierState,
      resolution: null,
      resolvedAt: null,
      closedAt: null,
      searchText: foldForSearch(`${input.code} ${input.applicant.name} ${rep?.name ?? ''}`),
      contentHash: hash,
    };
    try {
      const dossier = await this.deps.db.transaction(async () => {
        const d = await this.deps.dossiers.insert(record, now.getTime());
        await this.deps.dossiers.addEvent(
          { dossierId: d.id, kind: 'created', occurredAt: d.acceptedAt, recordedAt: now.getTime(), actor: actor.name, data: { dueAt: due }, note: null },
        );
        return d;
      });
      return { view: await this.viewOf(dossier, calendar), created: true };
    } catch (err) {
      // Two requests with the same code raced; the loser answers like a re-send.
      if (!isUniqueViolation(err)) throw err;
      const winner = await this.deps.dossiers.byCode(input.code);
      if (!winner) throw err;
      return { view: await this.sameOrConflict(winner, hash), created: false };
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
    const now = this.deps.clock.now();
    const at = input.occurredAt.getTime();
    if (at > now.getTime()) throw new ValidationError([{ field: 'occurredAt', message: 'Thời điểm sự kiện không được ở tương lai' }]);

    authorize(actor, 'dossier.event');
    const updated = await transactionRetrying(this.deps.db, async () => {
      // The dossier is locked first, before its drafts are cancelled: the one lock order (ApologyRepository.lockWithDossier).
      const d = await this.deps.dossiers.byCode(code, true);
      if (!d || !mayAccessDossier(actor, d, 'write')) throw new NotFoundError(`Không có hồ sơ mã "${code}"`);
      if (at < d.acceptedAt) {
        throw new ValidationError([{ field: 'occurredAt', message: 'Thời điểm sự kiện không được trước thời điểm tiếp nhận hồ sơ' }]);
      }
      const to = nextState(d.state, input.kind);
      if (!to) {
        throw new ConflictError(
          'invalid-transition',
          `Không thể ghi nhận "${EVENT_LABELS[input.kind]}" cho hồ sơ đang ở trạng thái "${STATE_LABELS[d.state]}"`,
        );
      }
      const procedure = await this.deps.procedures.get(d.procedureId);
      const deciding = await this.deps.agencies.get(d.decidingAgencyId);
      const calendar = await this.deps.calendars.forAgency(deciding);
      const patch: Partial<Dossier> = { state: to };
      const data: Record<string, unknown> = { from: d.state, to, dueBefore: d.currentDueAt };

      switch (input.kind) {
        case 'supplement_requested': {
          const remaining = keptOnSupplementRequest(calendar, procedure.supplementPolicy, input.occurredAt, d.currentDueAt === null ? null : new Date(d.currentDueAt), d.clockUnit);
          const rem = remaining ? clockOf(remaining) : null;
          await this.deps.dossiers.startPause(
            {
              dossierId: d.id,
              policy: procedure.supplementPolicy,
              startedAt: at,
              dueBefore: d.currentDueAt,
              remainingUnit: rem?.clockUnit ?? null,
              remainingAmount: rem?.clockAmount ?? null,
            },
          );
          // While the citizen is completing the dossier the clock does not run: no due date, never overdue.
          patch.currentDueAt = null;
          if (remaining) data.remaining = remaining;
          break;
        }
        case 'supplement_received': {
          const pause = await this.deps.dossiers.openPause(d.id);
          if (pause) await this.deps.dossiers.endPause(pause.id, at);
          const time =
            pause?.policy === 'pause' && pause.remainingUnit && pause.remainingAmount !== null
              ? processingTimeOf(pause.remainingUnit, pause.remainingAmount)
              : procedureTime(procedure);
          const due = computeDue(calendar, input.occurredAt, time).getTime();
          Object.assign(patch, clockOf(time), {
            clockStartedAt: at,
            currentDueAt: due,
            deadlineVersion: d.deadlineVersion + 1,
          });
          // A restart is a new receipt with a new appointment; a resumed pause shifts the same one.
          if (d.extensionsCount === 0) patch.originalDueAt = due;
          data.dueAfter = due;
          data.policy = pause?.policy ?? procedure.supplementPolicy;
          break;
        }
        case 'resolved':
          patch.resolvedAt = at;
          patch.resolution = d.currentDueAt === null ? 'on_time' : resolutionOf(input.occurredAt, new Date(d.currentDueAt));
          data.resolution = patch.resolution;
          break;
        case 'returned':
          patch.closedAt = at;
          break;
        case 'withdrawn':
        case 'rejected': {
          patch.closedAt = at;
          const pause = await this.deps.dossiers.openPause(d.id);
          if (pause) await this.deps.dossiers.endPause(pause.id, at);
          break;
        }
        case 'processing_started':
          break;
      }
      // A draft apology is about the deadline it was written for: once the clock stops or the
      // dossier closes it is moot, and a closed dossier's citizen notices must not go out.
      if (input.kind === 'supplement_requested' || CLOSED_STATES.includes(to)) {
        const { cancelled, voided } = await this.deps.drafts.cancelForDossier(d.id, actor.name, `Hồ sơ ${EVENT_LABELS[input.kind]}`, now.getTime());
        if (cancelled) data.draftsCancelled = cancelled;
        // A reserved number a later letter followed stays in the register, void (docs/signing.md).
        if (voided.length) data.lettersVoided = voided;
      }
      if (CLOSED_STATES.includes(to)) {
        const stopped = await this.deps.notices.cancelUnsentForDossier(d.id, 'citizen', now.getTime());
        if (stopped) data.noticesCancelled = stopped;
      }
      await this.deps.dossiers.update(d.id, patch, now.getTime());
      await this.deps.dossiers.addEvent(
        { dossierId: d.id, kind: input.kind, occurredAt: at, recordedAt: now.getTime(), actor: actor.name, data, note: input.note ?? null },
      );
      return { ...d, ...patch };
    });
    return this.viewOf(updated);
  }

  async viewOf(d: Dossier, calendar?: WorkingCalendar): Promise<DossierView> {
    const [procedure, receivingAgency, decidingAgency] = await Promise.all([
      this.deps.procedures.byId(d.procedureId),
      this.deps.agencies.byId(d.receivingAgencyId),
      this.deps.agencies.byId(d.decidingAgencyId),
    ]);
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
