import crypto from 'node:crypto';
import { isUniqueViolation, requireTransaction, transactionRetrying, type Db } from '../../db/connection';
import type { Agency, AgencyRepository } from '../../db/agencies';
import type { Procedure, ProcedureRepository } from '../../db/procedures';
import type { Dossier, DossierRepository } from '../../db/dossiers';
import type { Apology, ApologyRepository, ApologyStatus } from '../../db/apologies';
import type { NoticeRepository } from '../../db/notices';
import type { WorkingCalendar } from '../../domain/calendar';
import { allows, isPending } from '../../domain/notice-lifecycle';
import { apologyRefusal, isLateApology, newDayRefusal, proposedNewDay, type Refusal } from '../../domain/apology';
import { dayToYmd, localDayOf, type DayNumber } from '../../domain/time';
import { letterNumber } from '../../domain/vn-format';
import {
  citizenLink,
  citizenNotices,
  letterData,
  letterFields,
  markPreview,
  noticeData,
  previewLetterNumber,
  type LetterFields,
} from '../../documents/apology-letter';
import type { DocumentRenderer } from '../../documents/renderer';
import type { LetterData, RenderedLetter } from '../../documents/types';
import { ConflictError, ForbiddenError, RuleError } from '../../errors';
import type { Logger } from '../../logger';
import type { CalendarService } from '../calendar';
import type { Clock } from '../../clock';
import { decidesApology, type Actor } from '../../domain/actor';
import { authorize } from '../authorize';
import type { ApologyAccess, ApologyView } from './access';
import type { ApologyFiles } from './files';
import type { DraftCancellation } from './cancellation';
import type { LetterSigningService } from '../signing/letters';
import type { LetterReservation, LetterSigning } from '../../db/signing';
import { SigningError } from '../../signing';
import { NotFoundError } from '../../errors';
import type { OnestopOutbound } from '../interop-outbound';
import { placeDateLine } from '../../domain/vn-format';

export interface DraftInput {
  reason?: string;
  /** Vietnam-local day of the new appointment; the default proposal when absent. */
  newDueDay?: DayNumber;
  responsibleUnit?: string;
  signerName?: string;
  signerTitle?: string;
  signerOnBehalf?: string | null;
}

export interface Proposal {
  newDueDay: DayNumber;
  newDueAt: number;
  reasons: string[];
  refusal: Refusal | null;
  /** The working days a form may offer for the new date (the proposal among them). */
  choices: DayNumber[];
}

export const STATUS_LABELS: Record<ApologyStatus, string> = { draft: 'Bản nháp chờ duyệt', issued: 'Đã ban hành', cancelled: 'Đã huỷ' };

/** How many working days the apology form offers to choose from. */
const DAY_CHOICES = 20;

/** Reasons offered beside the procedure's own default, as staff most often write them. */
export const COMMON_REASONS = [
  'Hồ sơ cần xác minh, thẩm định thêm tại hiện trường',
  'Cần lấy ý kiến của cơ quan, đơn vị có liên quan',
  'Cơ quan phối hợp chưa có văn bản trả lời',
  'Số lượng hồ sơ tiếp nhận tăng đột biến trong kỳ',
  'Hệ thống thông tin gặp sự cố kỹ thuật',
];

export interface ApologyWorkflowDeps {
  db: Db;
  apologies: ApologyRepository;
  notices: NoticeRepository;
  dossiers: DossierRepository;
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  calendars: CalendarService;
  documents: DocumentRenderer;
  files: ApologyFiles;
  access: ApologyAccess;
  clock: Clock;
  publicBaseUrl: string;
  logger: Logger;
  /** The letter's two digital signatures (issue 14). */
  signing: LetterSigningService;
  /** The system the dossier came from, told the new appointment (issue 16). */
  outbound: OnestopOutbound;
  /** Cancelling a draft, and what becomes of a letter number it reserved. */
  drafts: DraftCancellation;
}

/** Where a dossier's apology is decided and what it is checked against. */
export interface Context {
  agency: Agency;
  procedure: Procedure;
  calendar: WorkingCalendar;
}

/** A letter given its number and rendered, ready to be recorded as issued. */
interface IssuedLetter {
  year: number;
  seq: number;
  number: string;
  /** The letter's date: when its number was taken from the register. */
  at: Date;
  rendered: RenderedLetter;
}

/** What a signed issue adds: the verification mark printed on the letter and the agency's signature. */
interface SignedIssue {
  verification: NonNullable<LetterData['verification']>;
  seal: (issued: { numberLine: string; placeDateLine: string }) => Promise<Buffer>;
}

function refuse(r: Refusal): never {
  throw r.status === 409 ? new ConflictError(r.code, r.message) : new RuleError(r.code, r.message);
}

