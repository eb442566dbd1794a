import { transactionRetrying } from '../../db/connection';
import type { Agency } from '../../db/agencies';
import type { Apology } from '../../db/apologies';
import { dayToYmd, localDayOf } from '../../domain/time';
import { letterData } from '../../documents/apology-letter';
import { newDatePassedReason } from '../../domain/apology';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import { decidesApology, type Actor } from '../../domain/actor';
import { authorize } from '../authorize';
import type { ApologyView } from './access';
import type { LetterReservation, LetterSigning } from '../../db/signing';
import { SigningError } from '../../signing';
import type { Dossier } from '../../db/dossiers';
import type { ApologyWorkflowDeps, Context } from './deps';
import type { ApologyDrafting } from './drafting';
import { STATUS_LABELS, stampLines, type LetterIssuance } from './issuance';

/**
 * Digital signatures (issue 14): a signed approval asks for the leader's signature on the letter
 * as approved, and the letter is issued once it arrives, sealed with the agency's signature —
 * at once, or in a second step when the agency signs remotely.
 */
export class SignedIssuance {
  constructor(
    private readonly deps: ApologyWorkflowDeps,
    private readonly drafting: ApologyDrafting,
    private readonly issuance: LetterIssuance,
  ) {}

  /** Whether the apology's agency signs its letters (an agency may only turn it off explicitly). */
  async signingPolicy(id: number): Promise<{ sign: boolean; reason: string | null }> {
    const a = await this.deps.apologies.byId(id);
    if (!a) return { sign: false, reason: null };
    return this.signingPolicyOf(await this.agencyOf(a));
  }

  /** The same, for a caller that holds the issuing agency already (the watcher). */
  async signingPolicyOf(agency: Agency): Promise<{ sign: boolean; reason: string | null }> {
    return this.deps.signing.policy(agency);
  }

  /**
   * A signed approval: the draft is checked as issuing would check it, the leader's signature is
   * asked for on the letter as approved (number and date blank), and the letter waits ("chờ ký
   * số") until it arrives; then it is issued. A refusal that retrying cannot cure returns the
   * draft with the reason (and answers 422 naming it); nothing is sent.
   */
  async approve(id: number, actor: Actor): Promise<Apology> {
    const { a, agency, approval } = await transactionRetrying(this.deps.db, async () => {
      const draft = await this.issuance.draftToDecide(id, actor, 'approve');
      const issuing = await this.agencyOf(draft);
      await this.deps.signing.checkAgencyLayer(issuing);
      const { d, context } = await this.issuance.stillIssuable(draft, this.deps.clock.now());
      const code = await this.deps.signing.open(draft.id, { userId: actor.userId ?? null, name: actor.name }, await this.deps.signing.state(draft.id));
      return { a: draft, agency: issuing, approval: { code, d, context } };
    });
    const outcome = await this.deps.signing.signLeader(a.id, await this.leaderLetterHtml(a, approval), agency, () => this.signingDescription(a));
    if (outcome.state === 'returned') throw new SigningError('signer-not-configured', `Chưa ký số được, thư trả lại bản nháp: ${outcome.message}`);
    if (outcome.state === 'leader-signed') await this.issueSigned(a.id, agency);
    return this.deps.apologies.get(a.id);
  }

  /** Asks the remote signer about a letter waiting for the leader or the agency, and issues it once signed. */
  async continueSigning(id: number): Promise<void> {
    const a = await this.deps.apologies.byId(id);
    if (!a || a.status !== 'draft') return;
    // Before any signer is asked: a letter whose new date has come cannot be issued as it stands.
    if (await this.handedBackForPassedDate(a)) return;
    if ((await this.deps.signing.state(id))?.state === 'agency-waiting') return this.continueAgency(a);
    const outcome = await this.deps.signing.check(a.id, await this.agencyOf(a), () => this.signingDescription(a));
    if (outcome?.state === 'leader-signed') await this.issueSigned(a.id);
  }

