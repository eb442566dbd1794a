import crypto from 'node:crypto';
import { isUniqueViolation, requireTransaction, type Db } from '../db/connection';
import type { Agency, AgencyRepository } from '../db/agencies';
import type { Procedure, ProcedureRepository } from '../db/procedures';
import type { Dossier, DossierRepository } from '../db/dossiers';
import type { Apology, ApologyRepository, ApologyStatus } from '../db/apologies';
import type { Attachment } from '../channels/types';
import type { Attempt, NewNotice, Notice, NoticeRepository, NoticeStatus } from '../db/notices';
import type { WorkingCalendar } from '../domain/calendar';
import { addressesPerson, apologyRefusal, isLateApology, letterFormFor, newDayRefusal, proposedNewDay, type Refusal } from '../domain/apology';
import { dayToYmd, localDayOf, type DayNumber } from '../domain/time';
import { dateInWords, instantInWords, letterNumber, placeDateLine, shortDate } from '../domain/vn-format';
import type { LetterData, NoticeData } from '../documents/types';
import type { DocumentRenderer } from '../documents/renderer';
import type { PdfRenderer } from '../documents/pdf';
import { AppError, ConflictError, ForbiddenError, NotFoundError, RuleError, UnavailableError } from '../errors';
import type { Logger } from '../logger';
import type { LetterSigningService } from './signing/letters';
import { SigningError } from '../signing';
import type { CalendarService } from './calendar';
import type { Clock } from '../clock';
import { actsFor, decidesApology, mayAccessDossier, readsFor, scopeAgencies, type Actor } from '../domain/actor';
import { authorize } from './authorize';

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

/** How many working days the apology form offers to choose from. */
const DAY_CHOICES = 20;

export interface ApologyView {
  apology: Apology;
  dossierCode: string;
  agency: Agency;
  notices: Notice[];
}

/** Reasons offered beside the procedure's own default, as staff most often write them. */
export const COMMON_REASONS = [
  'Hồ sơ cần xác minh, thẩm định thêm tại hiện trường',
  'Cần lấy ý kiến của cơ quan, đơn vị có liên quan',
  'Cơ quan phối hợp chưa có văn bản trả lời',
  'Số lượng hồ sơ tiếp nhận tăng đột biến trong kỳ',
  'Hệ thống thông tin gặp sự cố kỹ thuật',
];

function refuse(r: Refusal): never {
  throw r.status === 409 ? new ConflictError(r.code, r.message) : new RuleError(r.code, r.message);
}

/** "PHÓ GIÁM ĐỐC" signs "KT. GIÁM ĐỐC" (for the head); the head signs in their own name. */
export function onBehalfLine(title: string): string | null {
  const m = /^PHÓ\s+(.+)$/u.exec(title.trim());
  return m ? `KT. ${m[1]}` : null;
}

/**
 * The apology workflow: an officer (or the watcher) drafts a Mẫu 04 apology with a reason and a
 * new date, a leader approves, and approval issues it — letter number, stored letter, new due
 * date and the notices to send, all in one transaction.
 */
export class ApologyService {
  constructor(
    private readonly db: Db,
    private readonly apologies: ApologyRepository,
    private readonly notices: NoticeRepository,
    private readonly dossiers: DossierRepository,
    private readonly agencies: AgencyRepository,
    private readonly procedures: ProcedureRepository,
    private readonly calendars: CalendarService,
    private readonly documents: DocumentRenderer,
    private readonly pdf: PdfRenderer,
    private readonly clock: Clock,
    private readonly publicBaseUrl: string,
    private readonly logger: Logger,
    private readonly signing: LetterSigningService,
  ) {}

  private async dossierFor(code: string, actor: Actor, mode: 'read' | 'write', forUpdate = false): Promise<Dossier> {
    const d = await this.dossiers.byCode(code, forUpdate);
    if (!d || !mayAccessDossier(actor, d, mode)) throw new NotFoundError(`Không có hồ sơ mã "${code}"`);
    return d;
  }

