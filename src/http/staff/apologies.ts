import type { Request, Response, Router } from 'express';
import Handlebars from 'handlebars';
import { z } from 'zod';
import { formatVerificationCode, signatureWaitingFor, SIGNING_STATE_LABELS } from '../../services/signing/letters';
import type { Services } from '../../compose';
import type { ApologyStatus } from '../../db/apologies';
import type { LetterSigningState } from '../../db/signing';
import { STATUS_LABELS, type DraftInput } from '../../services/apologies';
import { noticeStatusText } from '../../services/messages';
import { decidesApology } from '../../domain/actor';
import { can } from '../../domain/access';
import { dayToIso, isoToDay, localDayOf } from '../../domain/time';
import { weekdayDate } from '../../domain/vn-format';
import { ValidationError, type FieldProblem } from '../../errors';
import { filterValues, formErrors, sendLetterHtml, staffPage, withPrintButton } from '../pages';
import { parse } from '../validate';
import type { ViewRenderer } from '../views';
import { cancelApologySchema, entryId, isoDate, listApologiesQuery, optionalText, returnApologySchema } from '../api/schemas';
import { staffOf } from './session';
import { CHANNEL_LABELS, OUTCOME_LABELS, dossierPath, filterErrors } from './dossiers';
import { errorClassOf, noticeReason } from './notice-reason';
import type { PageGroup } from './index';

/** The apology form as the browser sends it; every field a string, blank meaning "the default". */
const apologyForm = z.object({
  reasonPick: optionalText(2000),
  reasonText: optionalText(2000),
  newDueDate: optionalText(10).pipe(isoDate.optional()),
  responsibleUnit: optionalText(255),
  signerName: optionalText(100),
  signerTitle: optionalText(100),
});

type FormValues = Record<'reasonPick' | 'reasonText' | 'newDueDate' | 'responsibleUnit' | 'signerName' | 'signerTitle', string>;

function formValues(body: unknown): FormValues {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');
  return {
    reasonPick: str('reasonPick'),
    reasonText: str('reasonText'),
    newDueDate: str('newDueDate'),
    responsibleUnit: str('responsibleUnit'),
    signerName: str('signerName'),
    signerTitle: str('signerTitle'),
  };
}

/** The draft from the form: a typed reason wins over a picked one; a reason is required. */
function draftInput(values: FormValues): DraftInput {
  const f = parse(apologyForm, values);
  const reason = f.reasonText ?? f.reasonPick;
  const problems: FieldProblem[] = [];
  if (!reason) problems.push({ field: 'reason', message: 'Cần chọn hoặc nhập lý do chậm trễ' });
  if (!f.newDueDate) problems.push({ field: 'newDueDate', message: 'Cần chọn ngày hẹn mới' });
  if (problems.length) throw new ValidationError(problems);
  return {
    reason,
    newDueDay: f.newDueDate ? isoToDay(f.newDueDate) : undefined,
    responsibleUnit: f.responsibleUnit,
    signerName: f.signerName,
    signerTitle: f.signerTitle,
  };
}

/** The review form: the reason and the new date, both required (blank is not "keep"). */
const reviseForm = z.object({
  reason: optionalText(2000),
  newDueDate: optionalText(10).pipe(isoDate.optional()),
});

function revisionInput(values: Record<string, string>): { reason: string; newDueDay: number } {
  const f = parse(reviseForm, values);
  const problems: FieldProblem[] = [];
  if (!f.reason) problems.push({ field: 'reason', message: 'Cần nêu lý do chậm trễ' });
  if (!f.newDueDate) problems.push({ field: 'newDueDate', message: 'Cần chọn ngày hẹn mới' });
  if (!f.reason || !f.newDueDate) throw new ValidationError(problems);
  return { reason: f.reason, newDueDay: isoToDay(f.newDueDate) };
}

/** Zod names the typed or picked reason; the page shows one reason message beside the reason box. */
function reasonErrors(errors: Record<string, string>): Record<string, string> {
  const out = { ...errors };
  out.reason ??= out.reasonText ?? out.reasonPick;
  return out;
}

