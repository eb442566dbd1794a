import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../compose';
import type { DossierView, TimelinessView } from '../../services/dossiers';
import type { ApologyView } from '../../services/apologies';
import { STATUS_LABELS } from '../../services/apologies';
import { NOTICE_STATUS_LABELS } from '../../services/messages';
import type { Attempt } from '../../db/notices';
import type { DossierEvent, Pause } from '../../db/dossiers';
import { DOSSIER_STATES, EVENT_KINDS, EVENT_LABELS, HISTORY_LABELS, STATE_LABELS, needsConfirmation, nextState } from '../../domain/dossier';
import { can } from '../../domain/access';
import { dayToIso, formatVnIso } from '../../domain/time';
import { dateTimeInputText } from '../../domain/date-input';
import { shortInstant } from '../../domain/vn-format';
import { AppError, ValidationError, type FieldProblem } from '../../errors';
import { dateTimeShown, dayShown, readDateTime, readDay } from '../dates';
import { agencyPicker, procedurePicker } from './pickers';
import { filterValues, formErrors, staffPage } from '../pages';
import { parse } from '../validate';
import type { ViewRenderer } from '../views';
import { eventSchema, dossierListArgs, listDossiersQuery } from '../api/schemas';
import { staffOf } from './session';
import { noticeReason } from './notice-reason';
import type { PageGroup } from './index';
import { applicantContact } from './applicant-contact';

export const TIMELINESS_LABELS: Record<NonNullable<TimelinessView>, string> = {
  not_due: 'Còn hạn',
  due_soon: 'Sắp đến hạn',
  overdue: 'Quá hạn',
  paused: 'Tạm dừng, chờ bổ sung',
};

const SORT_LABELS: Record<string, string> = {
  due: 'Hạn giải quyết gần nhất trước',
  '-due': 'Hạn giải quyết xa nhất trước',
  accepted: 'Tiếp nhận sớm nhất trước',
  '-accepted': 'Tiếp nhận gần đây nhất trước',
  code: 'Mã hồ sơ',
};

function capitalise(s: string): string {
  return s.charAt(0).toLocaleUpperCase('vi') + s.slice(1);
}

/** The path of a dossier's page: codes may contain "/", which travels as %2F. */
export function dossierPath(code: string): string {
  return `/ho-so/${encodeURIComponent(code)}`;
}

/**
 * The query as the filter form sent it: empty fields mean "any", a date alone means that whole
 * day. Dates come typed as dd/mm/yyyy (or yyyy-mm-dd from older links); a wrong one is refused
 * by its field, with whatever else the list schema refuses.
 */
function filterInput(query: Request['query']): { input: Record<string, string>; problems: FieldProblem[] } {
  const input = filterValues(query);
  const problems: FieldProblem[] = [];
  for (const [field, endOfDay] of [['dueFrom', ''], ['dueTo', 'T23:59:59']] as const) {
    if (!input[field]) continue;
    const read = readDay(input[field]);
    if ('problem' in read) {
      problems.push({ field, message: read.problem });
      delete input[field];
    } else input[field] = dayToIso(read.day) + endOfDay;
  }
  return { input, problems };
}

/** The list's query, or one refusal naming every bad field: the dates read above and the schema's. */
function listQuery(input: Record<string, string>, problems: FieldProblem[]) {
  let q;
  try {
    q = parse(listDossiersQuery, input);
  } catch (err) {
    if (err instanceof ValidationError && problems.length) throw new ValidationError([...problems, ...err.fields]);
    throw err;
  }
  if (problems.length) throw new ValidationError(problems);
  return q;
}

/** A filter's messages by field: "state.1" (the second value of a list) is the "state" field. */
export function filterErrors(errors: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!errors) return undefined;
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) out[field.replace(/\.\d+$/, '')] ??= message;
  return out;
}

function timelinessBadge(t: TimelinessView): { label: string; kind: string } | null {
  return t ? { label: TIMELINESS_LABELS[t], kind: t.replace('_', '-') } : null;
}