  private async context(d: Dossier): Promise<{ agency: Agency; procedure: Procedure; calendar: WorkingCalendar }> {
    const agency = (await this.agencies.byId(d.decidingAgencyId)) as Agency;
    const procedure = (await this.procedures.byId(d.procedureId)) as Procedure;
    return { agency, procedure, calendar: await this.calendars.forAgency(agency) };
  }

  /** What the apology form proposes: the default new date, the usual reasons, and whether an apology is possible at all. */
  async proposal(code: string, actor: Actor): Promise<Proposal> {
    const d = await this.dossierFor(code, actor, 'read');
    const { agency, procedure, calendar } = await this.context(d);
    const refusal = apologyRefusal({ ...d, maxExtensions: agency.settings.maxExtensions });
    const now = this.clock.now();
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
    const d = await this.dossierFor(code, actor, 'write');
    const now = this.clock.now();
    const { values, agency, procedure } = await this.checkedDraft(d, input, now);
    const receiving = (await this.agencies.byId(d.receivingAgencyId)) as Agency;
    // The number is given at issue; a preview leaves it blank as a paper draft does.
    const letter = this.documents.renderLetter(agency.code, this.letterData(values, d, agency, receiving, procedure, `     /${agency.letterSymbol}`, now));
    return markPreview(letter.html);
  }

  /** A dossier's apologies, newest first, each with its notices and every attempt to send them. */
  async forDossier(code: string, actor: Actor): Promise<{ views: ApologyView[]; attempts: Map<number, Attempt[]> }> {
    const d = await this.dossierFor(code, actor, 'read');
    const { items } = await this.apologies.list({ dossierId: d.id }, 100, 0);
    const views = await Promise.all(items.map((a) => this.view(a)));
    const attempts = new Map<number, Attempt[]>();
    for (const n of views.flatMap((v) => v.notices)) attempts.set(n.id, await this.notices.attempts(n.id));
    return { views, attempts };
  }

