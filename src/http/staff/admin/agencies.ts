/** Agencies: the list, and the form that creates one (installation-wide only) or edits one's settings. */
import { Router, type Request, type Response } from 'express';
import type { Agency, AgencyInput } from '../../../db/agencies';
import { DEFAULT_AGENCY_SETTINGS } from '../../../domain/agency';
import { ConflictError } from '../../../errors';
import { agencyInput } from '../../api/routes';
import { agencyPatchSchema, agencySchema } from '../../api/schemas';
import { parse } from '../../validate';
import { actorOf, adminPage, formOf, labelOf, numberOrText, orNull, refusal, type AdminDeps, type Choice, type Form } from './shared';

const APOLOGY_MODES: Choice[] = [
  { value: 'auto', label: 'Tự động gửi khi đến hạn' },
  { value: 'review', label: 'Lãnh đạo duyệt trước khi gửi' },
];
const AGENCY_LEVELS: Choice[] = [
  { value: 'center', label: 'Trung tâm Phục vụ hành chính công' },
  { value: 'department', label: 'Sở, ban, ngành' },
  { value: 'commune', label: 'Ủy ban nhân dân cấp xã' },
  { value: 'province', label: 'Ủy ban nhân dân cấp tỉnh' },
];
const CHANNELS: Choice[] = [
  { value: '', label: '(không dùng)' },
  { value: 'zalo', label: 'Zalo' },
  { value: 'sms', label: 'Tin nhắn SMS' },
  { value: 'email', label: 'Thư điện tử' },
];
const CHANNEL_FIELDS = ['channel1', 'channel2', 'channel3'] as const;

/** The chosen order, blanks skipped; undefined when the form has no channel fields (left unchanged). */
function channelOrder(f: Form): string[] | undefined {
  if (CHANNEL_FIELDS.every((k) => f[k] === undefined)) return undefined;
  return CHANNEL_FIELDS.map((k) => f[k] ?? '').filter((c) => c !== '');
}

const MESSAGES = {
  apologyLeadWorkingDays: 'Nhập số ngày làm việc từ 0 đến 10',
  maxExtensions: 'Nhập số lần từ 0 đến 5',
  apologyMode: 'Chọn một cách gửi thư xin lỗi',
  level: 'Chọn cấp của cơ quan',
};

function agencyValues(a: Agency): Form {
  return {
    name: a.name,
    parentName: a.parentName,
    placeName: a.placeName,
    letterSymbol: a.letterSymbol,
    signerName: a.settings.signerName ?? '',
    signerTitle: a.settings.signerTitle ?? '',
    draftingUnit: a.settings.draftingUnit ?? '',
    apologyMode: a.settings.apologyMode,
    apologyLeadWorkingDays: String(a.settings.apologyLeadWorkingDays),
    maxExtensions: String(a.settings.maxExtensions),
    contactEmail: a.contactEmail ?? '',
    contactPhone: a.contactPhone ?? '',
    address: a.address ?? '',
    publicBoard: a.settings.publicBoard ? 'on' : '',
    smsUnicode: a.settings.smsUnicode ? 'on' : '',
    ...Object.fromEntries(CHANNEL_FIELDS.map((k, i) => [k, a.settings.noticeChannels[i] ?? ''])),
  };
}

function agencyBody(f: Form, creating: boolean) {
  const settings = {
    signerName: orNull(f.signerName),
    signerTitle: orNull(f.signerTitle),
    draftingUnit: orNull(f.draftingUnit),
    apologyMode: f.apologyMode,
    apologyLeadWorkingDays: numberOrText(f.apologyLeadWorkingDays),
    maxExtensions: numberOrText(f.maxExtensions),
    publicBoard: f.publicBoard === 'on',
    noticeChannels: channelOrder(f),
    smsUnicode: f.smsUnicode === 'on',
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
    : parse(agencyPatchSchema, { ...common, parentName: f.parentName, placeName: f.placeName });
}

export function agencyPages({ services: s, views }: AdminDeps<'registry' | 'calendars'>): Router {
  const r = Router();
  const page = adminPage(views);
  /** The agency form: editing `agency`, or creating one when it is null (then code, names and level too). */
  const agencyForm = (req: Request, res: Response, agency: Agency | null, values: Form, errors: Record<string, string> = {}, error?: string, status = 200) =>
    page(
      req,
      res,
      'agency-edit',
      { title: agency ? `Sửa cơ quan ${agency.code}` : 'Thêm cơ quan', agency, values, errors, error, modes: APOLOGY_MODES, levels: AGENCY_LEVELS, channels: CHANNELS },
      status,
    );

  r.get('/quan-tri/co-quan', async (req, res) => {
    const agencies = (await s.registry.agenciesToManage(actorOf(req))).map((a) => ({
      ...a,
      modeLabel: labelOf(APOLOGY_MODES, a.settings.apologyMode),
    }));
    page(req, res, 'agencies', { title: 'Cơ quan', agencies, mayCreate: s.registry.mayManageCatalogue(actorOf(req)) });
  });
  r.get('/quan-tri/co-quan/moi', async (req, res) => {
    s.registry.assertInstallationWide(actorOf(req));
    const d = DEFAULT_AGENCY_SETTINGS;
    agencyForm(req, res, null, {
      level: 'department',
      apologyMode: d.apologyMode,
      apologyLeadWorkingDays: String(d.apologyLeadWorkingDays),
      maxExtensions: String(d.maxExtensions),
      ...Object.fromEntries(CHANNEL_FIELDS.map((k, i) => [k, d.noticeChannels[i] ?? ''])),
    });
  });
  r.post('/quan-tri/co-quan/moi', async (req, res) => {
    s.registry.assertInstallationWide(actorOf(req));
    const f = formOf(req);
    try {
      const body = agencyBody(f, true);
      await s.registry.createAgency(agencyInput(body, { settings: DEFAULT_AGENCY_SETTINGS } as AgencyInput), actorOf(req));
      s.calendars.invalidate();
      res.redirect(303, '/quan-tri/co-quan?ok=saved');
    } catch (err) {
      const shown = refusal(err, MESSAGES);
      if (err instanceof ConflictError) shown.errors.code = err.message;
      agencyForm(req, res, null, f, shown.errors, shown.message, shown.status);
    }
  });
  r.get('/quan-tri/co-quan/:code', async (req, res) => {
    const agency = await s.registry.agencyToManage(req.params.code, actorOf(req));
    agencyForm(req, res, agency, agencyValues(agency));
  });
  r.post('/quan-tri/co-quan/:code', async (req, res) => {
    const agency = await s.registry.agencyToManage(req.params.code, actorOf(req));
    const f = formOf(req);
    try {
      const body = agencyBody(f, false);
      await s.registry.updateAgency(agency.code, (current) => agencyInput(body, current), actorOf(req));
      s.calendars.invalidate();
      res.redirect(303, '/quan-tri/co-quan?ok=saved');
    } catch (err) {
      const shown = refusal(err, MESSAGES);
      agencyForm(req, res, agency, f, shown.errors, shown.message, shown.status);
    }
  });
  return r;
}
