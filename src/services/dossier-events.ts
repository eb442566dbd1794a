import { transactionRetrying, type Db } from '../db/connection';
import type { Agency, AgencyRepository } from '../db/agencies';
import type { Procedure, ProcedureRepository } from '../db/procedures';
import type { ClockUnit, Dossier, DossierEvent, DossierRepository, Pause } from '../db/dossiers';
import type { NoticeRepository } from '../db/notices';
import type { ApologyRepository } from '../db/apologies';
import { computeDue, keptOnSupplementRequest, resolutionOf, type ProcessingTime } from '../domain/deadline';
import { CLOSED_STATES, EVENT_LABELS, STATE_LABELS, nextState, type DossierState, type EventKind } from '../domain/dossier';
import type { WorkingCalendar } from '../domain/calendar';
import { mayAccessDossier, type Actor } from '../domain/actor';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors';
import type { Clock } from '../clock';
import type { CalendarService } from './calendar';
import type { DraftCancellation } from './apologies/cancellation';
import { authorize } from './authorize';

export interface EventInput {
  kind: EventKind;
  occurredAt: Date;
  note?: string;
}

/** One event of a batch: which dossier, what happened, who records it. */
export interface EventItem {
  code: string;
  event: EventInput;
  actor: Actor;
}

/** Each item's answer: the dossier after the event, or the refusal that left it untouched. */
export type EventOutcome = { dossier: Dossier } | { refused: AppError };

export interface DossierEventsDeps {
  db: Db;
  dossiers: DossierRepository;
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  calendars: CalendarService;
  apologies: Pick<ApologyRepository, 'dossiersWithDrafts'>;
  /** A dossier that closes or waits for a supplement cancels its draft apology (and settles its letter number). */
  drafts: DraftCancellation;
  notices: NoticeRepository;
  clock: Clock;
}

export function processingTimeOf(unit: ClockUnit, amount: number): ProcessingTime {
  return unit === 'same_day' ? { unit: 'same_day', cutoffMinute: amount } : { unit, amount };
}

/** A procedure's processing time as the deadline engine takes it. */
export function procedureTime(p: Procedure): ProcessingTime {
  return p.timeUnit === 'same_day'
    ? { unit: 'same_day', cutoffMinute: p.sameDayCutoff ?? 15 * 60 }
    : { unit: p.timeUnit, amount: p.timeAmount };
}

export function clockOf(t: ProcessingTime): { clockUnit: ClockUnit; clockAmount: number } {
  return t.unit === 'same_day' ? { clockUnit: 'same_day', clockAmount: t.cutoffMinute } : { clockUnit: t.unit, clockAmount: t.amount };
}

/** What one event does to its dossier, decided before anything is written. */
interface Planned {
  index: number;
  item: EventItem;
  dossier: Dossier;
  to: DossierState;
  patch: Partial<Dossier>;
  data: Record<string, unknown>;
  startPause?: Omit<Pause, 'id' | 'endedAt'>;
  endPause?: number;
}

/**
 * Recording what happens to dossiers (supplements, results, closing), one event or a batch of
 * them in one transaction — a one-stop system's progress batch, the replay's step. Every event
 * gets the same rules whatever the batch: the state machine, not before acceptance nor in the
 * future, the deadline paused, restarted or resumed, a draft apology and unsent notices
 * cancelled when the dossier closes. An event refused leaves its dossier untouched and the
 * others are still recorded.
 */
export class DossierEvents {
  constructor(private readonly deps: DossierEventsDeps) {}

  async record(items: EventItem[]): Promise<EventOutcome[]> {
    const now = this.deps.clock.now().getTime();
    const outcomes: (EventOutcome | undefined)[] = new Array(items.length);
    const accepted: number[] = [];
    items.forEach((item, i) => {
      const refusal = refusedBeforeReading(item, now);
      if (refusal) outcomes[i] = { refused: refusal };
      else accepted.push(i);
    });
    if (accepted.length) {
      const done = await transactionRetrying(this.deps.db, () => this.inTransaction(items, accepted, now));
      for (const [i, outcome] of done) outcomes[i] = outcome;
    }
    return outcomes as EventOutcome[];
  }

  /**
   * The same dossier twice in a batch is moved in turns (its k-th event in the k-th round), so
   * each event sees the dossier as the one before left it.
   */
  private async inTransaction(items: EventItem[], accepted: number[], now: number): Promise<Map<number, EventOutcome>> {
    const out = new Map<number, EventOutcome>();
    const rounds: number[][] = [];
    const seen = new Map<string, number>();
    for (const i of accepted) {
      const k = seen.get(items[i].code) ?? 0;
      seen.set(items[i].code, k + 1);
      (rounds[k] ??= []).push(i);
    }
    // Once per batch: committed rows, from the snapshot (readsCommittedRows says why that is fresh enough).
    const procedures = new Map((await this.deps.procedures.list()).map((p) => [p.id, p]));
    const agencies = new Map((await this.deps.agencies.list()).map((a) => [a.id, a]));
    for (const round of rounds) {
      // Locked first, before their drafts are cancelled: the one lock order (ApologyRepository.lockWithDossier).
      const dossiers = await this.deps.dossiers.byCodes(round.map((i) => items[i].code), true);
      const planned: Planned[] = [];
      const pausesToRead: Dossier[] = [];
      for (const i of round) {
        const d = dossiers.get(items[i].code);
        const refusal = refusedByDossier(items[i], d);
        if (refusal || !d) {
          out.set(i, { refused: refusal ?? new NotFoundError(`Không có hồ sơ mã "${items[i].code}"`) });
          continue;
        }
        planned.push({ index: i, item: items[i], dossier: d, to: nextState(d.state, items[i].event.kind) as DossierState, patch: {}, data: {} });
        if (['supplement_received', 'withdrawn', 'rejected'].includes(items[i].event.kind)) pausesToRead.push(d);
      }
      const openPauses = await this.deps.dossiers.openPauses(pausesToRead.map((d) => d.id));
      for (const p of planned) {
        const procedure = procedures.get(p.dossier.procedureId) as Procedure;
        const deciding = agencies.get(p.dossier.decidingAgencyId) as Agency;
        plan(p, procedure, await this.deps.calendars.forAgency(deciding), openPauses.get(p.dossier.id) ?? null);
      }
      await this.write(planned, now);
      for (const p of planned) out.set(p.index, { dossier: { ...p.dossier, ...p.patch } });
    }
    return out;
  }