  /** The letter as approved, unsigned, for the agency's document-management system to sign (external signer). */
  async letterToSign(id: number, actor: Actor): Promise<Buffer> {
    authorize(actor, 'apology.approve');
    const a = await this.deps.access.apology(id, actor, 'read');
    if (!decidesApology(actor, a)) throw new ForbiddenError('Chỉ cơ quan ban hành thư mới lấy được bản thư để ký');
    return this.deps.signing.letterToSign(a.id);
  }

  /** The letter signed by the document-management system: checked, then issued with the agency's signature. */
  async acceptSignedPdf(id: number, pdf: Buffer, actor: Actor): Promise<ApologyView> {
    authorize(actor, 'apology.approve');
    const a = await this.deps.access.apology(id, actor, 'read');
    if (!decidesApology(actor, a)) throw new ForbiddenError('Chỉ cơ quan ban hành thư mới gửi được bản thư đã ký');
    if (a.status !== 'draft') throw new ConflictError('apology-not-draft', `Thư xin lỗi đang ở trạng thái "${STATUS_LABELS[a.status]}"`);
    await this.deps.signing.acceptExternal(a.id, pdf, await this.agencyOf(a));
    await this.issueSigned(a.id);
    return this.deps.access.view((await this.deps.apologies.byId(a.id)) as Apology);
  }

  /** The poller: every letter whose remote signature is due for a check. */
  async checkSignatures(limit = 50): Promise<number> {
    const ids = await this.deps.signing.due(limit);
    for (const id of ids) {
      await this.continueSigning(id).catch((err: unknown) => this.deps.logger.warn({ err, apology: id }, 'signature check failed; the next check retries'));
    }
    return ids.length;
  }