/**
 * The apology workflow: an officer (or the watcher) drafts a Mẫu 04 apology with a reason and a
 * new date, a leader approves, and approval issues it — letter number, stored letter, new due
 * date and the notices to send, all in one transaction; the PDF follows the commit. A draft
 * may be cancelled instead; an issued apology's notice may be sent again.
 */
export class ApologyWorkflow {
  constructor(private readonly deps: ApologyWorkflowDeps) {}

  /** What the apology form proposes: the default new date, the usual reasons, and whether an apology is possible at all. */
  async proposal(code: string, actor: Actor): Promise<Proposal> {
    const d = await this.deps.access.dossier(code, actor, 'read');
    const { agency, procedure, calendar } = await this.context(d);
    const refusal = apologyRefusal({ ...d, maxExtensions: agency.settings.maxExtensions });
    const now = this.deps.clock.now();
    const due = new Date(d.currentDueAt ?? now.getTime());
    const newDueDay = proposedNewDay(calendar, due, procedure.defaultExtensionDays, now);
    const reasons = [procedure.defaultDelayReason, ...COMMON_REASONS].filter((r, i, all) => r && all.indexOf(r) === i);
    const choices: DayNumber[] = [];
    // Only days the draft would accept: working days after both the due day and today.
    for (let day = Math.max(localDayOf(due), localDayOf(now)); choices.length < DAY_CHOICES || day < newDueDay; ) {
      day = calendar.nextWorkingDay(day);
      choices.push(day);
    }
    return { newDueDay, newDueAt: calendar.endOfDay(newDueDay).getTime(), reasons, refusal, choices };
  }

  /**
   * The letter as it would be issued from these form values, without saving anything: the same
   * checks and rendering as issuing, with no number yet and a banner saying it is a preview.
   */
  async preview(code: string, input: DraftInput, actor: Actor): Promise<string> {
    authorize(actor, 'apology.draft');
    const d = await this.deps.access.dossier(code, actor, 'write');
    const now = this.deps.clock.now();
    const { fields, agency, procedure } = await this.checkedDraft(d, input, now);
    const receiving = await this.deps.agencies.get(d.receivingAgencyId);
    const letter = this.deps.documents.renderLetter(
      agency.code,
      letterData({ fields, dossier: d, agency, receiving, procedure, letterNumber: previewLetterNumber(agency), now }),
    );
    return markPreview(letter.html);
  }

  async draft(code: string, input: DraftInput, actor: Actor): Promise<ApologyView> {
    authorize(actor, 'apology.draft');
    const apology = await transactionRetrying(this.deps.db, async () => {
      const d = await this.deps.access.dossier(code, actor, 'write', true);
      return this.draftInTx(d, input, actor, 'officer');
    });
    return this.deps.access.view(apology);
  }