  private async write(planned: Planned[], now: number): Promise<void> {
    await this.deps.dossiers.startPauses(planned.flatMap((p) => (p.startPause ? [p.startPause] : [])));
    for (const p of planned) if (p.endPause !== undefined) await this.deps.dossiers.endPause(p.endPause, p.item.event.occurredAt.getTime());
    // A draft apology is about the deadline it was written for: once the clock stops or the
    // dossier closes it is moot, and a closed dossier's citizen notices must not go out.
    const stopping = planned.filter((p) => p.item.event.kind === 'supplement_requested' || CLOSED_STATES.includes(p.to));
    const withDrafts = await this.deps.apologies.dossiersWithDrafts(stopping.map((p) => p.dossier.id));
    for (const p of stopping) {
      if (!withDrafts.has(p.dossier.id)) continue;
      const { cancelled, voided } = await this.deps.drafts.cancelForDossier(p.dossier.id, p.item.actor.name, `Hồ sơ ${EVENT_LABELS[p.item.event.kind]}`, now);
      if (cancelled) p.data.draftsCancelled = cancelled;
      // A reserved number a later letter followed stays in the register, void (docs/signing.md).
      if (voided.length) p.data.lettersVoided = voided;
    }
    const closing = planned.filter((p) => CLOSED_STATES.includes(p.to));
    const stopped = await this.deps.notices.cancelUnsentForDossiers(closing.map((p) => p.dossier.id), 'citizen', now);
    for (const p of closing) {
      const n = stopped.get(p.dossier.id);
      if (n) p.data.noticesCancelled = n;
    }
    await this.deps.dossiers.updateMany(planned.map((p) => ({ id: p.dossier.id, patch: p.patch })), now);
    await this.deps.dossiers.addEvents(
      planned.map((p) => ({
        dossierId: p.dossier.id,
        kind: p.item.event.kind,
        occurredAt: p.item.event.occurredAt.getTime(),
        recordedAt: now,
        actor: p.item.actor.name,
        data: p.data,
        note: p.item.event.note ?? null,
      })) satisfies Omit<DossierEvent, 'id'>[],
    );
  }
}

/** Refusals that need no database: a time in the future, an actor who may not record events. */
function refusedBeforeReading(item: EventItem, now: number): AppError | null {
  if (item.event.occurredAt.getTime() > now) return new ValidationError([{ field: 'occurredAt', message: 'Thời điểm sự kiện không được ở tương lai' }]);
  try {
    authorize(item.actor, 'dossier.event');
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  return null;
}

function refusedByDossier(item: EventItem, d: Dossier | undefined): AppError | null {
  if (!d || !mayAccessDossier(item.actor, d, 'write')) return new NotFoundError(`Không có hồ sơ mã "${item.code}"`);
  if (item.event.occurredAt.getTime() < d.acceptedAt) {
    return new ValidationError([{ field: 'occurredAt', message: 'Thời điểm sự kiện không được trước thời điểm tiếp nhận hồ sơ' }]);
  }
  if (!nextState(d.state, item.event.kind)) {
    return new ConflictError(
      'invalid-transition',
      `Không thể ghi nhận "${EVENT_LABELS[item.event.kind]}" cho hồ sơ đang ở trạng thái "${STATE_LABELS[d.state]}"`,
    );
  }
  return null;
}

/** The dossier's new state, deadline and history entry for one event (fills `p`). */
function plan(p: Planned, procedure: Procedure, calendar: WorkingCalendar, pause: Pause | null): void {
  const { dossier: d, to } = p;
  const input = p.item.event;
  const at = input.occurredAt.getTime();
  const patch: Partial<Dossier> = { state: to };
  const data: Record<string, unknown> = { from: d.state, to, dueBefore: d.currentDueAt };
  switch (input.kind) {
    case 'supplement_requested': {
      const remaining = keptOnSupplementRequest(calendar, procedure.supplementPolicy, input.occurredAt, d.currentDueAt === null ? null : new Date(d.currentDueAt), d.clockUnit);
      const rem = remaining ? clockOf(remaining) : null;
      p.startPause = {
        dossierId: d.id,
        policy: procedure.supplementPolicy,
        startedAt: at,
        dueBefore: d.currentDueAt,
        remainingUnit: rem?.clockUnit ?? null,
        remainingAmount: rem?.clockAmount ?? null,
      };
      // While the citizen is completing the dossier the clock does not run: no due date, never overdue.
      patch.currentDueAt = null;
      if (remaining) data.remaining = remaining;
      break;
    }
    case 'supplement_received': {
      if (pause) p.endPause = pause.id;
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
    case 'rejected':
      patch.closedAt = at;
      if (pause) p.endPause = pause.id;
      break;
    case 'processing_started':
      break;
  }
  p.patch = patch;
  p.data = data;
}