function listRow(v: DossierView) {
  const d = v.dossier;
  return {
    code: d.code,
    href: dossierPath(d.code),
    applicant: d.applicantName,
    procedure: v.procedure.name,
    agency: v.decidingAgency.name,
    acceptedAt: d.acceptedAt,
    dueAt: d.currentDueAt,
    state: STATE_LABELS[d.state],
    badge: timelinessBadge(v.timeliness),
    apology: v.latestApology ? STATUS_LABELS[v.latestApology] : 'Chưa có thư',
  };
}

/** Events, pauses, notices and their attempts, and the citizen's acknowledgement, oldest first. */
function timelineOf(events: DossierEvent[], pauses: Pause[], apologies: ApologyView[], attempts: Map<number, Attempt[]>) {
  const items: { at: number; title: string; who?: string; details: string[] }[] = [];
  for (const e of events) {
    const details: string[] = [];
    const dueBefore = typeof e.data.dueBefore === 'number' ? e.data.dueBefore : null;
    const dueAfter = typeof e.data.dueAfter === 'number' ? e.data.dueAfter : typeof e.data.dueAt === 'number' ? e.data.dueAt : null;
    if (dueAfter !== null) details.push(`Hạn giải quyết: ${dueBefore !== null ? `${shortInstant(new Date(dueBefore))} → ` : ''}${shortInstant(new Date(dueAfter))}`);
    else if (e.kind === 'supplement_requested') details.push('Hạn giải quyết tạm dừng trong khi chờ bổ sung');
    if (typeof e.data.reason === 'string') details.push(`Lý do: ${e.data.reason}`);
    if (typeof e.data.letterNumber === 'string') details.push(`Số thư: ${e.data.letterNumber}`);
    if (Array.isArray(e.data.lettersVoided)) details.push(`Thư xin lỗi huỷ, số đã giữ được ghi huỷ trong sổ văn bản đi: ${e.data.lettersVoided.join(', ')}`);
    if (e.note) details.push(`Ghi chú: ${e.note}`);
    items.push({ at: e.occurredAt, title: HISTORY_LABELS[e.kind], who: e.actor, details });
  }
  for (const p of pauses) {
    if (p.endedAt !== null) continue; // an ended pause already shows as the supplement events
    items.push({ at: p.startedAt, title: 'Đang tạm dừng tính hạn', details: ['Chờ người dân bổ sung hồ sơ'] });
  }
  for (const v of apologies) {
    for (const n of v.notices) {
      items.push({ at: n.createdAt, title: n.audience === 'system' ? 'Tạo thông báo ngày hẹn mới cho hệ thống một cửa' : `Tạo thông báo cho người dân qua ${CHANNEL_LABELS[n.channel]}`, details: [`Trạng thái: ${NOTICE_STATUS_LABELS[n.status]}`] });
      for (const a of attempts.get(n.id) ?? []) {
        const reason = noticeReason(a.interrupted ? 'interrupted' : a.errorClass);
        items.push({ at: a.finishedAt ?? a.startedAt, title: `Gửi qua ${CHANNEL_LABELS[n.channel]}: ${OUTCOME_LABELS[a.outcome ?? ''] ?? a.outcome ?? 'đang gửi'}`, details: reason ? [reason] : [] });
      }
      if (n.calledAt) items.push({ at: n.calledAt, title: 'Đã gọi điện hoặc trao thư cho người dân', who: n.calledBy ?? undefined, details: [] });
    }
    // The citizen's page records the acknowledgement as an event too; show it once.
    if (v.apology.acknowledgedAt && !events.some((e) => e.kind === 'citizen_acknowledged')) items.push({ at: v.apology.acknowledgedAt, title: 'Người dân xác nhận đã nhận được thông báo', details: [] });
  }
  return items.sort((a, b) => a.at - b.at);
}

