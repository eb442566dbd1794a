import type { Agency, AgencyRepository } from '../db/agencies';
import type { Db } from '../db/connection';
import type { DossierRepository, DossierEvent, DueMove } from '../db/dossiers';
import { computeDue } from '../domain/deadline';
import type { CalendarService } from './calendar';
import type { Clock } from '../clock';
import type { Actor } from '../domain/actor';
import { processingTimeOf } from './dossier-events';

export interface RecomputeReport {
  examined: number;
  moved: number;
}

export interface RecomputeServiceDeps {
  db: Db;
  dossiers: DossierRepository;
  agencies: AgencyRepository;
  calendars: CalendarService;
  clock: Clock;
  batchSize?: number;
}

/**
 * After a calendar decision is entered, every open dossier whose due date still comes from the
 * calendar alone (never re-appointed, not waiting for a supplement) is counted again; those whose
 * due date changes are moved and get a 'due_recomputed' event saying from what to what.
 */
export class RecomputeService {
  private readonly batchSize: number;

  constructor(private readonly deps: RecomputeServiceDeps) {
    this.batchSize = deps.batchSize ?? 5000;
  }

  /** `agencyCodes` null: a national change, every agency is affected. */
  async recompute(agencyCodes: string[] | null, actor: Actor, reason: string): Promise<RecomputeReport> {
    const all = await this.deps.agencies.list();
    const affected = agencyCodes ? all.filter((a) => agencyCodes.includes(a.code)) : all;
    const byId = new Map<number, Agency>(affected.map((a) => [a.id, a]));
    const now = this.deps.clock.now().getTime();
    const report: RecomputeReport = { examined: 0, moved: 0 };
    let afterId = 0;
    for (;;) {
      const batch = await this.deps.dossiers.recomputable(afterId, this.batchSize, agencyCodes ? [...byId.keys()] : null);
      if (!batch.length) break;
      afterId = batch[batch.length - 1].id;
      const moves: DueMove[] = [];
      const events: Omit<DossierEvent, 'id'>[] = [];
      for (const d of batch) {
        const agency = byId.get(d.decidingAgencyId);
        if (!agency) continue;
        const calendar = await this.deps.calendars.forAgency(agency);
        const due = computeDue(calendar, new Date(d.clockStartedAt), processingTimeOf(d.clockUnit, d.clockAmount)).getTime();
        report.examined++;
        if (due === d.currentDueAt) continue;
        moves.push({ id: d.id, dueAt: due, deadlineVersion: d.deadlineVersion, dueBefore: d.currentDueAt as number });
        events.push({
          dossierId: d.id,
          kind: 'due_recomputed',
          occurredAt: now,
          recordedAt: now,
          actor: actor.name,
          data: { dueBefore: d.currentDueAt, dueAfter: due, reason },
          note: null,
        });
      }
      if (moves.length) {
        // A dossier changed since it was read is left as it now is: an apology's new date is what
        // the citizen's letter says, a pause stopped the clock, a resolved dossier is done.
        report.moved += await this.deps.db.transaction(async () => {
          const moved = new Set(await this.deps.dossiers.moveDueDates(moves, now));
          await this.deps.dossiers.addEvents(events.filter((e) => moved.has(e.dossierId)));
          return moved.size;
        });
      }
    }
    return report;
  }
}
