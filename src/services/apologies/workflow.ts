import { transactionRetrying } from '../../db/connection';
import type { Dossier } from '../../db/dossiers';
import type { Agency } from '../../db/agencies';
import type { Apology } from '../../db/apologies';
import { allows, isPending } from '../../domain/notice-lifecycle';
import type { LetterFields } from '../../documents/apology-letter';
import { ConflictError } from '../../errors';
import type { Actor } from '../../domain/actor';
import { authorize } from '../authorize';
import type { ApologyView } from './access';
import type { ApologyWorkflowDeps, Context } from './deps';
import { ApologyDrafting, type DraftInput, type Proposal } from './drafting';
import { LetterIssuance, type SignedIssue } from './issuance';
import { SignedIssuance } from './signed-issuance';

export { COMMON_REASONS, type DraftInput, type Proposal } from './drafting';
export { STATUS_LABELS } from './issuance';
export type { ApologyWorkflowDeps, Context } from './deps';

/**
 * The apology workflow: an officer (or the watcher) drafts a Mẫu 04 apology with a reason and a
 * new date, a leader approves, and approval issues it — letter number, stored letter, new due
 * date and the notices to send, all in one transaction; the PDF follows the commit. A draft
 * may be cancelled instead; an issued apology's notice may be sent again.
 *
 * What routes, the watcher and the review call, one class; each part of the story is told in its
 * own file: drafting (drafting.ts), issuing (issuance.ts), and digital signatures before issuing
 * (signed-issuance.ts).
 */
export class ApologyWorkflow {
  private readonly drafting: ApologyDrafting;
  private readonly issuance: LetterIssuance;
  private readonly signed: SignedIssuance;

  constructor(private readonly deps: ApologyWorkflowDeps) {
    this.drafting = new ApologyDrafting(deps);
    this.issuance = new LetterIssuance(deps, this.drafting);
    this.signed = new SignedIssuance(deps, this.drafting, this.issuance);
  }

  proposal(code: string, actor: Actor): Promise<Proposal> {
    return this.drafting.proposal(code, actor);
  }

  preview(code: string, input: DraftInput, actor: Actor): Promise<string> {
    return this.drafting.preview(code, input, actor);
  }

  draft(code: string, input: DraftInput, actor: Actor): Promise<ApologyView> {
    return this.drafting.draft(code, input, actor);
  }

  draftInTx(d: Dossier, input: DraftInput, actor: Actor, origin: Apology['origin']): Promise<Apology> {
    return this.drafting.draftInTx(d, input, actor, origin);
  }

  redateInTx(a: Apology, d: Dossier, actor: Actor): Promise<Apology | null> {
    return this.drafting.redateInTx(a, d, actor);
  }

  reviseInTx(a: Apology, change: { reason: string; newDueAt: number }, actor: Actor, now: Date, note: string | null): Promise<boolean> {
    return this.drafting.reviseInTx(a, change, actor, now, note);
  }

  context(d: Dossier): Promise<Context> {
    return this.drafting.context(d);
  }

  checkedDraft(d: Dossier, input: DraftInput, now: Date): Promise<{ fields: LetterFields } & Context> {
    return this.drafting.checkedDraft(d, input, now);
  }

  /**
   * A leader's approval issues the apology: the draft is locked and checked, issued in one
   * transaction, and its PDF made after the commit.
   */
  async approve(id: number, actor: Actor): Promise<ApologyView> {
    return this.deps.access.view(await this.approveDraft(id, actor));
  }

  /** `approve` without the page's view of the result (the watcher asks only whether it was issued). */
  async approveDraft(id: number, actor: Actor): Promise<Apology> {
    authorize(actor, 'apology.approve');
    const policy = await this.signingPolicy(id);
    if (policy.sign) return this.signed.approve(id, actor);
    const issued = await transactionRetrying(this.deps.db, async () => {
      const draft = await this.draftToDecide(id, actor, 'approve');
      const done = await this.issueInTx(draft, actor);
      await this.deps.signing.markUnsigned(draft.id, actor.name, policy.reason ?? 'Không ký số');
      return done;
    });
    await this.issuance.afterIssue(issued);
    return issued;
  }

