/**
 * Administration pages under /quan-tri: agencies, procedures, the working calendar, accounts,
 * API tokens, template preview and channel health. Every read and write goes through a use case
 * that checks the permission ('registry.manage', 'channel.manage', 'user.manage', 'token.manage')
 * and the agency: an administrator bound to one agency manages that agency's accounts, tokens,
 * settings and days off, and nothing installation-wide. The pages only hide what the use cases
 * would refuse.
 */
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../compose';
import { actsFor, mayActFor } from '../../domain/actor';
import { DEFAULT_AGENCY_SETTINGS, type Agency, type AgencyInput } from '../../db/agencies';
import type { Procedure, ProcedureInput } from '../../db/procedures';
import type { User } from '../../db/users';
import { ROLE_LABELS, USER_ROLES } from '../../domain/access';
import type { LetterForm } from '../../domain/apology';
import { OCCASION_NAMES, type CalendarEntry, type Occasion } from '../../domain/holidays';
import { formatHhmm, localDayOf } from '../../domain/time';
import { sampleLetterData, sampleNoticeData } from '../../documents/sample';
import { TemplateDataError, TemplateError } from '../../documents/errors';
import { AppError, ConflictError, NotFoundError, RuleError } from '../../errors';
import { agencyInput, procedureInput } from '../api/routes';
import { agencyPatchSchema, agencySchema, calendarEntriesSchema, procedurePatchSchema, procedureSchema, text, yearParam } from '../api/schemas';
import { formErrors, sendLetterHtml, staffPage } from '../pages';
import { parse } from '../validate';
import type { PageData, ViewRenderer } from '../views';
import { markedDays, WEEKDAY_HEADERS, yearGrid } from './admin-calendar';
import type { PageGroup } from './index';
import { staffOf } from './session';

type Form = Record<string, string>;