  /** Shared by officers and the watcher; throws a 409/422 naming the rule that refuses. */
  async draftInTx(d: Dossier, input: DraftInput, actor: Actor, origin: Apology['origin']): Promise<Apology> {
    const { db, apologies, dossiers, clock } = this.deps;
    requireTransaction(db, 'Drafting an apology');
    const now = clock.now();
    const { fields, agency } = await this.checkedDraft(d, input, now);
    if (await apologies.activeFor(d.id, d.deadlineVersion)) {
      throw new ConflictError('apology-exists', 'Hồ sơ đã có thư xin lỗi cho thời hạn hiện tại');
    }
    let apology: Apology;
    try {
      apology = await apologies.insert(
        {
          ...fields,
          dossierId: d.id,
          deadlineVersion: d.deadlineVersion,
          origin,
          issuingAgencyId: agency.id,
          draftedBy: actor.name,
          citizenToken: crypto.randomBytes(24).toString('base64url'),
        },
        now.getTime(),
      );
    } catch (err) {
      // Another process drafted for the same deadline a moment earlier.
      if (isUniqueViolation(err)) throw new ConflictError('apology-exists', 'Hồ sơ đã có thư xin lỗi cho thời hạn hiện tại');
      throw err;
    }
    await dossiers.addEvent({
      dossierId: d.id,
      kind: 'apology_drafted',
      occurredAt: now.getTime(),
      recordedAt: now.getTime(),
      actor: actor.name,
      data: { apologyId: apology.id, reason: fields.reason, dueBefore: apology.dueBefore, proposedDue: apology.newDueAt },
      note: null,
    });
    return apology;
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
    if (policy.sign) return this.approveSigned(id, actor);
    const issued = await transactionRetrying(this.deps.db, async () => {
      const draft = await this.draftToDecide(id, actor, 'approve');
      const done = await this.issueInTx(draft, actor);
      await this.deps.signing.markUnsigned(draft.id, actor.name, policy.reason ?? 'Không ký số');
      return done;
    });
    await this.afterIssue(issued);
    return issued;
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
    const letter = await this.numberAndRender(a, d, context, receiving, now, signed?.verification ?? null);
    await this.recordIssue(a, d, letter, actor, now);
    if (signed) {
      // The agency's signature, with the number and date, before any notice exists (issue 14).
      const pdf = await signed.seal(stampLines(context.agency, letter));
      await this.deps.apologies.storePdf(a.id, pdf, now.getTime());
    }
    await this.queueNotices(a, d, context, receiving, letter.number, now);
    return await this.deps.apologies.get(a.id);
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

  // ——— the steps ———

  async context(d: Dossier): Promise<Context> {
    const agency = await this.deps.agencies.get(d.decidingAgencyId);
    const procedure = await this.deps.procedures.get(d.procedureId);
    return { agency, procedure, calendar: await this.deps.calendars.forAgency(agency) };
  }

  /**
   * The letter's values from the form, the procedure's and agency's defaults, checked: throws a
   * 409/422 naming the rule (and the field) that refuses. Drafting and previewing share it, so a
   * preview shows exactly what the draft would hold.
   */
  async checkedDraft(d: Dossier, input: DraftInput, now: Date): Promise<{ fields: LetterFields } & Context> {
    const context = await this.context(d);
    const { agency, procedure, calendar } = context;
    const refusal = apologyRefusal({ ...d, maxExtensions: agency.settings.maxExtensions });
    if (refusal) refuse(refusal);
    const due = new Date(d.currentDueAt as number);
    const newDueDay = input.newDueDay ?? proposedNewDay(calendar, due, procedure.defaultExtensionDays, now);
    const dateRefusal = newDayRefusal(calendar, due, newDueDay, now);
    if (dateRefusal) throw new RuleError(dateRefusal.code, dateRefusal.message, [{ field: 'newDueDate', message: dateRefusal.message }]);
    const reason = input.reason ?? procedure.defaultDelayReason;
    if (!reason) throw new RuleError('reason-missing', 'Cần nêu lý do chậm trễ', [{ field: 'reason', message: 'Thủ tục chưa có lý do mặc định: phải nhập lý do' }]);
    const signerName = input.signerName ?? agency.settings.signerName;
    const signerTitle = input.signerTitle ?? agency.settings.signerTitle;
    if (!signerName || !signerTitle) {
      throw new RuleError('signer-missing', `Cơ quan ${agency.code} chưa cấu hình người ký`, [
        { field: signerName ? 'signerTitle' : 'signerName', message: 'Cần người ký (họ tên và chức vụ) — nhập ở đây hoặc trong thiết lập của cơ quan' },
      ]);
    }
    const fields = letterFields(d, {
      reason,
      responsibleUnit: input.responsibleUnit ?? agency.name,
      dueBefore: due.getTime(),
      newDueAt: calendar.endOfDay(newDueDay).getTime(),
      signerName,
      signerTitle,
      signerOnBehalf: input.signerOnBehalf,
    });
    return { fields, ...context };
  }

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

  /** The dossier, locked, still on the deadline the draft was written for and still allowed an apology on that date. */
  private async stillIssuable(a: Apology, now: Date): Promise<{ d: Dossier; context: Context }> {
    const d = await this.deps.dossiers.get(a.dossierId, true);
    if (d.deadlineVersion !== a.deadlineVersion) {
      throw new ConflictError('deadline-changed', 'Thời hạn của hồ sơ đã thay đổi sau khi soạn thư: hãy huỷ và soạn lại');
    }
    const context = await this.context(d);
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
  private async numberAndRender(a: Apology, d: Dossier, { agency, procedure }: Context, receiving: Agency, now: Date, verification: SignedIssue['verification'] | null): Promise<IssuedLetter> {
    const reserved = (await this.deps.signing.state(a.id))?.reservation ?? (await this.takeNumber(agency, now));
    const at = new Date(reserved.at);
    const rendered = this.deps.documents.renderLetter(agency.code, { ...letterData({ fields: a, dossier: d, agency, receiving, procedure, letterNumber: reserved.number, now: at }), verification });
    return { year: reserved.year, seq: reserved.seq, number: reserved.number, at, rendered };
  }

  /** The next number of the agency's register for the year of `now` (inside the transaction that keeps it). */
  private async takeNumber(agency: Agency, now: Date): Promise<LetterReservation> {
    const year = dayToYmd(localDayOf(now)).year;
    const seq = await this.deps.apologies.nextLetterSeq(agency.id, year);
    return { year, seq, number: letterNumber(seq, agency.letterSymbol), at: now.getTime() };
  }

  /** The apology issued with its letter, the dossier's new due date, and the history event. */
  private async recordIssue(a: Apology, d: Dossier, letter: IssuedLetter, actor: Actor, now: Date): Promise<void> {
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
  private async queueNotices(a: Apology, d: Dossier, { agency, procedure }: Context, receiving: Agency, number: string, now: Date): Promise<void> {
    const data = noticeData({ apology: a, dossier: d, agency, receiving, procedure, letterNumber: number, link: citizenLink(this.deps.publicBaseUrl, a) });
    const rendered = this.deps.documents.renderNotice(agency.code, data);
    await this.deps.notices.enqueue(citizenNotices(a, d, agency, rendered, now), now.getTime());
    await this.deps.outbound.queueFor(a, d, number, now);
  }

  /**
   * The apology is issued (committed): nothing after this may answer otherwise. The PDF is made
   * now if it can be; if not, the watcher makes it on its next tick, as a download would.
   */
  private async afterIssue(issued: Apology): Promise<void> {
    await this.deps.files
      .ensurePdf(issued.id)
      .catch((err: unknown) => this.deps.logger.warn({ err, apology: issued.id }, 'letter PDF not made at issue; the watcher retries'));
  }

  // ——— digital signatures (issue 14): approval starts the leader's signature; issuance follows it ———

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
  private async approveSigned(id: number, actor: Actor): Promise<Apology> {
    const { a, agency, approval } = await transactionRetrying(this.deps.db, async () => {
      const draft = await this.draftToDecide(id, actor, 'approve');
      const issuing = await this.agencyOf(draft);
      await this.deps.signing.checkAgencyLayer(issuing);
      const { d, context } = await this.stillIssuable(draft, this.deps.clock.now());
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
        await this.issueInTx(a, approverOf(a, l), {
          verification: await this.deps.signing.verificationMark(l.verificationCode),
          seal: (issued) => this.deps.signing.sealAtIssue(a.id, agency, issued),
        });
      });
    } catch (err) {
      await this.deps.signing.agencyFailed(id, err);
      throw err;
    }
  }

  /**
   * The first step of a remote agency signature: the letter's number and date are reserved in
   * their own transaction (or the ones it already holds are kept), stamped into the letter,
   * and the agency's certificate holder is asked to sign it. Nothing is issued or sent yet.
   */
  private async requestAgencySignature(id: number, agency: Agency): Promise<void> {
    let reserved: LetterReservation | null;
    try {
      reserved = await transactionRetrying(this.deps.db, async () => {
        const a = await this.deps.apologies.lockWithDossier(id);
        const l = await this.deps.signing.state(id);
        if (!a || a.status !== 'draft' || l?.state !== 'leader-signed') return null;
        const now = this.deps.clock.now();
        await this.stillIssuable(a, now);
        if (l.reservation) return l.reservation;
        const taken = await this.takeNumber(agency, now);
        await this.deps.signing.reserve(id, taken);
        return taken;
      });
    } catch (err) {
      await this.deps.signing.agencyFailed(id, err);
      throw err;
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
        await this.issueInTx(draft, approverOf(draft, l), {
          verification: await this.deps.signing.verificationMark(l.verificationCode),
          seal: () => this.deps.signing.agencyConfirmed(a.id, agency, signed),
        });
      });
    } catch (err) {
      if (err instanceof ConflictError && err.code === 'signature-settled') return;
      await this.deps.signing.agencyFailed(a.id, err);
      throw err;
    }
  }

