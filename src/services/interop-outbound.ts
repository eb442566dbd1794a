import type { Apology, ApologyRepository } from '../db/apologies';
import type { Dossier } from '../db/dossiers';
import type { NoticeRepository } from '../db/notices';
import type { InteropOutboundRepository } from '../db/interop-outbound';
import { appointmentUpdate } from '../domain/onestop-update';

/**
 * Tells the system a dossier came from its new appointment (issue 16, item 4). Called inside
 * the issuing transaction, like the citizen's notice: the update is queued in the same outbox
 * only if the issue commits, and the dispatcher sends it (retries, backoff, the messages page).
 * A later letter supersedes an earlier one: the earlier update, if still unsent, is cancelled —
 * the source must never end on a date that is no longer the promise — and the new update names
 * the letter it replaces.
 */
export class OnestopOutbound {
  constructor(private readonly deps: { sources: InteropOutboundRepository; notices: NoticeRepository; apologies: ApologyRepository; publicBaseUrl: string }) {}

  async queueFor(a: Apology, d: Dossier, letterNumber: string, now: Date): Promise<void> {
    const target = await this.deps.sources.pushTargetOf(d.id);
    if (!target) return;
    const earlier = (await this.deps.apologies.list({ dossierId: d.id, statuses: ['issued'] }, 2, 0)).items.find((x) => x.id !== a.id);
    await this.deps.notices.cancelUnsentForDossier(d.id, 'system', now.getTime());
    const key = `apology:${a.id}:onestop:${target.sourceCode}`;
    const body = appointmentUpdate({
      key,
      dossierCode: target.remoteCode,
      dueBefore: a.dueBefore,
      newDueAt: a.newDueAt,
      reason: a.reason,
      letterNumber,
      letterUrl: `${this.deps.publicBaseUrl}/c/${a.citizenToken}/letter.pdf`,
      issuedAt: now.getTime(),
      extension: d.extensionsCount + 1,
      replaces: earlier?.letterNumber ?? null,
    });
    await this.deps.notices.enqueue(
      [
        {
          businessKey: key,
          kind: 'new_appointment',
          audience: 'system',
          channel: 'onestop',
          recipient: target.sourceCode,
          agencyId: a.issuingAgencyId,
          dossierId: d.id,
          apologyId: a.id,
          notBefore: now.getTime(),
          payload: { onestop: { body } },
        },
      ],
      now.getTime(),
    );
  }
}
