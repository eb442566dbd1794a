import type { AgencyRepository } from '../db/agencies';
import type { Apology, ApologyRepository } from '../db/apologies';
import type { Dossier, DossierRepository } from '../db/dossiers';
import type { Notice } from '../db/notices';
import type { LetterSigningState } from '../db/signing';
import { scopeAgencies, type Actor } from '../domain/actor';
import { endOfTomorrow, queuesFor, urgencyOf, type Urgency } from '../domain/work-queue';
import type { Clock } from '../clock';
import type { CalendarService } from './calendar';
import type { MessageService, NoticeTry } from './messages';
import type { LetterSigningService } from './signing/letters';

/** How many rows each queue shows; the total says how many more wait behind the link to the full list. */
export const QUEUE_LIMIT = 20;

export interface Queue<T> {
  items: T[];
  total: number;
}

export interface CallItem {
  notice: Notice;
  dossier: Dossier | null;
  tried: NoticeTry | null;
}

export interface DueItem {
  dossier: Dossier;
  urgency: Urgency;
  /** The draft apology waiting for the current deadline, if any (null: none drafted yet). */
  draft: Apology | null;
}

export interface LetterItem {
  apology: Apology;
  dossierCode: string;
  /** How close the deadline the letter must beat is. */
  urgency: Urgency;
  signing: LetterSigningState | null;
}

/** A role's dashboard: only the queues its role acts on are filled (see domain/work-queue). */
export interface WorkQueues {
  calls: Queue<CallItem> | null;
  dueWithoutApology: Queue<DueItem> | null;
  returnedDrafts: Queue<LetterItem> | null;
  toApprove: Queue<LetterItem> | null;
  dueSoon: Queue<DueItem> | null;
  lateAgencies: { code: string; name: string; count: number }[] | null;
}

const OPEN_WITH_DEADLINE = ['received', 'processing'] as const;

/**
 * Each role's work for today, read from the repositories in a fixed number of queries per queue
 * (never one per row), within what the actor may see and act on.
 */
export class DashboardService {
  constructor(
    private readonly deps: {
      dossierRepo: DossierRepository;
      apologyRepo: ApologyRepository;
      messages: MessageService;
      signing: LetterSigningService;
      agencies: AgencyRepository;
      calendars: CalendarService;
      clock: Clock;
    },
  ) {}

  async forActor(actor: Actor): Promise<WorkQueues> {
    const wanted = new Set(queuesFor(actor.role));
    const now = this.deps.clock.now();
    const [calls, dueWithoutApology, returnedDrafts, toApprove, dueSoon, lateAgencies] = await Promise.all([
      wanted.has('calls') ? this.calls(actor) : null,
      wanted.has('dueWithoutApology') ? this.dueWithoutApology(actor, now) : null,
      wanted.has('returnedDrafts') ? this.letters({ agencyIds: scopeAgencies(actor, undefined), statuses: ['draft'], returned: true, order: 'oldest' }, now) : null,
      wanted.has('toApprove')
        ? this.letters({ issuingAgencyIds: actor.agencyId === null ? undefined : [actor.agencyId], statuses: ['draft'], returned: false, order: 'oldest' }, now)
        : null,
      wanted.has('dueSoon') ? this.dueSoon(actor, now) : null,
      wanted.has('lateAgencies') ? this.lateAgencies(actor, now) : null,
    ]);
    return { calls, dueWithoutApology, returnedDrafts, toApprove, dueSoon, lateAgencies };
  }

  /** Citizens whose message waits at the counter: to phone, or to hand the printed letter. */
  private async calls(actor: Actor): Promise<Queue<CallItem>> {
    const r = await this.deps.messages.list({ statuses: ['created'], channels: ['print'] }, QUEUE_LIMIT, 0, actor);
    return {
      items: r.items.map((notice) => ({ notice, dossier: notice.dossierId === null ? null : (r.dossiers.get(notice.dossierId) ?? null), tried: r.tries.get(notice.id) ?? null })),
      total: r.total,
    };
  }

  /** Open dossiers due by the end of tomorrow (or already late) with no apology for their deadline, most urgent first. */
  private async dueWithoutApology(actor: Actor, now: Date): Promise<Queue<DueItem>> {
    const { items, total } = await this.deps.dossierRepo.list(
      { states: [...OPEN_WITH_DEADLINE], visibleTo: scopeAgencies(actor, undefined), dueTo: endOfTomorrow(now), apology: 'none' },
      'due',
      QUEUE_LIMIT,
      0,
    );
    return { items: items.map(({ dossier }) => ({ dossier, urgency: urgencyOf(dossier.currentDueAt as number, now), draft: null })), total };
  }

  /** The agency's open dossiers due within its warning period (or late), each with its draft apology if one waits. */
  private async dueSoon(actor: Actor, now: Date): Promise<Queue<DueItem>> {
    const agencies = (await this.deps.agencies.list()).filter((a) => actor.agencyId === null || a.id === actor.agencyId);
    const until = await this.deps.calendars.dueSoonUntil(agencies, now);
    const horizon = Math.max(endOfTomorrow(now), ...until.values());
    const { items, total } = await this.deps.dossierRepo.list(
      { states: [...OPEN_WITH_DEADLINE], agencyIds: agencies.map((a) => a.id), dueTo: horizon },
      'due',
      QUEUE_LIMIT,
      0,
    );
    const drafts = await this.deps.apologyRepo.list({ dossierIds: items.map(({ dossier }) => dossier.id), statuses: ['draft'] }, QUEUE_LIMIT, 0);
    const draftOf = new Map(drafts.items.map((a) => [a.dossierId, a]));
    return {
      items: items.map(({ dossier }) => ({
        dossier,
        urgency: urgencyOf(dossier.currentDueAt as number, now),
        draft: draftOf.get(dossier.id)?.deadlineVersion === dossier.deadlineVersion ? (draftOf.get(dossier.id) as Apology) : null,
      })),
      total,
    };
  }

  /** Draft letters, with the deadline each must beat and where its signature stands. */
  private async letters(filter: Parameters<ApologyRepository['list']>[0], now: Date): Promise<Queue<LetterItem>> {
    const { items, total } = await this.deps.apologyRepo.list(filter, QUEUE_LIMIT, 0);
    const [dossiers, signing] = await Promise.all([this.deps.dossierRepo.byIds(items.map((a) => a.dossierId)), this.deps.signing.states(items.map((a) => a.id))]);
    return {
      items: items.map((apology) => ({
        apology,
        dossierCode: dossiers.get(apology.dossierId)?.code ?? String(apology.dossierId),
        urgency: urgencyOf(apology.dueBefore, now),
        signing: signing.get(apology.id)?.state ?? null,
      })),
      total,
    };
  }

  private async lateAgencies(actor: Actor, now: Date): Promise<WorkQueues['lateAgencies']> {
    const [overdue, agencies] = await Promise.all([this.deps.dossierRepo.overdueByAgency(now.getTime(), scopeAgencies(actor, undefined)), this.deps.agencies.list()]);
    return agencies
      .filter((a) => overdue.has(a.id))
      .map((a) => ({ code: a.code, name: a.name, count: overdue.get(a.id) as number }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  }
}