  /** A callback from an agency's remote-signing service: authenticated or refused (401), then a wake-up. */
  async signatureCallback(agencyCode: string, rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<void> {
    const agency = await this.deps.agencies.byCode(agencyCode);
    if (!agency) throw new NotFoundError(`Không có cơ quan mã "${agencyCode}"`);
    const id = await this.deps.signing.callback(agency.id, rawBody, headers);
    if (id !== null) await this.continueSigning(id);
  }

  /**
   * Issues a letter the leader has signed: number, the agency's signature with the number and
   * date, then the notices — one transaction. If the agency's signature cannot be made the issue
   * rolls back, the reason is recorded and shown, and the next check (or approval) tries again.
   * An agency that signs remotely goes in two steps instead (requestAgencySignature).
   */
  private async issueSigned(id: number, issuing?: Agency): Promise<void> {
    const agency = issuing ?? (await this.agencyOf(await this.deps.apologies.get(id)));
    if (await this.deps.signing.agencySignsRemotely(agency)) return this.requestAgencySignature(id, agency);
    try {
      await transactionRetrying(this.deps.db, async () => {
        const a = await this.deps.apologies.lockWithDossier(id);
        const l = await this.deps.signing.state(id);
        // The issuing agency is the draft's for good: the one read above.
        if (!a || a.status !== 'draft' || !l || l.state !== 'leader-signed') return;
        await this.issuance.issueInTx(a, approverOf(a, l), {
          verification: await this.deps.signing.verificationMark(l.verificationCode),
          reservation: l.reservation,
          seal: (issued) => this.deps.signing.sealAtIssue(a.id, agency, issued),
        });
      });
    } catch (err) {
      await this.issuingFailed(id, err);
    }
  }

  /**
   * The first step of a remote agency signature: the letter's number and date are reserved in
   * their own transaction (or the ones it already holds are kept), stamped into the letter,
   * and the agency's certificate holder is asked to sign it — in office hours only (a request
   * out of hours waits for the opening). Nothing is issued or sent yet.
   */
  private async requestAgencySignature(id: number, agency: Agency): Promise<void> {
    // Before the number: a letter asked for on Monday morning is numbered and dated Monday.
    if (await this.deps.signing.waitsForOffice(id, agency, 'leader-signed')) return;
    let reserved: LetterReservation | null = null;
    try {
      reserved = await transactionRetrying(this.deps.db, async () => {
        const a = await this.deps.apologies.lockWithDossier(id);
        const l = await this.deps.signing.state(id);
        if (!a || a.status !== 'draft' || l?.state !== 'leader-signed') return null;
        const now = this.deps.clock.now();
        await this.issuance.stillIssuable(a, now);
        if (l.reservation) return l.reservation;
        const taken = await this.issuance.takeNumber(agency, now);
        await this.deps.signing.reserve(id, taken);
        return taken;
      });
    } catch (err) {
      await this.issuingFailed(id, err);
    }
    if (!reserved) return;
    const a = await this.deps.apologies.get(id);
    await this.deps.signing.requestAgency(id, agency, stampLines(agency, { number: reserved.number, at: new Date(reserved.at) }), await this.signingDescription(a));
  }

  /** The second step: once the agency's signature is confirmed, the letter is issued with it and the notices queued — one transaction. */
  private async continueAgency(a: Apology): Promise<void> {
    const agency = await this.agencyOf(a);
    const signed = await this.deps.signing.checkAgency(a.id, agency);
    if (!signed) return;
    try {
      await transactionRetrying(this.deps.db, async () => {
        const draft = await this.deps.apologies.lockWithDossier(a.id);
        const l = await this.deps.signing.state(a.id);
        if (!draft || draft.status !== 'draft' || l?.state !== 'agency-waiting') return;
        await this.issuance.issueInTx(draft, approverOf(draft, l), {
          verification: await this.deps.signing.verificationMark(l.verificationCode),
          reservation: l.reservation,
          seal: () => this.deps.signing.agencyConfirmed(a.id, agency, signed),
        });
      });
    } catch (err) {
      if (err instanceof ConflictError && err.code === 'signature-settled') return;
      await this.issuingFailed(a.id, err);
    }
  }

  /** The letter the leader signs (and reviews before approving): as it will be issued, but with the number and date left blank. */
  async leaderLetterHtml(a: Apology, approval?: { code: string; d: Dossier; context: Context }): Promise<string> {
    // The approval that has just opened the signing round knows its code and has read the
    // dossier and its context; a preview reads them.
    const d = approval?.d ?? (await this.deps.dossiers.get(a.dossierId));
    const { agency, procedure } = approval?.context ?? (await this.drafting.context(d));
    const receiving = await this.deps.agencies.get(d.receivingAgencyId);
    const now = this.deps.clock.now();
    const code = approval?.code ?? (await this.deps.signing.state(a.id))?.verificationCode;
    const blank = '\u00a0'.repeat(10);
    return this.deps.documents.renderLetter(agency.code, {
      ...letterData({ fields: a, dossier: d, agency, receiving, procedure, letterNumber: `${blank}/${agency.letterSymbol}`, now }),
      placeDateLine: `${agency.placeName}, ngày${blank}tháng${blank}năm ${dayToYmd(localDayOf(now)).year}`,
      verification: code ? await this.deps.signing.verificationMark(code) : null,
    }).html;
  }

  /**
   * Why issuing failed, recorded: a new date that has come meanwhile hands the letter back to the
   * leader (no retry cures it); any other fault is retried by the poller, and thrown.
   */
  private async issuingFailed(id: number, err: unknown): Promise<void> {
    if (err instanceof AppError && err.code === 'new-date-past' && (await this.handedBackForPassedDate(await this.deps.apologies.get(id)))) return;
    await this.deps.signing.agencyFailed(id, err);
    throw err;
  }

  /** A letter waiting for a signature whose new date has come goes back to the leader, the date named. */
  private async handedBackForPassedDate(a: Apology): Promise<boolean> {
    const reason = newDatePassedReason(new Date(a.newDueAt), this.deps.clock.now());
    return reason !== null && (await this.deps.signing.handBackDatePassed(a.id, reason));
  }

  private async agencyOf(a: Apology): Promise<Agency> {
    return await this.deps.agencies.get(a.issuingAgencyId);
  }

  private async signingDescription(a: Apology): Promise<string> {
    const d = await this.deps.dossiers.byId(a.dossierId);
    return `Văn bản xin lỗi, hồ sơ ${d?.code ?? a.dossierId}`;
  }
}

/** Who approved a letter being issued after its signatures (the leader, or the system). */
function approverOf(a: Apology, l: LetterSigning): Actor {
  return { name: l.approvedBy, agencyId: a.issuingAgencyId, role: 'leader', ...(l.approverUserId === null ? {} : { userId: l.approverUserId }) };
}