  async cancel(id: number, reason: string, actor: Actor): Promise<ApologyView> {
    authorize(actor, 'apology.cancel');
    const now = this.deps.clock.now().getTime();
    await transactionRetrying(this.deps.db, async () => {
      const a = await this.draftToDecide(id, actor, 'cancel');
      await this.deps.drafts.cancel(a, actor.name, reason, now);
      await this.deps.dossiers.addEvent({
        dossierId: a.dossierId,
        kind: 'apology_cancelled',
        occurredAt: now,
        recordedAt: now,
        actor: actor.name,
        data: { apologyId: id },
        note: reason,
      });
    });
    return this.deps.access.view(await this.deps.access.apology(id, actor, 'read'));
  }

  /**
   * Sends an issued apology's notice to the citizen again. A failed notice is retried; one that
   * already went out is never repeated silently: a new notice is queued on the same channel,
   * marked in its payload with who asked for it and when. Refused while a notice is still on
   * its way, so that a double click does not send twice.
   */
  async resend(id: number, actor: Actor): Promise<{ view: ApologyView; retried: boolean }> {
    authorize(actor, 'message.manage');
    const { access, notices: noticeRepo, clock } = this.deps;
    const a = await access.apology(id, actor, 'write');
    if (a.status !== 'issued') throw new ConflictError('apology-not-issued', 'Chỉ gửi lại thông báo của thư xin lỗi đã ban hành');
    const now = clock.now().getTime();
    const notices = await noticeRepo.forApology(a.id);
    if (notices.some((n) => isPending(n.status))) {
      throw new ConflictError('notice-pending', 'Thông báo cho người dân đang chờ gửi hoặc đang gửi: chưa cần gửi lại');
    }
    const citizen = notices.filter((n) => n.audience === 'citizen');
    const last = citizen[citizen.length - 1];
    if (!last) throw new ConflictError('notice-missing', 'Thư xin lỗi này không có thông báo nào để gửi lại');
    // Nothing is pending, so a notice that may be retried has failed for good: it goes again as it is.
    if (allows(last.status, 'retry')) {
      await noticeRepo.retry(last.id, now);
      return { view: await this.viewOf(id, actor), retried: true };
    }
    const original = citizen.find((n) => n.fallbackOf === null) ?? last;
    const resend = { by: actor.name, at: now, of: last.id };
    await noticeRepo.enqueue(
      [
        {
          businessKey: `apology:${a.id}:resend:${citizen.length}`,
          kind: original.kind,
          audience: 'citizen',
          channel: original.channel,
          recipient: original.recipient,
          agencyId: original.agencyId,
          dossierId: original.dossierId,
          apologyId: a.id,
          notBefore: now,
          payload: { ...original.payload, resend },
        },
      ],
      now,
    );
    return { view: await this.viewOf(id, actor), retried: false };
  }

  issueInTx(a: Apology, actor: Actor, signed?: SignedIssue): Promise<Apology> {
    return this.issuance.issueInTx(a, actor, signed);
  }

  draftToDecide(id: number, actor: Actor, decision: 'approve' | 'cancel'): Promise<Apology> {
    return this.issuance.draftToDecide(id, actor, decision);
  }

  signingPolicy(id: number): Promise<{ sign: boolean; reason: string | null }> {
    return this.signed.signingPolicy(id);
  }

  signingPolicyOf(agency: Agency): Promise<{ sign: boolean; reason: string | null }> {
    return this.signed.signingPolicyOf(agency);
  }

  continueSigning(id: number): Promise<void> {
    return this.signed.continueSigning(id);
  }

  letterToSign(id: number, actor: Actor): Promise<Buffer> {
    return this.signed.letterToSign(id, actor);
  }

  acceptSignedPdf(id: number, pdf: Buffer, actor: Actor): Promise<ApologyView> {
    return this.signed.acceptSignedPdf(id, pdf, actor);
  }

  checkSignatures(limit = 50): Promise<number> {
    return this.signed.checkSignatures(limit);
  }

  signatureCallback(agencyCode: string, rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<void> {
    return this.signed.signatureCallback(agencyCode, rawBody, headers);
  }

  leaderLetterHtml(a: Apology): Promise<string> {
    return this.signed.leaderLetterHtml(a);
  }

  private async viewOf(id: number, actor: Actor): Promise<ApologyView> {
    return this.deps.access.view(await this.deps.access.apology(id, actor, 'read'));
  }
}