const escape = (s: string) => Handlebars.escapeExpression(s);

const SIGNING_OUTCOME_LABELS: Record<string, string> = {
  requested: 'đã gửi yêu cầu ký',
  confirmed: 'đã ký',
  refused: 'từ chối ký',
  expired: 'hết hạn, chưa xác nhận',
  unavailable: 'dịch vụ ký số không kết nối được (sẽ thử lại)',
  failed: 'không ký được',
  signed: 'đã ký khi ban hành',
  cancelled: 'thư đã huỷ, dừng ký',
  'date-passed': 'ngày hẹn mới đã đến, trả lại để chọn ngày mới',
};

/** The apology form, its live preview, and the apology pages (list, details, approve, cancel, print, PDF, resend). */
export function apologyPages(s: Services, views: ViewRenderer): PageGroup {
  const showForm = async (req: Request, res: Response, code: string, form: { values?: FormValues; errors?: Record<string, string>; error?: string } = {}, status = 200) => {
    const actor = staffOf(req).actor;
    const view = await s.dossiers.get(code, actor);
    const proposal = await s.apologyWorkflow.proposal(code, actor);
    const deciding = view.decidingAgency;
    const defaults: FormValues = {
      reasonPick: proposal.reasons[0] ?? '',
      reasonText: '',
      newDueDate: dayToIso(proposal.newDueDay),
      responsibleUnit: deciding.name,
      signerName: deciding.settings.signerName ?? '',
      signerTitle: deciding.settings.signerTitle ?? '',
    };
    const values = form.values ?? defaults;
    const path = dossierPath(view.dossier.code);
    staffPage(
      views,
      req,
      res,
      'staff/apology-form',
      {
        title: `Soạn thư xin lỗi — hồ sơ ${view.dossier.code}`,
        nav: 'dossiers',
        d: view.dossier,
        path,
        refusal: proposal.refusal?.message,
        reasons: proposal.reasons.map((r) => ({ value: r, selected: r === values.reasonPick })),
        days: proposal.choices.map((day) => ({ value: dayToIso(day), label: weekdayDate(day), selected: dayToIso(day) === values.newDueDate, proposed: day === proposal.newDueDay })),
        values,
        errors: form.errors,
        error: form.error,
        previewUrl: `${path}/xin-loi/xem-truoc`,
        previewSrc: `${path}/xin-loi/xem-truoc?${new URLSearchParams(values)}`,
      },
      status,
    );
  };

  const showApology = async (req: Request, res: Response, id: number, form: { values?: Record<string, string>; errors?: Record<string, string>; error?: string } = {}, status = 200) => {
    const actor = staffOf(req).actor;
    const v = await s.apologies.get(id, actor);
    const a = v.apology;
    const notices = await Promise.all(v.notices.map((n) => s.messages.get(n.id, actor)));
    const signing = await s.signing.state(a.id);
    const signingEvents = signing ? await s.signing.events(a.id) : [];
    const signingBusy = signing !== null && signatureWaitingFor(signing.state) !== null;
    const returned = a.status === 'draft' && a.returnedAt !== null;
    const mayRevise = a.status === 'draft' && !signingBusy && can(actor.role, 'apology.draft') && (returned || decidesApology(actor, a));
    const reviewValues = { reason: a.reason, newDueDate: dayToIso(localDayOf(new Date(a.newDueAt))), comment: '', ...form.values };
    const days = mayRevise ? await reviewDays(v.dossierCode, reviewValues.newDueDate, actor) : [];
    staffPage(
      views,
      req,
      res,
      'staff/apology',
      {
        title: a.letterNumber ? `Thư xin lỗi số ${a.letterNumber}` : `Bản nháp thư xin lỗi #${a.id}`,
        nav: 'apologies',
        a,
        status: STATUS_LABELS[a.status],
        dossierCode: v.dossierCode,
        dossierHref: dossierPath(v.dossierCode),
        agency: v.agency,
        issued: a.status === 'issued',
        draft: a.status === 'draft',
        citizenLink: `/c/${a.citizenToken}`,
        notices: notices.map(({ notice: n, attempts }) => ({
          id: n.id,
          channel: CHANNEL_LABELS[n.channel],
          recipient: n.recipient,
          status: noticeStatusText(n, s.clock.now()),
          reason: noticeReason(errorClassOf(n.lastError)),
          resend: resendOf(n.payload),
          calledAt: n.calledAt,
          calledBy: n.calledBy,
          attempts: attempts.map((t) => ({
            at: t.finishedAt ?? t.startedAt,
            outcome: OUTCOME_LABELS[t.outcome ?? ''] ?? t.outcome ?? 'đang gửi',
            reason: noticeReason(t.interrupted ? 'interrupted' : t.errorClass),
          })),
        })),
        signing: signing
          ? {
              label: SIGNING_STATE_LABELS[signing.state],
              waiting: a.status === 'draft' && signatureWaitingFor(signing.state) !== null ? SIGNING_BADGES[signing.state] : null,
              returned: a.status === 'draft' && signing.state === 'returned',
              unsigned: signing.state === 'unsigned',
              message: signing.message,
              code: formatVerificationCode(signing.verificationCode),
              events: signingEvents.map((e) => ({ at: e.at, layer: e.layer === 'leader' ? 'Lãnh đạo' : 'Cơ quan', outcome: SIGNING_OUTCOME_LABELS[e.outcome] ?? e.outcome, message: e.message })),
            }
          : a.status === 'issued'
            ? // Issued before signatures existed: unsigned, and the page must say so like any other.
              { label: SIGNING_STATE_LABELS.unsigned, waiting: false, returned: false, unsigned: true, message: 'Ban hành trước khi có chữ ký số', code: null, events: [] }
            : null,
        mayApprove: a.status === 'draft' && !returned && can(actor.role, 'apology.approve') && decidesApology(actor, a) && !signingBusy,
        mayReturn: a.status === 'draft' && !returned && can(actor.role, 'apology.approve') && decidesApology(actor, a) && !signingBusy,
        mayRevise,
        returned,
        reviewSrc: a.status === 'draft' ? `/thu-xin-loi/${a.id}/xem-truoc` : null,
        printSrc: `/thu-xin-loi/${a.id}/in`,
        review: reviewValues,
        days,
        mayCancel: a.status === 'draft' && can(actor.role, 'apology.cancel') && decidesApology(actor, a),
        mayResend: a.status === 'issued' && can(actor.role, 'message.manage'),
        values: form.values ?? {},
        errors: form.errors,
        error: form.error,
      },
      status,
    );
  };

  /** The working days the review form offers for the new date, the draft's own among them. */
  const reviewDays = async (code: string, current: string, actor: ReturnType<typeof staffOf>['actor']) => {
    const choices = (await s.apologyWorkflow.proposal(code, actor)).choices.map(dayToIso);
    if (!choices.includes(current)) choices.unshift(current);
    return choices.map((iso) => ({ value: iso, label: weekdayDate(isoToDay(iso)), selected: iso === current }));
  };

  const idOf = (req: Request) => parse(entryId, req.params.id, 'id');

  /** A review step from its form: done → back to the letter with `ok`; refused → the page again, the values kept, the field named. */
  const reviewStep = (run: (id: number, values: Record<string, string>, req: Request) => Promise<unknown>, ok: string) => async (req: Request, res: Response) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(['reason', 'newDueDate', 'comment'].map((k) => [k, typeof body[k] === 'string' ? (body[k] as string) : '']));
    try {
      await run(id, values, req);
      res.redirect(303, `/thu-xin-loi/${id}?ok=${ok}`);
    } catch (err) {
      const shown = formErrors(err);
      if (!shown) throw err;
      const kept = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
      await showApology(req, res, id, { values: kept, errors: shown.errors, error: shown.message }, shown.status);
    }
  };

  return (r: Router) => {
    r.get('/ho-so/:code/xin-loi', async (req, res) => {
      await showForm(req, res, req.params.code as string);
    });

    r.post('/ho-so/:code/xin-loi', async (req, res) => {
      const code = req.params.code as string;
      const values = formValues(req.body);
      try {
        const v = await s.apologyWorkflow.draft(code, draftInput(values), staffOf(req).actor);
        res.redirect(303, `/thu-xin-loi/${v.apology.id}?ok=apology-drafted`);
      } catch (err) {
        const shown = formErrors(err);
        if (!shown) throw err;
        await showForm(req, res, code, { values, errors: reasonErrors(shown.errors), error: shown.message }, shown.status);
      }
    });

    r.get('/ho-so/:code/xin-loi/xem-truoc', async (req, res) => {
      try {
        const html = await s.apologyWorkflow.preview(req.params.code as string, draftInput(formValues(req.query)), staffOf(req).actor);
        sendLetterHtml(res, html);
      } catch (err) {
        const shown = formErrors(err);
        if (!shown) throw err;
        const lines = Object.values(shown.errors).length ? Object.values(shown.errors) : [shown.message];
        res.status(shown.status);
        sendLetterHtml(
          res,
          `<!doctype html><html lang="vi"><meta charset="utf-8"><title>Chưa xem trước được</title><body><p>Chưa xem trước được thư:</p><ul>${lines.map((l) => `<li>${escape(l)}</li>`).join('')}</ul></body></html>`,
        );
      }
    });

    r.get('/thu-xin-loi', async (req, res) => {
      const input = filterValues(req.query);
      let shown: ReturnType<typeof formErrors> = null;
      let rows: Record<string, unknown>[] = [];
      let total = 0;
      let page = 1;
      let pageSize = 50;
      try {
        const q = parse(listApologiesQuery, input);
        const result = await s.apologies.list(
          { agencyCode: q.agency, statuses: q.status, late: q.timing === undefined ? undefined : q.timing === 'late' },
          q.pageSize,
          (q.page - 1) * q.pageSize,
          staffOf(req).actor,
        );
        ({ total } = result);
        ({ page, pageSize } = q);
        // One batched read for the whole page, never one per row.
        const signing = await s.signing.states(result.items.map((v) => v.apology.id));
        rows = result.items.map((v) => ({
          id: v.apology.id,
          label: v.apology.letterNumber ? `Số ${v.apology.letterNumber}` : `Bản nháp #${v.apology.id}`,
          dossierCode: v.dossierCode,
          dossierHref: dossierPath(v.dossierCode),
          recipient: v.apology.recipientName,
          status: STATUS_LABELS[v.apology.status],
          signing: signingBadge(signing.get(v.apology.id)?.state ?? null, v.apology.status),
          late: v.apology.late,
          newDueAt: v.apology.newDueAt,
          draftedAt: v.apology.draftedAt,
        }));
      } catch (err) {
        shown = formErrors(err);
        if (!shown) throw err;
      }
      const pages = Math.max(1, Math.ceil(total / pageSize));
      const pageLink = (p: number) => `/thu-xin-loi?${new URLSearchParams({ ...input, page: String(p) })}`;
      staffPage(
        views,
        req,
        res,
        'staff/apologies',
        {
          title: 'Thư xin lỗi',
          nav: 'apologies',
          values: input,
          errors: filterErrors(shown?.errors),
          error: shown ? 'Bộ lọc chưa hợp lệ: xem thông báo cạnh từng ô' : null,
          statusOptions: [
            { value: 'draft', label: 'Bản nháp chờ duyệt' },
            { value: 'issued', label: 'Đã ban hành' },
            { value: 'cancelled', label: 'Đã huỷ' },
          ].map((o) => ({ ...o, selected: o.value === input.status })),
          rows,
          total,
          page,
          pages,
          prev: page > 1 ? pageLink(page - 1) : null,
          next: page < pages ? pageLink(page + 1) : null,
        },
        shown?.status ?? 200,
      );
    });

    r.get('/thu-xin-loi/:id', async (req, res) => {
      await showApology(req, res, idOf(req));
    });

    r.post('/thu-xin-loi/:id/duyet', async (req, res) => {
      const id = idOf(req);
      try {
        await s.apologyWorkflow.approve(id, staffOf(req).actor);
        res.redirect(303, `/thu-xin-loi/${id}?ok=apology-approved`);
      } catch (err) {
        const shown = formErrors(err);
        if (!shown) throw err;
        await showApology(req, res, id, { error: shown.message }, shown.status);
      }
    });

    // The draft as it will be issued, number and date blank: what the leader reads before approving.
    r.get('/thu-xin-loi/:id/xem-truoc', async (req, res) => {
      sendLetterHtml(res, await s.apologyReview.letter(idOf(req), staffOf(req).actor));
    });

    r.post('/thu-xin-loi/:id/sua', reviewStep((id, values, req) => s.apologyReview.revise(id, revisionInput(values), staffOf(req).actor), 'apology-revised'));

    r.post(
      '/thu-xin-loi/:id/tra-lai',
      reviewStep((id, values, req) => s.apologyReview.returnToDrafter(id, parse(returnApologySchema, { comment: values.comment }).comment, staffOf(req).actor), 'apology-returned'),
    );

    r.post('/thu-xin-loi/:id/huy', async (req, res) => {
      const id = idOf(req);
      const reason = typeof req.body?.reason === 'string' ? req.body.reason : '';
      try {
        const body = parse(cancelApologySchema, { reason });
        await s.apologyWorkflow.cancel(id, body.reason, staffOf(req).actor);
        res.redirect(303, `/thu-xin-loi/${id}?ok=apology-cancelled`);
      } catch (err) {
        const shown = formErrors(err);
        if (!shown) throw err;
        await showApology(req, res, id, { values: { reason }, errors: shown.errors, error: shown.message }, shown.status);
      }
    });

    r.post('/thu-xin-loi/:id/gui-lai', async (req, res) => {
      const id = idOf(req);
      try {
        const { retried } = await s.apologyWorkflow.resend(id, staffOf(req).actor);
        res.redirect(303, `/thu-xin-loi/${id}?ok=${retried ? 'message-retried' : 'apology-resent'}`);
      } catch (err) {
        const shown = formErrors(err);
        if (!shown) throw err;
        await showApology(req, res, id, { error: shown.message }, shown.status);
      }
    });

    // The issued letter is an A4 document with its own print styles: printing it is printing this page.
    r.get('/thu-xin-loi/:id/in', async (req, res) => {
      sendLetterHtml(res, withPrintButton(await s.apologies.letterHtml(idOf(req), staffOf(req).actor)));
    });

    r.get('/thu-xin-loi/:id/thu.pdf', async (req, res) => {
      const { pdf, fileName } = await s.apologies.letterPdf(idOf(req), staffOf(req).actor);
      res.set('Cache-Control', 'private, no-store').type('application/pdf').attachment(fileName).send(pdf);
    });
  };
}

/** The list's short signing badge; a letter issued before signatures existed is unsigned, a draft never sent to sign has none. */
function signingBadge(state: LetterSigningState | null, status: ApologyStatus): string | null {
  if (state) return SIGNING_BADGES[state];
  return status === 'issued' ? SIGNING_BADGES.unsigned : null;
}

const SIGNING_BADGES: Record<LetterSigningState, string> = {
  'leader-waiting': 'Chờ ký số — lãnh đạo',
  'leader-signed': 'Chờ ký số — cơ quan',
  'agency-waiting': 'Chờ ký số — cơ quan',
  signed: 'Đã ký số',
  returned: 'Trả lại',
  unsigned: 'Không ký số',
};

/** Who asked for a notice to be sent again, as the resend recorded it in the payload. */
function resendOf(payload: Record<string, unknown>): { by: string; at: number } | null {
  const r = payload.resend as { by?: unknown; at?: unknown } | undefined;
  return r && typeof r.by === 'string' && typeof r.at === 'number' ? { by: r.by, at: r.at } : null;
}