  /** The letter the leader signs (and reviews before approving): as it will be issued, but with the number and date left blank. */
  async leaderLetterHtml(a: Apology, approval?: { code: string; d: Dossier; context: Context }): Promise<string> {
    // The approval that has just opened the signing round knows its code and has read the
    // dossier and its context; a preview reads them.
    const d = approval?.d ?? (await this.deps.dossiers.get(a.dossierId));
    const { agency, procedure } = approval?.context ?? (await this.context(d));
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

  private async agencyOf(a: Apology): Promise<Agency> {
    return await this.deps.agencies.get(a.issuingAgencyId);
  }

  private async signingDescription(a: Apology): Promise<string> {
    const d = await this.deps.dossiers.byId(a.dossierId);
    return `Văn bản xin lỗi, hồ sơ ${d?.code ?? a.dossierId}`;
  }

  private async viewOf(id: number, actor: Actor): Promise<ApologyView> {
    return this.deps.access.view(await this.deps.access.apology(id, actor, 'read'));
  }
}

/** Who approved a letter being issued after its signatures (the leader, or the system). */
function approverOf(a: Apology, l: LetterSigning): Actor {
  return { name: l.approvedBy, agencyId: a.issuingAgencyId, role: 'leader', ...(l.approverUserId === null ? {} : { userId: l.approverUserId }) };
}

/** The number and date written into the letter's blanks by the agency's layer. */
function stampLines(agency: Agency, letter: { number: string; at: Date }): { numberLine: string; placeDateLine: string } {
  return { numberLine: `Số: ${letter.number}`, placeDateLine: placeDateLine(agency.placeName, localDayOf(letter.at)) };
}
