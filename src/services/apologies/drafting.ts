import crypto from 'node:crypto';
import { isUniqueViolation, requireTransaction, transactionRetrying } from '../../db/connection';
import type { Dossier } from '../../db/dossiers';
import type { Apology } from '../../db/apologies';
import { apologyRefusal, newDatePassedReason, newDayRefusal, proposedNewDay, type Refusal } from '../../domain/apology';
import { localDayOf, type DayNumber } from '../../domain/time';
import { shortDate } from '../../domain/vn-format';
import { signatureWaitingFor } from '../signing/letters';
import { letterData, letterFields, markPreview, previewLetterNumber, type LetterFields } from '../../documents/apology-letter';
import { ConflictError, RuleError } from '../../errors';
import type { Actor } from '../../domain/actor';
import { authorize } from '../authorize';
import type { ApologyView } from './access';
import type { ApologyWorkflowDeps, Context } from './deps';

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

/** Reasons offered beside the procedure's own default, as staff most often write them. */
export const COMMON_REASONS = [
  'Hồ sơ cần xác minh, thẩm định thêm tại hiện trường',
  'Cần lấy ý kiến của cơ quan, đơn vị có liên quan',
  'Cơ quan phối hợp chưa có văn bản trả lời',
  'Số lượng hồ sơ tiếp nhận tăng đột biến trong kỳ',
  'Hệ thống thông tin gặp sự cố kỹ thuật',
];

export function refuse(r: Refusal): never {
  throw r.status === 409 ? new ConflictError(r.code, r.message) : new RuleError(r.code, r.message);
}

/** Drafting an apology: what the form proposes, the letter previewed, and the draft checked and saved. */
export class ApologyDrafting {
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
   * Auto mode, where the system approves: a draft whose new date came while it waited (for a
   * signer's office to open, for a confirmation) and that no signer holds now is given the date
   * the agency's rule proposes today — the same letter, keeping any number it reserved — and the
   * dossier's history says why. Null when there is nothing to re-date.
   */
  async redateInTx(a: Apology, d: Dossier, actor: Actor): Promise<Apology | null> {
    const { db, apologies, clock, signing } = this.deps;
    requireTransaction(db, 'Re-dating an apology');
    const now = clock.now();
    const passed = newDatePassedReason(new Date(a.newDueAt), now);
    // A draft a leader handed back to its drafter is the drafter's to change.
    if (!passed || a.status !== 'draft' || a.returnedAt !== null) return null;
    const l = await signing.state(a.id);
    if (l && signatureWaitingFor(l.state)) return null;
    const { fields } = await this.checkedDraft(d, { reason: a.reason, responsibleUnit: a.responsibleUnit, signerName: a.signerName, signerTitle: a.signerTitle, signerOnBehalf: a.signerOnBehalf }, now);
    const was = shortDate(localDayOf(new Date(a.newDueAt)));
    const note = `Ngày hẹn mới ${was} đã đến khi thư chờ ký số: hệ thống chọn lại ngày hẹn mới ${shortDate(localDayOf(new Date(fields.newDueAt)))} theo quy định của cơ quan`;
    if (!(await this.reviseInTx(a, { reason: a.reason, newDueAt: fields.newDueAt }, actor, now, note))) return null;
    return apologies.get(a.id);
  }

  /**
   * Changes a draft's reason or new date in place and says so in the dossier's history (a leader's
   * revision, or the system's re-dating); false when the draft is no longer one.
   */
  async reviseInTx(a: Apology, change: { reason: string; newDueAt: number }, actor: Actor, now: Date, note: string | null): Promise<boolean> {
    const { db, apologies, dossiers } = this.deps;
    requireTransaction(db, 'Revising an apology');
    if (!(await apologies.revise(a.id, change, now.getTime()))) return false;
    await dossiers.addEvent({
      dossierId: a.dossierId,
      kind: 'apology_revised',
      occurredAt: now.getTime(),
      recordedAt: now.getTime(),
      actor: actor.name,
      data: { apologyId: a.id, reasonBefore: a.reason, reason: change.reason, proposedDueBefore: a.newDueAt, proposedDue: change.newDueAt, wasReturned: a.returnedAt !== null },
      note,
    });
    return true;
  }

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
}