/** The urlencoded body as plain strings (a repeated or odd field becomes ''). */
function formOf(req: Request): Form {
  const out: Form = {};
  for (const [k, v] of Object.entries((req.body ?? {}) as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : '';
  return out;
}

const orNull = (v: string | undefined): string | null => (v && v.trim() ? v : null);

/** Digits become a number for the schema; anything else stays text so that the schema refuses it. */
const numberOrText = (v: string | undefined): number | string => {
  const t = (v ?? '').trim().replace(',', '.');
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : t;
};

/**
 * A refused form's messages keyed by the form's own field names: the schemas nest
 * (settings.signerName, entries.0.date) where the form is flat. `messages` replaces the schema's
 * generic wording for fields where a precise Vietnamese sentence helps more.
 */
function refusal(err: unknown, messages: Record<string, string> = {}) {
  const shown = formErrors(err);
  if (!shown) throw err;
  const errors: Record<string, string> = {};
  for (const [path, message] of Object.entries(shown.errors)) {
    const field = path.split('.').pop() as string;
    errors[field] ??= messages[field] ?? message;
  }
  return { ...shown, errors };
}

const APOLOGY_MODES = [
  { value: 'auto', label: 'Tự động gửi khi đến hạn' },
  { value: 'review', label: 'Lãnh đạo duyệt trước khi gửi' },
];
const AGENCY_LEVELS = [
  { value: 'center', label: 'Trung tâm Phục vụ hành chính công' },
  { value: 'department', label: 'Sở, ban, ngành' },
  { value: 'commune', label: 'Ủy ban nhân dân cấp xã' },
  { value: 'province', label: 'Ủy ban nhân dân cấp tỉnh' },
];
const SUPPLEMENT_POLICIES = [
  { value: 'restart', label: 'Tính lại từ đầu khi nhận đủ hồ sơ bổ sung' },
  { value: 'pause', label: 'Tạm dừng, tính tiếp khi nhận đủ hồ sơ bổ sung' },
];
const TIME_UNITS = [
  { value: 'days', label: 'Ngày làm việc' },
  { value: 'hours', label: 'Giờ làm việc' },
  { value: 'same_day', label: 'Trong ngày (giờ chốt)' },
];
const LETTER_FORMS: { value: LetterForm; label: string }[] = [
  { value: 'tt03-2025', label: 'Mẫu theo Thông tư 03/2025 (hồ sơ nhận từ 01/07/2025)' },
  { value: 'tt01-2018', label: 'Mẫu theo Thông tư 01/2018 (hồ sơ nhận trước 01/07/2025)' },
];
const labelOf = (list: { value: string; label: string }[], value: string) => list.find((o) => o.value === value)?.label ?? value;

function processingTimeText(p: Procedure): string {
  if (p.timeUnit === 'same_day') return `Trong ngày, chốt ${formatHhmm(p.sameDayCutoff ?? 0)}`;
  return `${p.timeAmount.toLocaleString('vi-VN')} ${p.timeUnit === 'days' ? 'ngày làm việc' : 'giờ làm việc'}`;
}

function agencyValues(a: Agency): Form {
  return {
    name: a.name,
    letterSymbol: a.letterSymbol,
    signerName: a.settings.signerName ?? '',
    signerTitle: a.settings.signerTitle ?? '',
    apologyMode: a.settings.apologyMode,
    apologyLeadWorkingDays: String(a.settings.apologyLeadWorkingDays),
    maxExtensions: String(a.settings.maxExtensions),
    contactEmail: a.contactEmail ?? '',
    contactPhone: a.contactPhone ?? '',
    address: a.address ?? '',
    publicBoard: a.settings.publicBoard ? 'on' : '',
  };
}

function procedureValues(p: Procedure): Form {
  return {
    unit: p.timeUnit,
    amount: p.timeUnit === 'same_day' ? '' : String(p.timeAmount),
    cutoff: p.sameDayCutoff === null ? '15:00' : formatHhmm(p.sameDayCutoff),
    supplementPolicy: p.supplementPolicy,
    defaultExtensionDays: String(p.defaultExtensionDays),
    defaultDelayReason: p.defaultDelayReason,
  };
}

function userValues(u: User, agencies: Agency[]): Form {
  return {
    username: u.username,
    fullName: u.fullName,
    role: u.role,
    agencyCode: agencies.find((a) => a.id === u.agencyId)?.code ?? '',
    active: u.active ? 'on' : '',
  };
}

const tokenForm = z.object({ name: text(100), agencyCode: z.string().optional() });
const zaloResetForm = z.object({ refreshToken: z.string() });
const confirmForm = z.object({ occasion: z.enum(Object.keys(OCCASION_NAMES) as [Occasion, ...Occasion[]]), source: text(500) });

export function adminPages(s: Services, views: ViewRenderer): PageGroup {
  const page = (req: Request, res: Response, view: string, data: PageData, status = 200) =>
    staffPage(views, req, res, `staff/admin/${view}`, { nav: 'admin', ...data }, status);
  const actor = (req: Request) => staffOf(req).actor;
  const today = () => localDayOf(s.clock.now());
  /**
   * What an account or a token may be given: the agencies this administrator acts for, and
   * "no agency" (installation-wide) only to an installation-wide one — the use cases refuse the rest.
   */
  const scopeChoices = async (req: Request) => ({
    agencies: (await s.registry.listAgencies()).filter((a) => actsFor(actor(req), a.id)),
    installationWide: actsFor(actor(req), null),
  });

  return (r: Router) => {
    r.get('/quan-tri', async (req, res) => {
      const [agencies, procedures] = await Promise.all([s.registry.agenciesToManage(actor(req)), s.registry.proceduresToManage(actor(req))]);
      page(req, res, 'index', {
        title: 'Quản trị',
        agencyCount: agencies.length,
        procedureCount: procedures.length,
        year: new Date(s.clock.now()).getUTCFullYear(),
        mayManageChannels: mayActFor(actor(req), 'channel.manage', null),
      });
    });

    // Agencies
    r.get('/quan-tri/co-quan', async (req, res) => {
      const agencies = (await s.registry.agenciesToManage(actor(req))).map((a) => ({
        ...a,
        modeLabel: labelOf(APOLOGY_MODES, a.settings.apologyMode),
      }));
      page(req, res, 'agencies', { title: 'Cơ quan', agencies, mayCreate: s.registry.mayManageCatalogue(actor(req)) });
    });
    /** The agency form: editing `agency`, or creating one when it is null (then code, names and level too). */
    const agencyForm = (req: Request, res: Response, agency: Agency | null, values: Form, errors: Record<string, string> = {}, error?: string, status = 200) =>
      page(
        req,
        res,
        'agency-edit',
        { title: agency ? `Sửa cơ quan ${agency.code}` : 'Thêm cơ quan', agency, values, errors, error, modes: APOLOGY_MODES, levels: AGENCY_LEVELS },
        status,
      );
    const agencyBody = (f: Form, creating: boolean) => {
      const settings = {
        signerName: orNull(f.signerName),
        signerTitle: orNull(f.signerTitle),
        apologyMode: f.apologyMode,
        apologyLeadWorkingDays: numberOrText(f.apologyLeadWorkingDays),
        maxExtensions: numberOrText(f.maxExtensions),
        publicBoard: f.publicBoard === 'on',
      };
      const common = {
        name: f.name ?? '',
        letterSymbol: f.letterSymbol ?? '',
        contactEmail: orNull(f.contactEmail),
        contactPhone: orNull(f.contactPhone),
        address: orNull(f.address),
        settings,
      };
      return creating
        ? parse(agencySchema, { ...common, code: f.code ?? '', parentName: f.parentName ?? '', placeName: f.placeName ?? '', level: f.level })
        : parse(agencyPatchSchema, common);
    };
    const agencyMessages = {
      apologyLeadWorkingDays: 'Nhập số ngày làm việc từ 0 đến 10',
      maxExtensions: 'Nhập số lần từ 0 đến 5',
      apologyMode: 'Chọn một cách gửi thư xin lỗi',
      level: 'Chọn cấp của cơ quan',
    };
    r.get('/quan-tri/co-quan/moi', async (req, res) => {
      s.registry.assertInstallationWide(actor(req));
      const d = DEFAULT_AGENCY_SETTINGS;
      agencyForm(req, res, null, {
        level: 'department',
        apologyMode: d.apologyMode,
        apologyLeadWorkingDays: String(d.apologyLeadWorkingDays),
        maxExtensions: String(d.maxExtensions),
      });
    });
    r.post('/quan-tri/co-quan/moi', async (req, res) => {
      s.registry.assertInstallationWide(actor(req));
      const f = formOf(req);
      try {
        const body = agencyBody(f, true);
        await s.registry.createAgency(agencyInput(body, { settings: DEFAULT_AGENCY_SETTINGS } as AgencyInput), actor(req));
        s.calendars.invalidate();
        res.redirect(303, '/quan-tri/co-quan?ok=saved');
      } catch (err) {
        const shown = refusal(err, agencyMessages);
        if (err instanceof ConflictError) shown.errors.code = err.message;
        agencyForm(req, res, null, f, shown.errors, shown.message, shown.status);
      }
    });
    r.get('/quan-tri/co-quan/:code', async (req, res) => {
      const agency = await s.registry.agencyToManage(req.params.code, actor(req));
      agencyForm(req, res, agency, agencyValues(agency));
    });
    r.post('/quan-tri/co-quan/:code', async (req, res) => {
      const agency = await s.registry.agencyToManage(req.params.code, actor(req));
      const f = formOf(req);
      try {
        const body = agencyBody(f, false);
        await s.registry.updateAgency(agency.code, (current) => agencyInput(body, current), actor(req));
        s.calendars.invalidate();
        res.redirect(303, '/quan-tri/co-quan?ok=saved');
      } catch (err) {
        const shown = refusal(err, agencyMessages);
        agencyForm(req, res, agency, f, shown.errors, shown.message, shown.status);
      }
    });

    // Procedures
    r.get('/quan-tri/thu-tuc', async (req, res) => {
      const [procedures, agencies] = await Promise.all([s.registry.proceduresToManage(actor(req)), s.registry.listAgencies()]);
      const codeOf = new Map(agencies.map((a) => [a.id, a.code]));
      page(req, res, 'procedures', {
        title: 'Thủ tục',
        mayManage: s.registry.mayManageCatalogue(actor(req)),
        procedures: procedures.map((p) => ({
          ...p,
          agencyCode: p.agencyId === null ? '' : codeOf.get(p.agencyId),
          timeText: processingTimeText(p),
          policyLabel: labelOf(SUPPLEMENT_POLICIES, p.supplementPolicy),
        })),
      });
    });
    /** The procedure form: editing `procedure`, or creating one when it is null (then code, name, field and agency too). */
    const procedureForm = async (req: Request, res: Response, procedure: Procedure | null, values: Form, errors: Record<string, string> = {}, error?: string, status = 200) =>
      page(
        req,
        res,
        'procedure-edit',
        {
          title: procedure ? `Sửa thủ tục ${procedure.code}` : 'Thêm thủ tục',
          procedure,
          values,
          errors,
          error,
          units: TIME_UNITS,
          policies: SUPPLEMENT_POLICIES,
          agencies: procedure ? [] : await s.registry.agenciesToManage(actor(req)),
        },
        status,
      );
    const procedureBody = (f: Form, creating: boolean) => {
      const common = {
        processingTime: f.unit === 'same_day' ? { unit: f.unit, cutoff: f.cutoff ?? '' } : { unit: f.unit, amount: numberOrText(f.amount) },
        supplementPolicy: f.supplementPolicy,
        defaultExtensionDays: numberOrText(f.defaultExtensionDays),
        defaultDelayReason: f.defaultDelayReason ?? '',
      };
      return creating
        ? parse(procedureSchema, { ...common, code: f.code ?? '', name: f.name ?? '', field: f.field ?? '', agencyCode: orNull(f.agencyCode) })
        : parse(procedurePatchSchema, common);
    };
    const procedureMessages = (f: Form) => ({
      amount: f.unit === 'hours' ? 'Nhập số giờ lớn hơn 0, tối đa 2000' : 'Nhập số ngày làm việc từ 0 đến 365',
      unit: 'Chọn một cách tính thời hạn',
      defaultExtensionDays: 'Nhập số ngày từ 1 đến 60',
      supplementPolicy: 'Chọn một cách tính khi bổ sung hồ sơ',
    });
    r.get('/quan-tri/thu-tuc/moi', async (req, res) => {
      s.registry.assertInstallationWide(actor(req));
      await procedureForm(req, res, null, { unit: 'days', cutoff: '15:00', supplementPolicy: 'restart', defaultExtensionDays: '5' });
    });
    r.post('/quan-tri/thu-tuc/moi', async (req, res) => {
      s.registry.assertInstallationWide(actor(req));
      const f = formOf(req);
      try {
        const body = procedureBody(f, true);
        await s.registry.createProcedure(await procedureInput(body, {} as ProcedureInput, s.registry.agencyIdOf.bind(s.registry)), actor(req));
        res.redirect(303, '/quan-tri/thu-tuc?ok=saved');
      } catch (err) {
        const shown = refusal(err, procedureMessages(f));
        if (err instanceof ConflictError) shown.errors.code = err.message;
        await procedureForm(req, res, null, f, shown.errors, shown.message, shown.status);
      }
    });
    r.get('/quan-tri/thu-tuc/:code', async (req, res) => {
      const procedure = await s.registry.procedureToManage(req.params.code, actor(req));
      await procedureForm(req, res, procedure, procedureValues(procedure));
    });
    r.post('/quan-tri/thu-tuc/:code', async (req, res) => {
      const procedure = await s.registry.procedureToManage(req.params.code, actor(req));
      const f = formOf(req);
      try {
        const next = await procedureInput(procedureBody(f, false), procedure, s.registry.agencyIdOf.bind(s.registry));
        await s.registry.updateProcedure(procedure.code, () => next, actor(req));
        res.redirect(303, '/quan-tri/thu-tuc?ok=saved');
      } catch (err) {
        const shown = refusal(err, procedureMessages(f));
        await procedureForm(req, res, procedure, f, shown.errors, shown.message, shown.status);
      }
    });

    // Calendar
    const calendarPage = async (
      req: Request,
      res: Response,
      year: number,
      extra: Record<string, unknown> = {},
      status = 200,
      confirm?: { occasion: string; error: string | null },
    ) => {
      const agencyCode = typeof req.query.coQuan === 'string' && req.query.coQuan ? req.query.coQuan : undefined;
      const { days, estimated } = await s.calendars.yearToManage(year, actor(req), agencyCode);
      const marks = markedDays(days);
      const estimates = new Map<string, { occasion: string; name: string; days: typeof marks; sourceError: string | null }>();
      for (const d of days.filter((x) => x.estimate)) {
        const occasion = d.occasion ?? '';
        const group = estimates.get(occasion) ?? {
          occasion,
          name: d.occasion ? OCCASION_NAMES[d.occasion] : 'Ngày khác',
          days: [],
          sourceError: occasion === confirm?.occasion ? confirm.error : null,
        };
        group.days.push(...marks.filter((m) => m.date === d.date && m.agencyCode === d.agencyCode));
        estimates.set(occasion, group);
      }
      const agencies = await s.registry.agenciesToManage(actor(req));
      const scope = agencyCode ? `&coQuan=${encodeURIComponent(agencyCode)}` : '';
      page(
        req,
        res,
        'calendar',
        {
          title: `Lịch làm việc năm ${year}`,
          year,
          agencyCode,
          scope,
          prevYear: year - 1,
          nextYear: year + 1,
          estimated,
          months: yearGrid(year, marks),
          weekdays: WEEKDAY_HEADERS,
          marks,
          estimates: [...estimates.values()],
          agencies,
          mayEditNational: mayActFor(actor(req), 'registry.manage', null),
          kinds: [
            { value: 'off', label: 'Ngày nghỉ' },
            { value: 'work', label: 'Ngày làm việc (làm bù)' },
          ],
          values: { kind: 'off', agencyCode: agencyCode ?? '' },
          errors: {},
          ...extra,
        },
        status,
      );
    };
    const yearOf = (v: unknown): number => {
      try {
        return parse(yearParam, v ?? new Date(s.clock.now()).getUTCFullYear(), 'nam');
      } catch {
        throw new NotFoundError('Năm không hợp lệ');
      }
    };
    const movedNotice = (req: Request): string | null => {
      const moved = typeof req.query.moved === 'string' && /^\d{1,9}$/.test(req.query.moved) ? Number(req.query.moved) : null;
      return moved === null ? null : `Đã lưu lịch; ${moved.toLocaleString('vi-VN')} hồ sơ được tính lại hạn giải quyết.`;
    };
    const saveCalendar = async (req: Request, year: number, entries: CalendarEntry[]): Promise<string> => {
      const saved = await s.calendars.saveEntries(entries, actor(req));
      const agencyCodes = saved.some((e) => e.agencyCode === null) ? null : [...new Set(saved.map((e) => e.agencyCode as string))];
      const { moved } = await s.recompute.recompute(agencyCodes, actor(req), `Lịch thay đổi: ${entries.map((e) => e.date).join(', ')}`);
      const scope = agencyCodes?.length === 1 ? `&coQuan=${encodeURIComponent(agencyCodes[0])}` : '';
      return `/quan-tri/lich?nam=${year}${scope}&moved=${moved}`;
    };
    r.get('/quan-tri/lich', async (req, res) => {
      await calendarPage(req, res, yearOf(req.query.nam), { saved: movedNotice(req) });
    });
    r.post('/quan-tri/lich', async (req, res) => {
      const year = yearOf(req.query.nam);
      const f = formOf(req);
      try {
        const { entries } = parse(calendarEntriesSchema, {
          entries: [{ date: f.date ?? '', kind: f.kind, name: f.name ?? '', source: f.source ?? '', agencyCode: orNull(f.agencyCode) }],
        });
        res.redirect(303, await saveCalendar(req, Number(entries[0].date.slice(0, 4)), entries));
      } catch (err) {
        const shown = refusal(err, { kind: 'Chọn ngày nghỉ hoặc ngày làm bù' });
        await calendarPage(req, res, year, { values: f, errors: shown.errors, error: shown.message }, shown.status);
      }
    });
    // Confirming an estimate stores the whole occasion as decided: a decision about an occasion
    // replaces all its law-derived days of that year, so every one of them is saved again.
    r.post('/quan-tri/lich/xac-nhan', async (req, res) => {
      const year = yearOf(req.query.nam);
      const f = formOf(req);
      try {
        const { occasion, source } = parse(confirmForm, f);
        const { days } = await s.calendars.yearToManage(year, actor(req));
        const ofOccasion = days.filter((d) => d.occasion === occasion && d.agencyCode === null);
        if (!ofOccasion.some((d) => d.estimate)) throw new RuleError('nothing-to-confirm', `Năm ${year} không có ngày dự kiến nào của dịp này`);
        res.redirect(303, await saveCalendar(req, year, ofOccasion.map((d) => ({ date: d.date, kind: d.kind, occasion: d.occasion, name: d.name, agencyCode: null, source, estimate: false }))));
      } catch (err) {
        const shown = refusal(err, { source: 'Ghi rõ văn bản quyết định (số hiệu, ngày, cơ quan ban hành)' });
        await calendarPage(req, res, year, { error: shown.message }, shown.status, { occasion: f.occasion ?? '', error: shown.errors.source ?? null });
      }
    });

    // Accounts
    r.get('/quan-tri/tai-khoan', async (req, res) => {
      const [users, agencies] = await Promise.all([s.users.list(actor(req)), s.registry.listAgencies()]);
      const codeOf = new Map(agencies.map((a) => [a.id, a.code]));
      page(req, res, 'users', {
        title: 'Tài khoản',
        users: users.map((u) => ({ ...u, roleLabel: ROLE_LABELS[u.role], agencyCode: u.agencyId === null ? '' : codeOf.get(u.agencyId) })),
      });
    });
    const roles = USER_ROLES.map((value) => ({ value, label: ROLE_LABELS[value] }));
    const userForm = async (req: Request, res: Response, user: User | null, values: Form, errors: Record<string, string> = {}, error?: string, status = 200) =>
      page(
        req,
        res,
        'user-edit',
        { title: user ? `Sửa tài khoản ${user.username}` : 'Tạo tài khoản', user, values, errors, error, roles, ...(await scopeChoices(req)) },
        status,
      );
    const userInput = (f: Form) => ({
      username: f.username ?? '',
      fullName: f.fullName ?? '',
      role: f.role as User['role'],
      agencyId: null,
      agencyCode: orNull(f.agencyCode),
      active: f.active === 'on',
    });
    r.get('/quan-tri/tai-khoan/moi', async (req, res) => {
      await s.users.list(actor(req));
      await userForm(req, res, null, { role: 'counter', active: 'on' });
    });
    r.post('/quan-tri/tai-khoan/moi', async (req, res) => {
      const f = formOf(req);
      try {
        await s.users.create(userInput(f), f.password ?? '', actor(req));
        res.redirect(303, '/quan-tri/tai-khoan?ok=saved');
      } catch (err) {
        const shown = refusal(err);
        if (err instanceof AppError && err.code === 'user-exists') shown.errors.username = err.message;
        await userForm(req, res, null, { ...f, password: '' }, shown.errors, shown.message, shown.status);
      }
    });
    const userId = (v: string): number => {
      if (!/^\d{1,9}$/.test(v)) throw new NotFoundError('Không có tài khoản này');
      return Number(v);
    };
    r.get('/quan-tri/tai-khoan/:id', async (req, res) => {
      const user = await s.users.get(userId(req.params.id), actor(req));
      await userForm(req, res, user, userValues(user, await s.registry.listAgencies()));
    });
    r.post('/quan-tri/tai-khoan/:id', async (req, res) => {
      const user = await s.users.get(userId(req.params.id), actor(req));
      const f = formOf(req);
      try {
        await s.users.update(user.id, userInput(f), orNull(f.password), actor(req));
        res.redirect(303, '/quan-tri/tai-khoan?ok=saved');
      } catch (err) {
        const shown = refusal(err);
        if (err instanceof AppError && err.code === 'user-exists') shown.errors.username = err.message;
        await userForm(req, res, user, { ...f, password: '' }, shown.errors, shown.message, shown.status);
      }
    });

    // API tokens
    const tokensPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
      const [tokens, agencies, choices] = await Promise.all([s.tokens.list(actor(req)), s.registry.listAgencies(), scopeChoices(req)]);
      const codeOf = new Map(agencies.map((a) => [a.id, a.code]));
      page(
        req,
        res,
        'tokens',
        {
          title: 'Mã truy cập API',
          tokens: tokens.map((t) => ({ ...t, agencyCode: t.agencyId === null ? '' : codeOf.get(t.agencyId) })),
          ...choices,
          values: {},
          errors: {},
          ...extra,
        },
        status,
      );
    };
    r.get('/quan-tri/ma-truy-cap', async (req, res) => tokensPage(req, res));
    r.post('/quan-tri/ma-truy-cap', async (req, res) => {
      const f = formOf(req);
      try {
        const form = parse(tokenForm, f);
        const { token, record } = await s.tokens.create(form.name, orNull(form.agencyCode), actor(req));
        // The secret is shown on this response only; a reload must not create another token.
        res.set('Cache-Control', 'no-store');
        await tokensPage(req, res, { created: { token, name: record.name } }, 201);
      } catch (err) {
        // An unknown agency is the service's 404; on this form it is a wrong choice in a list.
        if (err instanceof NotFoundError) {
          await tokensPage(req, res, { values: f, errors: { agencyCode: err.message }, error: 'Dữ liệu gửi lên không hợp lệ' }, 400);
          return;
        }
        const shown = refusal(err);
        await tokensPage(req, res, { values: f, errors: shown.errors, error: shown.message }, shown.status);
      }
    });
    r.post('/quan-tri/ma-truy-cap/:id/thu-hoi', async (req, res) => {
      if (!/^\d{1,9}$/.test(req.params.id)) throw new NotFoundError('Không có mã truy cập này');
      await s.tokens.revoke(Number(req.params.id), actor(req));
      res.redirect(303, '/quan-tri/ma-truy-cap?ok=token-revoked');
    });

    // Template preview
    const previewChoice = async (req: Request) => {
      const agencies = await s.registry.agenciesToManage(actor(req));
      const form = LETTER_FORMS.find((f) => f.value === req.query.mau)?.value ?? 'tt03-2025';
      const code = typeof req.query.coQuan === 'string' ? req.query.coQuan : agencies[0]?.code;
      if (!code) throw new NotFoundError('Chưa có cơ quan nào để xem trước mẫu thư');
      const agency = await s.registry.agencyToManage(code, actor(req));
      return { agencies, form, agency };
    };
    r.get('/quan-tri/mau-thu', async (req, res) => {
      const { agencies, form, agency } = await previewChoice(req);
      let notice = null;
      let problem: string | null = null;
      try {
        s.documents.renderLetter(agency.code, sampleLetterData(agency, form, today()));
        notice = s.documents.renderNotice(agency.code, sampleNoticeData(agency, today(), s.config.publicBaseUrl));
      } catch (err) {
        if (!(err instanceof TemplateError || err instanceof TemplateDataError)) throw err;
        problem = err.message;
      }
      const zaloParams = notice ? Object.entries(notice.zaloParams).map(([name, value]) => ({ name, value })) : [];
      page(req, res, 'preview', {
        title: 'Xem trước mẫu thư',
        agencies,
        forms: LETTER_FORMS,
        form,
        agency,
        notice,
        zaloParams,
        problem,
        letterUrl: `/quan-tri/mau-thu/van-ban?${new URLSearchParams({ mau: form, coQuan: agency.code })}`,
      });
    });
    r.get('/quan-tri/mau-thu/van-ban', async (req, res) => {
      const { form, agency } = await previewChoice(req);
      try {
        sendLetterHtml(res, s.documents.renderLetter(agency.code, sampleLetterData(agency, form, today())).html);
      } catch (err) {
        if (!(err instanceof TemplateError || err instanceof TemplateDataError)) throw err;
        throw new RuleError('template', err.message);
      }
    });

    // Channel health
    const healthPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
      const h = await s.health.check(actor(req));
      const age = h.zalo.tokenAgeMs;
      page(
        req,
        res,
        'health',
        {
          title: 'Tình trạng kênh gửi',
          h,
          tokenAge: age === null ? null : `${Math.floor(age / 3_600_000)} giờ ${Math.floor((age % 3_600_000) / 60_000)} phút`,
          errors: {},
          ...extra,
        },
        status,
      );
    };
    r.get('/quan-tri/kenh-gui', async (req, res) => healthPage(req, res));
    r.post('/quan-tri/kenh-gui/zalo', async (req, res) => {
      try {
        const { refreshToken } = parse(zaloResetForm, formOf(req));
        await s.health.resetZaloGrant(refreshToken, actor(req));
        res.redirect(303, '/quan-tri/kenh-gui?ok=zalo-grant-reset');
      } catch (err) {
        const shown = refusal(err);
        await healthPage(req, res, { errors: shown.errors, error: shown.message }, shown.status);
      }
    });
  };
}
