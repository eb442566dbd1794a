import type { AgencyRepository } from '../db/agencies';
import type { DossierRepository } from '../db/dossiers';
import { FAILED } from '../domain/notice-lifecycle';
import { localDayOf, dayStartMs } from '../domain/time';
import type { ApologyService } from './apologies';
import type { Clock } from '../clock';
import { scopeAgencies, type Actor } from '../domain/actor';
import type { DossierService } from './dossiers';
import type { MessageService } from './messages';


export interface Dashboard {
  dueToday: number;
  dueSoon: number;
  overdueWithoutApology: number;
  awaitingApproval: number;
  failedMessages: number;
  toCall: number;
  overdueByAgency: { code: string; name: string; count: number }[];
}

/** Today's numbers for the person's scope: each one is also a filtered list behind a link. */
export class DashboardService {
  constructor(
    private readonly deps: {
      dossiers: DossierService;
      dossierRepo: DossierRepository;
      apologies: ApologyService;
      messages: MessageService;
      agencies: AgencyRepository;
      clock: Clock;
    },
  ) {}

  async forActor(actor: Actor): Promise<Dashboard> {
    const now = this.deps.clock.now();
    const today = dayStartMs(localDayOf(now));
    const count = async (filter: Parameters<DossierService['list']>[0]) => (await this.deps.dossiers.list(filter, 'due', 0, 0, actor)).total;
    const [dueToday, dueSoon, overdueWithoutApology, drafts, failed, toCall, overdue, agencies] = await Promise.all([
      count({ states: ['received', 'processing'], dueFrom: now.getTime(), dueTo: today + 86_400_000 - 1 }),
      count({ timeliness: 'due_soon' }),
      count({ timeliness: 'overdue', apology: 'none' }),
      this.deps.apologies.list({ statuses: ['draft'] }, 0, 0, actor),
      this.deps.messages.list({ statuses: [...FAILED] }, 0, 0, actor),
      this.deps.messages.list({ statuses: ['created'], channels: ['print'] }, 0, 0, actor),
      this.deps.dossierRepo.overdueByAgency(now.getTime(), scopeAgencies(actor, undefined)),
      this.deps.agencies.list(),
    ]);
    const overdueByAgency = agencies
      .filter((a) => overdue.has(a.id))
      .map((a) => ({ code: a.code, name: a.name, count: overdue.get(a.id) as number }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
    return { dueToday, dueSoon, overdueWithoutApology, awaitingApproval: drafts.total, failedMessages: failed.total, toCall: toCall.total, overdueByAgency };
  }
}
