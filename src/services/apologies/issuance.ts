import crypto from 'node:crypto';
import { requireTransaction } from '../../db/connection';
import type { Agency } from '../../db/agencies';
import type { Dossier } from '../../db/dossiers';
import type { Apology, ApologyStatus } from '../../db/apologies';
import { apologyRefusal, isLateApology, newDayRefusal } from '../../domain/apology';
import { dayToYmd, localDayOf } from '../../domain/time';
import { letterNumber, placeDateLine } from '../../domain/vn-format';
import { citizenLink, citizenNotices, letterData, noticeData } from '../../documents/apology-letter';
import type { LetterData, RenderedLetter } from '../../documents/types';
import { ConflictError, ForbiddenError, RuleError } from '../../errors';
import { decidesApology, type Actor } from '../../domain/actor';
import type { LetterReservation } from '../../db/signing';
import type { ApologyWorkflowDeps, Context } from './deps';
import { refuse, type ApologyDrafting } from './drafting';

export const STATUS_LABELS: Record<ApologyStatus, string> = { draft: 'Bản nháp chờ duyệt', issued: 'Đã ban hành', cancelled: 'Đã huỷ' };

/** A letter given its number and rendered, ready to be recorded as issued. */
interface IssuedLetter {
  year: number;
  seq: number;
  number: string;
  /** The letter's date: when its number was taken from the register. */
  at: Date;
  rendered: RenderedLetter;
}

export /** What a signed issue adds: the verification mark printed on the letter and the agency's signature. */
interface SignedIssue {
  verification: NonNullable<LetterData['verification']>;
  /** The number and date the letter reserved, if it did: from its signing state, read under the caller's lock. */
  reservation: LetterReservation | null;
  seal: (issued: { numberLine: string; placeDateLine: string }) => Promise<Buffer>;
}

/**
 * Issuing a draft: the draft locked and checked, its letter numbered and rendered, the dossier's
 * new due date, the history event and the notices — one transaction — and the PDF after it.
 */
export class LetterIssuance {
  constructor(
    private readonly deps: ApologyWorkflowDeps,
    private readonly drafting: ApologyDrafting,
  ) {}

  /**
   * The draft, locked, for approving or cancelling: one rule for both. Those who cannot see it
   * are told it does not exist; the receiving agency, which sees it, is told who decides it.
   */
  async draftToDecide(id: number, actor: Actor, decision: 'approve' | 'cancel'): Promise<Apology> {
    const a = await this.deps.access.apology(id, actor, 'read', true);
    if (!decidesApology(actor, a)) {
      throw new ForbiddenError('Chỉ cơ quan giải quyết hồ sơ (cơ quan ban hành thư) mới được duyệt hoặc huỷ thư xin lỗi này');
    }
    if (a.status !== 'draft') {
      throw new ConflictError(
        'apology-not-draft',
        decision === 'approve'
          ? `Thư xin lỗi đang ở trạng thái "${STATUS_LABELS[a.status]}", không phê duyệt được`
          : `Thư xin lỗi đã ${a.status === 'issued' ? 'ban hành' : 'huỷ'}: chỉ huỷ được bản nháp`,
      );
    }
    if (decision === 'approve' && a.returnedAt !== null) {
      throw new ConflictError('apology-returned', 'Thư đang được trả lại người soạn để sửa: chỉ duyệt được sau khi người soạn sửa và gửi lại');
    }
    return a;
  }

  /**
   * Issues a draft: letter number, rendered letter, the dossier's new due date and deadline
   * version, the history event and the notices — or nothing, if any step fails.
   */
  async issueInTx(a: Apology, actor: Actor, signed?: SignedIssue): Promise<Apology> {
    requireTransaction(this.deps.db, 'Issuing an apology');
    const now = this.deps.clock.now();
    const { d, context } = await this.stillIssuable(a, now);
    const receiving = await this.deps.agencies.get(d.receivingAgencyId);
    const letter = await this.numberAndRender(a, d, context, receiving, now, signed ?? null);
    await this.recordIssue(a, d, letter, actor, now);
    if (signed) {
      // The agency's signature, with the number and date, before any notice exists (issue 14).
      const pdf = await signed.seal(stampLines(context.agency, letter));
      await this.deps.apologies.storePdf(a.id, pdf, now.getTime());
    }
    await this.queueNotices(a, d, context, receiving, letter.number, now);
    return await this.deps.apologies.get(a.id);
  }