export const CHANNEL_LABELS: Record<string, string> = { zalo: 'Zalo', email: 'thư điện tử', sms: 'tin nhắn SMS', print: 'thư in / gọi điện', onestop: 'hệ thống một cửa' };
export const OUTCOME_LABELS: Record<string, string> = {
  sent: 'đã gửi',
  delivered: 'đã đến người nhận',
  'temporary-failure': 'lỗi tạm thời',
  'permanent-failure': 'không gửi được',
  'technical-failure': 'lỗi kỹ thuật',
  interrupted: 'bị gián đoạn',
};

const eventForm = z.object({
  kind: z.string().optional(),
  occurredAt: z.string().optional(),
  note: z.string().optional(),
  confirm: z.string().optional(),
});

/** No action is chosen for staff, and one that ends the dossier or asks the citizen for more needs the box ticked. */
function unsafeEvent(kind: string, confirm: string | undefined): Record<string, string> | null {
  if (!(EVENT_KINDS as readonly string[]).includes(kind)) return { kind: 'Chọn việc đã xảy ra' };
  if (needsConfirmation(kind) && confirm !== 'on') {
    const label = (EVENT_LABELS as Record<string, string>)[kind] ?? kind;
    return { confirm: `Đánh dấu ô xác nhận để ghi nhận "${label}"` };
  }
  return null;
}

