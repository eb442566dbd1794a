import type { Apology, ApologyRepository } from '../../db/apologies';
import { ConflictError } from '../../errors';
import type { LetterSigningService } from '../signing/letters';

export interface DraftCancellationDeps {
  apologies: ApologyRepository;
  signing: LetterSigningService;
}

/** What cancelling a dossier's drafts did: how many, and the letter numbers recorded as void. */
export interface DossierDraftsCancelled {
  cancelled: number;
  voided: string[];
}

/**
 * Cancelling drafts, one rule for every path that cancels: an officer, or a dossier that closes
 * or waits for a supplement (docs/signing.md, "Số văn bản"). A draft holding a reserved letter
 * number gives it back when it is still the last one taken from the register. Otherwise giving
 * it back would leave a gap: an officer's cancel is refused (409, naming the number), while a
 * dossier's closing, which nobody can refuse, records the number on the cancelled letter as
 * void, so the register still accounts for it and no letter goes to the citizen. Either way the
 * letter's signing round ends: the poller stops asking, and a late confirmation issues nothing.
 * Runs inside the caller's transaction.
 */
export class DraftCancellation {
  constructor(private readonly deps: DraftCancellationDeps) {}

  async cancel(a: Apology, by: string, reason: string, now: number): Promise<void> {
    await this.settleNumber(a, 'refuse');
    await this.deps.apologies.cancelDrafts({ id: a.id }, by, reason, now);
    await this.deps.signing.endRound(a.id, reason);
  }

  async cancelForDossier(dossierId: number, by: string, reason: string, now: number): Promise<DossierDraftsCancelled> {
    // A dossier has one live draft (one per deadline version); the limit only bounds the read.
    const { items: drafts } = await this.deps.apologies.list({ dossierId, statuses: ['draft'] }, 100, 0);
    const voided: string[] = [];
    for (const draft of drafts) {
      // The caller holds the dossier; the draft is locked before the register (the one lock order: ApologyRepository.lockWithDossier).
      const a = (await this.deps.apologies.lockWithDossier(draft.id)) ?? draft;
      const number = await this.settleNumber(a, 'void');
      if (number) voided.push(number);
      await this.deps.signing.endRound(a.id, reason);
    }
    const cancelled = await this.deps.apologies.cancelDrafts({ dossierId }, by, reason, now);
    return { cancelled, voided };
  }

  /** Gives the draft's reserved number back, or refuses, or records it as void; the number voided, if one was. */
  private async settleNumber(a: Apology, otherwise: 'refuse' | 'void'): Promise<string | null> {
    const reserved = (await this.deps.signing.state(a.id))?.reservation;
    if (!reserved) return null;
    if (await this.deps.apologies.releaseLetterSeq(a.issuingAgencyId, reserved.year, reserved.seq)) {
      await this.deps.signing.clearReservation(a.id);
      return null;
    }
    if (otherwise === 'refuse') {
      throw new ConflictError(
        'letter-number-reserved',
        `Thư đã giữ số ${reserved.number} trong sổ văn bản đi và đã có văn bản mang số sau: không huỷ được (sổ không được có số trống). Hãy phê duyệt lại để ban hành thư với số này.`,
      );
    }
    await this.deps.apologies.recordVoidNumber(a.id, reserved);
    return reserved.number;
  }
}