  /** The dossier, locked, still on the deadline the draft was written for and still allowed an apology on that date. */
  async stillIssuable(a: Apology, now: Date): Promise<{ d: Dossier; context: Context }> {
    const d = await this.deps.dossiers.get(a.dossierId, true);
    if (d.deadlineVersion !== a.deadlineVersion) {
      throw new ConflictError('deadline-changed', 'Thời hạn của hồ sơ đã thay đổi sau khi soạn thư: hãy huỷ và soạn lại');
    }
    const context = await this.drafting.context(d);
    const refusal = apologyRefusal({ ...d, maxExtensions: context.agency.settings.maxExtensions });
    if (refusal) refuse(refusal);
    const dateRefusal = newDayRefusal(context.calendar, new Date(a.dueBefore), localDayOf(new Date(a.newDueAt)), now);
    if (dateRefusal) throw new RuleError(dateRefusal.code, dateRefusal.message);
    return { d, context };
  }

  /**
   * The letter's number and date — the ones it reserved, if it did (an agency signing remotely),
   * otherwise the next in the agency's yearly series — and the letter rendered with them.
   */
  async numberAndRender(a: Apology, d: Dossier, { agency, procedure }: Context, receiving: Agency, now: Date, signed: Omit<SignedIssue, 'seal'> | null): Promise<IssuedLetter> {
    // An unsigned letter may still hold a number from a signing round before its agency stopped signing.
    const reservation = signed ? signed.reservation : (await this.deps.signing.state(a.id))?.reservation;
    const reserved = reservation ?? (await this.takeNumber(agency, now));
    const at = new Date(reserved.at);
    const rendered = this.deps.documents.renderLetter(agency.code, {
      ...letterData({ fields: a, dossier: d, agency, receiving, procedure, letterNumber: reserved.number, now: at }),
      verification: signed?.verification ?? null,
    });
    return { year: reserved.year, seq: reserved.seq, number: reserved.number, at, rendered };
  }

  /** The next number of the agency's register for the year of `now` (inside the transaction that keeps it). */
  async takeNumber(agency: Agency, now: Date): Promise<LetterReservation> {
    const year = dayToYmd(localDayOf(now)).year;
    const seq = await this.deps.apologies.nextLetterSeq(agency.id, year);
    return { year, seq, number: letterNumber(seq, agency.letterSymbol), at: now.getTime() };
  }

  /** The apology issued with its letter, the dossier's new due date, and the history event. */
  async recordIssue(a: Apology, d: Dossier, letter: IssuedLetter, actor: Actor, now: Date): Promise<void> {
    const late = isLateApology(now, new Date(a.dueBefore));
    await this.deps.apologies.markIssued(
      a.id,
      {
        approvedBy: actor.name,
        issuedAt: now.getTime(),
        late,
        letterYear: letter.year,
        letterSeq: letter.seq,
        letterNumber: letter.number,
        templateVersion: letter.rendered.templateVersion,
        contentHash: crypto.createHash('sha256').update(letter.rendered.html).digest('hex'),
        html: letter.rendered.html,
      },
      now.getTime(),
    );
    await this.deps.dossiers.update(
      d.id,
      { currentDueAt: a.newDueAt, deadlineVersion: d.deadlineVersion + 1, extensionsCount: d.extensionsCount + 1 },
      now.getTime(),
    );
    await this.deps.dossiers.addEvent({
      dossierId: d.id,
      kind: 'apology_issued',
      occurredAt: now.getTime(),
      recordedAt: now.getTime(),
      actor: actor.name,
      data: { apologyId: a.id, letterNumber: letter.number, dueBefore: a.dueBefore, dueAfter: a.newDueAt, late },
      note: null,
    });
  }

  /** The citizen's notice and the source system's update, in the same transaction (the outbox): sent only if the issue commits. */
  async queueNotices(a: Apology, d: Dossier, { agency, procedure }: Context, receiving: Agency, number: string, now: Date): Promise<void> {
    const data = noticeData({ apology: a, dossier: d, agency, receiving, procedure, letterNumber: number, link: citizenLink(this.deps.publicBaseUrl, a) });
    const rendered = this.deps.documents.renderNotice(agency.code, data);
    await this.deps.notices.enqueue(citizenNotices(a, d, agency, rendered, now), now.getTime());
    await this.deps.outbound.queueFor(a, d, number, now);
  }

  /**
   * The apology is issued (committed): nothing after this may answer otherwise. The PDF is made
   * now if it can be; if not, the watcher makes it on its next tick, as a download would.
   */
  async afterIssue(issued: Apology): Promise<void> {
    await this.deps.files
      .ensurePdf(issued.id)
      .catch((err: unknown) => this.deps.logger.warn({ err, apology: issued.id }, 'letter PDF not made at issue; the watcher retries'));
  }
}

/** The number and date written into the letter's blanks by the agency's layer. */
export function stampLines(agency: Agency, letter: { number: string; at: Date }): { numberLine: string; placeDateLine: string } {
  return { numberLine: `Số: ${letter.number}`, placeDateLine: placeDateLine(agency.placeName, localDayOf(letter.at)) };
}