/** The dossier list, a dossier's page and recording an event on it. */
export function dossierPages(s: Services, views: ViewRenderer): PageGroup {
  const showDossier = async (req: Request, res: Response, code: string, form: { values?: Record<string, string>; errors?: Record<string, string>; error?: string } = {}, status = 200) => {
    const actor = staffOf(req).actor;
    const view = await s.dossiers.get(code, actor);
    const [{ events, pauses }, { views: apologies, attempts }] = await Promise.all([s.dossiers.history(code, actor), s.apologies.forDossier(code, actor)]);
    const d = view.dossier;
    const kinds = EVENT_KINDS.filter((k) => nextState(d.state, k) !== null).map((k) => ({ value: k, label: capitalise(EVENT_LABELS[k]) }));
    const active = apologies.find((a) => a.apology.deadlineVersion === d.deadlineVersion && a.apology.status !== 'cancelled');
    const mayApologise = can(actor.role, 'apology.draft') && !active && (await s.apologyWorkflow.proposal(code, actor)).refusal === null;
    const now = s.clock.now();
    staffPage(
      views,
      req,
      res,
      'staff/dossier',
      {
        title: `Hồ sơ ${d.code}`,
        nav: 'dossiers',
        d,
        path: dossierPath(d.code),
        procedure: view.procedure,
        receiving: view.receivingAgency,
        deciding: view.decidingAgency,
        state: STATE_LABELS[d.state],
        contact: applicantContact(d),
        badge: timelinessBadge(view.timeliness),
        extended: d.originalDueAt !== d.currentDueAt,
        apologies: apologies.map((a) => ({
          id: a.apology.id,
          status: STATUS_LABELS[a.apology.status],
          newDueAt: a.apology.newDueAt,
          reason: a.apology.reason,
          letterNumber: a.apology.letterNumber,
          acknowledgedAt: a.apology.acknowledgedAt,
          late: a.apology.late,
        })),
        timeline: timelineOf(events, pauses, apologies, attempts),
        kinds,
        mayRecord: can(actor.role, 'dossier.event') && kinds.length > 0,
        mayApologise,
        values: { occurredAt: dateTimeInputText(now), ...form.values },
        nowHint: `Mặc định là lúc mở trang: ${shortInstant(now)}; sửa nếu việc xảy ra lúc khác`,
        errors: form.errors,
        error: form.error,
      },
      status,
    );
  };

  const pickers = async (agencyCode: string, procedureCode: string) => {
    const [agencies, procedures] = await Promise.all([s.registry.listAgencies(), s.registry.listProcedures()]);
    return {
      agencyGroups: agencyPicker(agencies, agencyCode),
      procedureGroups: procedurePicker(procedures, agencies.find((a) => a.code === agencyCode), procedureCode),
    };
  };

  return (r: Router) => {
    r.get('/ho-so', async (req, res) => {
      const typed = filterValues(req.query);
      const { input, problems } = filterInput(req.query);
      const values = { ...typed, dueFrom: dayShown(typed.dueFrom), dueTo: dayShown(typed.dueTo) };
      let shown: ReturnType<typeof formErrors> = null;
      let result: { rows: ReturnType<typeof listRow>[]; total: number; page: number; pageSize: number } = { rows: [], total: 0, page: 1, pageSize: 50 };
      try {
        const q = listQuery(input, problems);
        const { filter, sort, limit, offset } = dossierListArgs(q);
        const { items, total } = await s.dossiers.list(filter, sort, limit, offset, staffOf(req).actor);
        result = { rows: items.map(listRow), total, page: q.page, pageSize: q.pageSize };
      } catch (err) {
        shown = formErrors(err);
        if (!shown) throw err;
      }
      const pageLink = (page: number) => `/ho-so?${new URLSearchParams({ ...input, page: String(page) })}`;
      const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
      const stateOptions = [
        { value: 'received,processing', label: 'Đang giải quyết (chưa có kết quả)' },
        ...DOSSIER_STATES.map((st) => ({ value: st, label: STATE_LABELS[st] })),
      ];
      if (input.state && !stateOptions.some((o) => o.value === input.state)) stateOptions.push({ value: input.state, label: input.state });
      staffPage(
        views,
        req,
        res,
        'staff/dossiers',
        {
          title: 'Hồ sơ',
          nav: 'dossiers',
          values,
          errors: filterErrors(shown?.errors),
          error: shown ? 'Bộ lọc chưa hợp lệ: xem thông báo cạnh từng ô' : null,
          rows: result.rows,
          total: result.total,
          page: result.page,
          pages,
          prev: result.page > 1 ? pageLink(result.page - 1) : null,
          next: result.page < pages ? pageLink(result.page + 1) : null,
          ...(await pickers(typed.agency ?? '', typed.procedure ?? '')),
          stateOptions: stateOptions.map((o) => ({ ...o, selected: o.value === input.state })),
          timelinessOptions: Object.entries(TIMELINESS_LABELS)
            .filter(([k]) => k !== 'paused')
            .map(([value, label]) => ({ value, label, selected: value === input.timeliness })),
          sortOptions: Object.entries(SORT_LABELS).map(([value, label]) => ({ value, label, selected: value === (input.sort ?? 'due') })),
        },
        shown?.status ?? 200,
      );
    });

    r.get('/ho-so/:code', async (req, res) => {
      await showDossier(req, res, req.params.code as string);
    });

    r.post('/ho-so/:code/su-kien', async (req, res) => {
      const code = req.params.code as string;
      const form = parse(eventForm, req.body);
      const values = { kind: form.kind ?? '', occurredAt: dateTimeShown(form.occurredAt?.trim()), note: form.note ?? '' };
      const moment = readDateTime(values.occurredAt);
      const refused = { ...unsafeEvent(values.kind, form.confirm), ...('problem' in moment ? { occurredAt: moment.problem } : {}) };
      const unsafe = Object.keys(refused).length ? refused : null;
      if (unsafe) {
        await showDossier(req, res, code, { values, errors: unsafe, error: 'Chưa ghi nhận: xem thông báo cạnh từng ô' }, 400);
        return;
      }
      try {
        const occurredAt = 'instant' in moment ? formatVnIso(moment.instant) : '';
        const body = parse(eventSchema, { kind: values.kind, occurredAt, ...(values.note.trim() ? { note: values.note } : {}) });
        await s.dossiers.recordEvent(code, body, staffOf(req).actor);
        res.redirect(303, `${dossierPath(code)}?ok=event-recorded`);
      } catch (err) {
        const shown = formErrors(err);
        if (!shown) throw err;
        // A refused transition names no field: show it beside the kind the person chose.
        const errors = Object.keys(shown.errors).length || !(err instanceof AppError) ? shown.errors : { kind: shown.message };
        await showDossier(req, res, code, { values, errors, error: shown.message }, shown.status);
      }
    });
  };
}