  /**
   * Sends an issued apology's notice to the citizen again. A failed notice is retried; one that
   * already went out is never repeated silently: a new notice is queued on the same channel,
   * marked in its payload with who asked for it and when. Refused while a notice is still on
   * its way, so that a double click does not send twice.
   */
  async resend(id: number, actor: Actor): Promise<{ view: ApologyView; retried: boolean }> {
    authorize(actor, 'message.manage');
    const a = await this.apologies.byId(id);
    if (!a || !(await this.visible(a, actor, 'write'))) throw new NotFoundError(`Không có thư xin lỗi số ${id}`);
    if (a.status !== 'issued') throw new ConflictError('apology-not-issued', 'Chỉ gửi lại thông báo của thư xin lỗi đã ban hành');
    const now = this.clock.now().getTime();
    const notices = await this.notices.forApology(a.id);
    if (notices.some((n) => PENDING.includes(n.status))) {
      throw new ConflictError('notice-pending', 'Thông báo cho người dân đang chờ gửi hoặc đang gửi: chưa cần gửi lại');
    }
    const citizen = notices.filter((n) => n.audience === 'citizen');
    const last = citizen[citizen.length - 1];
    if (!last) throw new ConflictError('notice-missing', 'Thư xin lỗi này không có thông báo nào để gửi lại');
    if (last.status === 'permanent-failure') {
      await this.notices.transition(last.id, ['permanent-failure'], { status: 'created', not_before: now, first_attempt_at: null }, now);
      return { view: await this.get(id, actor), retried: true };
    }
    const original = citizen.find((n) => n.fallbackOf === null) ?? last;
    const resend = { by: actor.name, at: now, of: last.id };
    await this.notices.enqueue(
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
    return { view: await this.get(id, actor), retried: false };
  }

  async draft(code: string, input: DraftInput, actor: Actor): Promise<ApologyView> {
    authorize(actor, 'apology.draft');
    const apology = await this.db.transaction(async () => {
      const d = await this.dossierFor(code, actor, 'write', true);
      return this.draftInTx(d, input, actor, 'officer');
    });
    return this.view(apology);
  }

  /**
   * The letter's values from the form, the procedure's and agency's defaults, checked: throws a
   * 409/422 naming the rule (and the field) that refuses. Drafting and previewing share it, so a
   * preview shows exactly what the draft would hold.
   */
  private async checkedDraft(d: Dossier, input: DraftInput, now: Date): Promise<{ values: LetterFields; agency: Agency; procedure: Procedure }> {
    const { agency, procedure, calendar } = await this.context(d);
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
    const representative = d.representativeName !== null;
    const values: LetterFields = {
      reason,
      responsibleUnit: input.responsibleUnit ?? agency.name,
      dueBefore: due.getTime(),
      newDueAt: calendar.endOfDay(newDueDay).getTime(),
      signerName,
      signerTitle,
      signerOnBehalf: input.signerOnBehalf === undefined ? onBehalfLine(signerTitle) : input.signerOnBehalf,
      recipientName: representative ? (d.representativeName as string) : d.applicantName,
      toRepresentative: representative,
      form: letterFormFor(d.acceptedAt),
    };
    return { values, agency, procedure };
  }

  /** Shared by officers and the watcher; throws a 409/422 naming the rule that refuses. */
  async draftInTx(d: Dossier, input: DraftInput, actor: Actor, origin: Apology['origin']): Promise<Apology> {
    requireTransaction(this.db, 'Drafting an apology');
    const now = this.clock.now();
    const { values, agency } = await this.checkedDraft(d, input, now);
    if (await this.apologies.activeFor(d.id, d.deadlineVersion)) {
      throw new ConflictError('apology-exists', 'Hồ sơ đã có thư xin lỗi cho thời hạn hiện tại');
    }
    let apology: Apology;
    try {
      apology = await this.apologies.insert(
        {
          ...values,
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
    await this.dossiers.addEvent(
      {
        dossierId: d.id,
        kind: 'apology_drafted',
        occurredAt: now.getTime(),
        recordedAt: now.getTime(),
        actor: actor.name,
        data: { apologyId: apology.id, reason: values.reason, dueBefore: apology.dueBefore, proposedDue: apology.newDueAt },
        note: null,
      },
    );
    return apology;
  }

  /** A leader's approval issues the apology. */
  async approve(id: number, actor: Actor): Promise<ApologyView> {
    authorize(actor, 'apology.approve');
    const policy = await this.signingPolicy(id);
    if (policy.sign) return this.approveSigned(id, actor);
    const issued = await this.db.transaction(async () => {
      const a = await this.draftToDecide(id, actor);
      if (a.status !== 'draft') throw new ConflictError('apology-not-draft', `Thư xin lỗi đang ở trạng thái "${STATUS_LABELS[a.status]}", không phê duyệt được`);
      const issuedInTx = await this.issueInTx(a, actor);
      await this.signing.markUnsigned(a.id, actor.name, policy.reason ?? 'Không ký số');
      return issuedInTx;
    });
    // The apology is issued (committed): nothing after this may answer otherwise. The PDF is made
    // now if it can be; if not, the watcher makes it on its next tick, as a download would.
    await this.ensurePdf(issued.id).catch((err: unknown) => this.logger.warn({ err, apology: issued.id }, 'letter PDF not made at issue; the watcher retries'));
    return this.view(issued);
  }

  /**
   * Issues a draft: letter number, rendered letter, the dossier's new due date and deadline
   * version, the history event and the notices — or nothing, if any step fails.
   */
  async issueInTx(a: Apology, actor: Actor, signed?: SignedIssue): Promise<Apology> {
    requireTransaction(this.db, 'Issuing an apology');
    const now = this.clock.now();
    const { d, agency, procedure } = await this.issuable(a, now);

    const year = dayToYmd(localDayOf(now)).year;
    const seq = await this.apologies.nextLetterSeq(agency.id, year);
    const number = letterNumber(seq, agency.letterSymbol);
    const receiving = (await this.agencies.byId(d.receivingAgencyId)) as Agency;
    const letter = this.documents.renderLetter(agency.code, { ...this.letterData(a, d, agency, receiving, procedure, number, now), verification: signed?.verification ?? null });
    const late = isLateApology(now, new Date(a.dueBefore));
    await this.apologies.markIssued(
      a.id,
      {
        approvedBy: actor.name,
        issuedAt: now.getTime(),
        late,
        letterYear: year,
        letterSeq: seq,
        letterNumber: number,
        templateVersion: letter.templateVersion,
        contentHash: crypto.createHash('sha256').update(letter.html).digest('hex'),
        html: letter.html,
      },
      now.getTime(),
    );
    await this.dossiers.update(
      d.id,
      { currentDueAt: a.newDueAt, deadlineVersion: d.deadlineVersion + 1, extensionsCount: d.extensionsCount + 1 },
      now.getTime(),
    );
    await this.dossiers.addEvent(
      {
        dossierId: d.id,
        kind: 'apology_issued',
        occurredAt: now.getTime(),
        recordedAt: now.getTime(),
        actor: actor.name,
        data: { apologyId: a.id, letterNumber: number, dueBefore: a.dueBefore, dueAfter: a.newDueAt, late },
        note: null,
      },
    );
    if (signed) {
      // The agency's signature, with the number and date, before any notice exists (issue 14).
      const pdf = await signed.seal({ numberLine: `Số: ${number}`, placeDateLine: placeDateLine(agency.placeName, localDayOf(now)) });
      await this.apologies.storePdf(a.id, pdf, now.getTime());
    }
    await this.notices.enqueue(this.noticesFor(a, d, agency, receiving, procedure, number, now), now.getTime());
    return (await this.apologies.byId(a.id)) as Apology;
  }

  /** The checks issuing makes (deadline unchanged, apology still allowed, new date still valid), also made at a signed approval. */
  private async issuable(a: Apology, now: Date): Promise<{ d: Dossier; agency: Agency; procedure: Procedure }> {
    const d = (await this.dossiers.byId(a.dossierId, true)) as Dossier;
    if (d.deadlineVersion !== a.deadlineVersion) {
      throw new ConflictError('deadline-changed', 'Thời hạn của hồ sơ đã thay đổi sau khi soạn thư: hãy huỷ và soạn lại');
    }
    const { agency, procedure, calendar } = await this.context(d);
    const refusal = apologyRefusal({ ...d, maxExtensions: agency.settings.maxExtensions });
    if (refusal) refuse(refusal);
    const dateRefusal = newDayRefusal(calendar, new Date(a.dueBefore), localDayOf(new Date(a.newDueAt)), now);
    if (dateRefusal) throw new RuleError(dateRefusal.code, dateRefusal.message);
    return { d, agency, procedure };
  }

  async cancel(id: number, reason: string, actor: Actor): Promise<ApologyView> {
    authorize(actor, 'apology.cancel');
    const now = this.clock.now().getTime();
    await this.db.transaction(async () => {
      const a = await this.draftToDecide(id, actor);
      if (a.status !== 'draft') {
        throw new ConflictError('apology-not-draft', `Thư xin lỗi đã ${a.status === 'issued' ? 'ban hành' : 'huỷ'}: chỉ huỷ được bản nháp`);
      }
      await this.apologies.cancelDrafts({ id }, actor.name, reason, now);
      await this.dossiers.addEvent(
        { dossierId: a.dossierId, kind: 'apology_cancelled', occurredAt: now, recordedAt: now, actor: actor.name, data: { apologyId: id }, note: reason },
      );
    });
    return this.get(id, actor);
  }

  async get(id: number, actor: Actor): Promise<ApologyView> {
    const a = await this.apologies.byId(id);
    if (!a || !(await this.visible(a, actor, 'read'))) throw new NotFoundError(`Không có thư xin lỗi số ${id}`);
    return this.view(a);
  }

  async list(
    filter: { agencyCode?: string; statuses?: ApologyStatus[]; late?: boolean },
    limit: number,
    offset: number,
    actor: Actor,
  ): Promise<{ items: ApologyView[]; total: number }> {
    let agencyIds: number[] | undefined;
    if (filter.agencyCode) {
      const a = await this.agencies.byCode(filter.agencyCode);
      agencyIds = a ? [a.id] : [];
    }
    const { items, total } = await this.apologies.list({ agencyIds: scopeAgencies(actor, agencyIds), statuses: filter.statuses, late: filter.late }, limit, offset);
    return { items: await Promise.all(items.map((a) => this.view(a, false))), total };
  }

  async letterHtml(id: number, actor: Actor): Promise<string> {
    const a = await this.issued(id, actor);
    return (await this.apologies.html(a.id)) as string;
  }

  async letterPdf(id: number, actor: Actor): Promise<{ pdf: Buffer; fileName: string }> {
    const a = await this.issued(id, actor);
    return { pdf: await this.ensurePdf(a.id), fileName: pdfFileName(a) };
  }

  /** The stored PDF and its file name, served on the citizen's page. */
  async letterPdfForNotice(id: number): Promise<{ pdf: Buffer; fileName: string }> {
    const letter = (await this.letterPdfs([id])).get(id) as { pdf: Buffer; fileName: string } | Error;
    if (letter instanceof Error) throw letter;
    return letter;
  }

  /**
   * The outbox worker's attachments (see AttachmentSource) for a batch of notices: each apology
   * notice carries its letter's PDF, read for the whole batch at once.
   */
  async noticeAttachments(notices: Notice[]): Promise<Map<number, Attachment[] | Error>> {
    const letters = await this.letterPdfs(notices.flatMap((n) => (n.apologyId === null ? [] : [n.apologyId])));
    return new Map(
      notices.map((n) => {
        const letter = n.apologyId === null ? null : (letters.get(n.apologyId) as { pdf: Buffer; fileName: string } | Error);
        if (letter === null) return [n.id, []];
        return [n.id, letter instanceof Error ? letter : [{ filename: letter.fileName, contentType: 'application/pdf', content: letter.pdf }]];
      }),
    );
  }

  /**
   * Stored PDFs in one read; a letter whose PDF was never rendered is rendered now, and one that
   * cannot be is that apology's error alone.
   */
  private async letterPdfs(ids: number[]): Promise<Map<number, { pdf: Buffer; fileName: string } | Error>> {
    const stored = await this.apologies.letterPdfs(ids);
    // Letters without a stored PDF (rare: they are rendered when issued) render side by side,
    // as the PDF renderer's own pool allows.
    const letters = await Promise.all(
      [...new Set(ids)].map(async (id): Promise<[number, { pdf: Buffer; fileName: string } | Error]> => {
        const s = stored.get(id);
        try {
          return [id, { pdf: s?.pdf ?? (await this.ensurePdf(id)), fileName: pdfFileName({ id, letterNumber: s?.letterNumber ?? null }) }];
        } catch (err) {
          return [id, err instanceof Error ? err : new Error(String(err))];
        }
      }),
    );
    return new Map(letters);
  }

  /** The stored PDF, rendering it from the stored HTML the first time; a 503 while it cannot be rendered. */
  async ensurePdf(id: number): Promise<Buffer> {
    const stored = await this.apologies.pdf(id);
    if (stored) return stored;
    const html = await this.apologies.html(id);
    if (!html) throw new AppError(500, 'letter-missing', `Thư xin lỗi số ${id} chưa có nội dung`);
    let pdf: Buffer;
    try {
      pdf = await this.pdf.render(html);
    } catch (err) {
      throw new UnavailableError('letter-pdf-pending', 'Bản PDF của thư chưa tạo được; hệ thống đang tạo lại, vui lòng thử lại sau ít phút', 60, err);
    }
    await this.apologies.storePdf(id, pdf, this.clock.now().getTime());
    return (await this.apologies.pdf(id)) as Buffer;
  }

  /**
   * The apology, locked, for approving or cancelling: one rule for both. Those who cannot see it
   * are told it does not exist; the receiving agency, which sees it, is told who decides it.
   */
  private async draftToDecide(id: number, actor: Actor): Promise<Apology> {
    const a = await this.apologies.byId(id, true);
    if (!a || !(await this.visible(a, actor, 'read'))) throw new NotFoundError(`Không có thư xin lỗi số ${id}`);
    if (!decidesApology(actor, a)) {
      throw new ForbiddenError('Chỉ cơ quan giải quyết hồ sơ (cơ quan ban hành thư) mới được duyệt hoặc huỷ thư xin lỗi này');
    }
    return a;
  }

  /** The issuing agency's, or about a dossier the actor's agency received. */
  private async visible(a: Apology, actor: Actor, mode: 'read' | 'write'): Promise<boolean> {
    if ((mode === 'read' ? readsFor : actsFor)(actor, a.issuingAgencyId)) return true;
    const d = await this.dossiers.byId(a.dossierId);
    return d !== null && mayAccessDossier(actor, d, mode);
  }

  private async issued(id: number, actor: Actor): Promise<Apology> {
    const a = await this.apologies.byId(id);
    if (!a || !(await this.visible(a, actor, 'read'))) throw new NotFoundError(`Không có thư xin lỗi số ${id}`);
    if (a.status !== 'issued') throw new ConflictError('apology-not-issued', 'Thư xin lỗi chưa được ban hành nên chưa có văn bản');
    return a;
  }

  private async view(a: Apology, withNotices = true): Promise<ApologyView> {
    const [agency, dossier, notices] = await Promise.all([
      this.agencies.byId(a.issuingAgencyId),
      this.dossiers.byId(a.dossierId),
      withNotices ? this.notices.forApology(a.id) : Promise.resolve([]),
    ]);
    return { apology: a, agency: agency as Agency, dossierCode: (dossier as Dossier).code, notices };
  }

  // ---- Digital signatures (issue 14): approval starts the leader's signature; issuance follows it ----

  /** Whether the apology's agency signs its letters (an agency may only turn it off explicitly). */
  async signingPolicy(id: number): Promise<{ sign: boolean; reason: string | null }> {
    const a = await this.apologies.byId(id);
    if (!a) return { sign: false, reason: null };
    return this.signing.policy((await this.agencies.byId(a.issuingAgencyId)) as Agency);
  }

  /**
   * A signed approval: the draft is checked as issuing would check it, the leader's signature is
   * asked for on the letter as approved (number and date blank), and the letter waits ("chờ ký
   * số") until it arrives; then it is issued. A refusal that retrying cannot cure returns the
   * draft with the reason (and answers 422 naming it); nothing is sent.
   */
  private async approveSigned(id: number, actor: Actor): Promise<ApologyView> {
    const a = await this.db.transaction(async () => {
      const draft = await this.draftToDecide(id, actor);
      if (draft.status !== 'draft') throw new ConflictError('apology-not-draft', `Thư xin lỗi đang ở trạng thái "${STATUS_LABELS[draft.status]}", không phê duyệt được`);
      await this.issuable(draft, this.clock.now());
      await this.signing.open(draft.id, { userId: actor.userId ?? null, name: actor.name }, await this.signing.state(draft.id));
      return draft;
    });
    const outcome = await this.signing.signLeader(a.id, await this.leaderLetterHtml(a), await this.agencyOf(a), await this.signingDescription(a));
    if (outcome.state === 'returned') throw new SigningError('signer-not-configured', `Chưa ký số được, thư trả lại bản nháp: ${outcome.message}`);
    if (outcome.state === 'leader-signed') await this.issueSigned(a.id);
    return this.view((await this.apologies.byId(a.id)) as Apology);
  }

  /** Asks the remote signer about a letter waiting for the leader, and issues it once signed. */
  async continueSigning(id: number): Promise<void> {
    const a = await this.apologies.byId(id);
    if (!a || a.status !== 'draft') return;
    const outcome = await this.signing.check(a.id, await this.agencyOf(a), await this.signingDescription(a));
    if (outcome?.state === 'leader-signed') await this.issueSigned(a.id);
  }

  /** The poller: every letter whose remote signature is due for a check. */
  async checkSignatures(limit = 50): Promise<number> {
    const ids = await this.signing.due(limit);
    for (const id of ids) {
      await this.continueSigning(id).catch((err: unknown) => this.logger.warn({ err, apology: id }, 'signature check failed; the next check retries'));
    }
    return ids.length;
  }

  /** A callback from an agency's remote-signing service: authenticated or refused (401), then a wake-up. */
  async signatureCallback(agencyCode: string, rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<void> {
    const agency = await this.agencies.byCode(agencyCode);
    if (!agency) throw new NotFoundError(`Không có cơ quan mã "${agencyCode}"`);
    const id = await this.signing.callback(agency.id, rawBody, headers);
    if (id !== null) await this.continueSigning(id);
  }

  /**
   * Issues a letter the leader has signed: number, the agency's signature with the number and
   * date, then the notices — one transaction. If the agency's signature cannot be made the issue
   * rolls back, the reason is recorded and shown, and the next check (or approval) tries again.
   */
  private async issueSigned(id: number): Promise<void> {
    try {
      await this.db.transaction(async () => {
        const a = await this.apologies.byId(id, true);
        const l = await this.signing.state(id);
        if (!a || a.status !== 'draft' || !l || l.state !== 'leader-signed') return;
        const agency = await this.agencyOf(a);
        const actor: Actor = { name: l.approvedBy, agencyId: a.issuingAgencyId, role: 'leader', ...(l.approverUserId === null ? {} : { userId: l.approverUserId }) };
        await this.issueInTx(a, actor, {
          verification: await this.signing.verificationMark(l.verificationCode),
          seal: (issued) => this.signing.sealAtIssue(a.id, agency, issued),
        });
      });
    } catch (err) {
      await this.signing.agencyFailed(id, err);
      throw err;
    }
  }

  /** The letter the leader signs: as it will be issued, but with the number and date left blank. */
  private async leaderLetterHtml(a: Apology): Promise<string> {
    const d = (await this.dossiers.byId(a.dossierId)) as Dossier;
    const { agency, procedure } = await this.context(d);
    const receiving = (await this.agencies.byId(d.receivingAgencyId)) as Agency;
    const now = this.clock.now();
    const l = await this.signing.state(a.id);
    const blank = '\u00a0'.repeat(10);
    return this.documents.renderLetter(agency.code, {
      ...this.letterData(a, d, agency, receiving, procedure, `${blank}/${agency.letterSymbol}`, now),
      placeDateLine: `${agency.placeName}, ngày${blank}tháng${blank}năm ${dayToYmd(localDayOf(now)).year}`,
      verification: l ? await this.signing.verificationMark(l.verificationCode) : null,
    }).html;
  }

  private async agencyOf(a: Apology): Promise<Agency> {
    return (await this.agencies.byId(a.issuingAgencyId)) as Agency;
  }

  private async signingDescription(a: Apology): Promise<string> {
    const d = await this.dossiers.byId(a.dossierId);
    return `Văn bản xin lỗi, hồ sơ ${d?.code ?? a.dossierId}`;
  }

  citizenLink(a: Pick<Apology, 'citizenToken'>): string {
    return `${this.publicBaseUrl}/c/${a.citizenToken}`;
  }

  private letterData(a: LetterFields, d: Dossier, agency: Agency, receiving: Agency, procedure: Procedure, number: string, now: Date): LetterData {
    const recipients = [agency.parentName ? `${agency.parentName.normalize('NFC')} (để báo cáo)` : null, receiving.id !== agency.id ? `${receiving.name} (để phối hợp trả kết quả)` : null].filter(
      (r): r is string => r !== null,
    );
    return {
      form: a.form,
      issuer: { parentName: agency.parentName, name: agency.name, letterNumber: number },
      placeDateLine: placeDateLine(agency.placeName, localDayOf(now)),
      addressee: {
        salutation: addressesPerson(d.applicantKind, a.toRepresentative) ? 'Ông/Bà' : '',
        name: a.recipientName,
        address: a.toRepresentative ? d.representativeAddress ?? d.address : d.address,
        phone: formatPhone(a.toRepresentative ? d.representativePhone ?? d.phone : d.phone),
        onBehalfOf: a.toRepresentative ? d.applicantName : null,
      },
      dossier: {
        code: d.code,
        procedureName: procedure.name,
        acceptedAt: instantInWords(new Date(d.acceptedAt)),
        originalDue: dateInWords(localDayOf(new Date(a.dueBefore))),
      },
      delay: {
        responsibleUnit: a.responsibleUnit,
        reason: a.reason,
        newDue: dateInWords(localDayOf(new Date(a.newDueAt))),
        returnPlace: returnPlaceOf(receiving),
      },
      signature: { onBehalf: a.signerOnBehalf, title: a.signerTitle, name: a.signerName },
      recipients,
      archive: agency.code,
    };
  }

  private noticesFor(a: Apology, d: Dossier, agency: Agency, receiving: Agency, procedure: Procedure, number: string, now: Date): NewNotice[] {
    const data: NoticeData = {
      agencyName: agency.name,
      recipientName: a.recipientName,
      dossierCode: d.code,
      procedureName: procedure.name,
      oldDue: shortDate(localDayOf(new Date(a.dueBefore))),
      newDue: shortDate(localDayOf(new Date(a.newDueAt))),
      reason: a.reason,
      returnPlace: returnPlaceOf(receiving),
      link: this.citizenLink(a),
      letterNumber: number,
    };
    const rendered = this.documents.renderNotice(agency.code, data);
    const phone = a.toRepresentative ? d.representativePhone ?? d.phone : d.phone;
    const email = a.toRepresentative ? d.representativeEmail ?? d.email : d.email;
    // Every rendering travels with the notice, so a fallback to another channel sends exactly
    // the wording issued with the letter.
    const payload = {
      zalo: { params: rendered.zaloParams },
      email: { subject: rendered.emailSubject, html: rendered.emailHtml, text: rendered.emailText },
      sms: rendered.sms,
      contact: { phone, email: email && d.consentEmail ? email : null },
      templateVersion: rendered.templateVersion,
    };
    const base = { kind: 'new_appointment' as const, audience: 'citizen' as const, agencyId: agency.id, dossierId: d.id, apologyId: a.id, notBefore: now.getTime(), payload };
    const key = (channel: string, recipient: string) => `apology:${a.id}:${channel}:${recipient}`;
    // One notice on the best channel the citizen agreed to; dispatch falls back from Zalo to
    // e-mail, and from either to the counter's call-or-print list, when a channel cannot reach them.
    if (phone && d.consentZalo) return [{ ...base, channel: 'zalo', recipient: phone, businessKey: key('zalo', phone) }];
    if (email && d.consentEmail) return [{ ...base, channel: 'email', recipient: email, businessKey: key('email', email) }];
    return [{ ...base, channel: 'print', recipient: phone ?? '', businessKey: key('print', 'counter') }];
  }
}


/** What a signed issue adds: the verification mark printed on the letter and the agency's signature. */
interface SignedIssue {
  verification: { code: string; url: string; qrImage: string };
  seal: (issued: { numberLine: string; placeDateLine: string }) => Promise<Buffer>;
}

/** What the letter shows of an apology: a stored one, or a preview's values. */
type LetterFields = Pick<
  Apology,
  'reason' | 'responsibleUnit' | 'dueBefore' | 'newDueAt' | 'signerName' | 'signerTitle' | 'signerOnBehalf' | 'recipientName' | 'toRepresentative' | 'form'
>;

/** Notice statuses in which the notice will still be sent without anyone asking. */
const PENDING: NoticeStatus[] = ['created', 'sending', 'temporary-failure', 'technical-failure'];

/** A preview is never mistaken for the issued letter: a banner across its top says so. */
function markPreview(html: string): string {
  const banner =
    '<div style="border:2px solid #b00020;color:#b00020;font:bold 14pt sans-serif;text-align:center;padding:6pt;margin-bottom:12pt">' +
    'BẢN XEM TRƯỚC — CHƯA BAN HÀNH, CHƯA CÓ SỐ</div>';
  return html.replace(/<body[^>]*>/i, (tag) => `${tag}${banner}`);
}

export const STATUS_LABELS: Record<ApologyStatus, string> = { draft: 'Bản nháp chờ duyệt', issued: 'Đã ban hành', cancelled: 'Đã huỷ' };

function returnPlaceOf(receiving: Agency): string {
  return receiving.address ? `${receiving.name}, ${receiving.address}` : receiving.name;
}

/** "0912 345 678" — how a phone number is written on paper. */
function formatPhone(e164: string | null): string | null {
  if (!e164) return null;
  const local = `0${e164.replace(/^\+84/, '')}`;
  return local.length === 10 ? `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}` : local;
}

function pdfFileName(a: Pick<Apology, 'id' | 'letterNumber'>): string {
  const number = (a.letterNumber ?? String(a.id)).replace(/[^A-Za-z0-9-]+/g, '-');
  return `thu-xin-loi-${number}.pdf`;
}
