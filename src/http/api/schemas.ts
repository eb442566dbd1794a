import { z } from 'zod';
import { isSupportedDay, isSupportedInstant, SUPPORTED_RANGE_TEXT, SUPPORTED_YEARS } from '../../domain/calendar';
import { normalizeEmail, normalizeVnMobile } from '../../domain/contact';
import { AGENCY_CODE, DOSSIER_CODE, DOSSIER_STATES, EVENT_KINDS, PROCEDURE_CODE } from '../../domain/dossier';
import { NOTICE_STATUSES } from '../../domain/notice-lifecycle';
import { normalizeText, textProblem } from '../../domain/text';
import { isoToDay, parseHhmm, parseInstant } from '../../domain/time';
import type { DossierSort } from '../../db/dossiers';
import type { ListFilter } from '../../services/dossiers';

// Vietnamese messages for every generic check; specific checks below say what is expected.
z.config(z.locales.vi());

/**
 * Free text (names, addresses, reasons): trimmed, NFC (Vietnamese is stored and compared in NFC),
 * and refused when it holds a control or invisible format character (src/domain/text.ts).
 * `multiline` for the fields a person may write on several lines: notes and internal reasons,
 * never what a letter, a notice or a file prints on one line.
 */
export const text = (max: number, min = 1, options: { multiline?: boolean } = {}) =>
  z
    .string()
    .transform((s) => normalizeText(s, options))
    .pipe(
      z
        .string()
        .min(min, min === 1 ? 'Không được để trống' : `Cần ít nhất ${min} ký tự`)
        .max(max, `Tối đa ${max} ký tự`)
        .superRefine((s, ctx) => {
          const problem = textProblem(s, options);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
    );

export const optionalText = (max: number, options: { multiline?: boolean } = {}) =>
  text(max, 0, options).optional().transform((s) => (s ? s : undefined));

/** Every refused date says which dates the calendar supports. */
export const OUT_OF_RANGE = `Ngày ngoài phạm vi lịch hỗ trợ (${SUPPORTED_RANGE_TEXT})`;

export const instant = z.string().transform((s, ctx) => {
  const d = parseInstant(s);
  if (!d) {
    ctx.addIssue({ code: 'custom', message: 'Thời điểm không hợp lệ (ISO 8601, ví dụ 2026-02-12T09:30:00+07:00)' });
    return z.NEVER;
  }
  if (!isSupportedInstant(d)) {
    ctx.addIssue({ code: 'custom', message: OUT_OF_RANGE });
    return z.NEVER;
  }
  return d;
});

export const PERIOD_FORMAT = `Kỳ báo cáo dạng 2026, 2026-H1, 2026-Q1 hoặc 2026-03, năm từ ${SUPPORTED_YEARS.first} đến ${SUPPORTED_YEARS.last}`;

/** Why a YYYY-MM-DD text is not an accepted day, or null; `malformed` is the wording for a text that is no date. */
export function isoDateProblem(s: string, malformed = 'Ngày không hợp lệ (YYYY-MM-DD)'): string | null {
  let day: number;
  try {
    day = isoToDay(s);
  } catch {
    return malformed;
  }
  return isSupportedDay(day) ? null : OUT_OF_RANGE;
}

export const isoDate = z.string().superRefine((s, ctx) => {
  const problem = isoDateProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const phone = z.string().transform((s, ctx) => {
  const p = normalizeVnMobile(s);
  if (!p) {
    ctx.addIssue({ code: 'custom', message: 'Số di động Việt Nam không hợp lệ (10 số, bắt đầu bằng 03, 05, 07, 08, 09)' });
    return z.NEVER;
  }
  return p;
});

export const email = z.string().transform((s, ctx) => {
  const e = normalizeEmail(s);
  if (!e) {
    ctx.addIssue({ code: 'custom', message: 'Địa chỉ thư điện tử không hợp lệ' });
    return z.NEVER;
  }
  return e;
});

export const dossierCode = z.string().regex(DOSSIER_CODE.pattern, DOSSIER_CODE.message);
export const agencyCode = z.string().regex(AGENCY_CODE.pattern, AGENCY_CODE.message);
export const procedureCode = z.string().regex(PROCEDURE_CODE.pattern, PROCEDURE_CODE.message);

export const createDossierSchema = z.strictObject({
  code: dossierCode,
  procedureCode,
  receivingAgencyCode: agencyCode,
  decidingAgencyCode: agencyCode.optional(),
  applicant: z.strictObject({ kind: z.enum(['person', 'organisation']), name: text(255) }),
  representative: z
    .strictObject({ name: text(255), phone: phone.optional(), email: email.optional(), address: optionalText(500) })
    .nullable()
    .optional(),
  phone: phone.optional(),
  email: email.optional(),
  address: optionalText(500),
  consent: z.strictObject({ zalo: z.boolean(), email: z.boolean(), sms: z.boolean() }).default({ zalo: false, email: false, sms: false }),
  channel: z.enum(['online', 'counter', 'post']),
  submittedAt: instant.optional(),
  acceptedAt: instant,
});

export const eventSchema = z.strictObject({
  kind: z.enum(EVENT_KINDS),
  occurredAt: instant,
  note: optionalText(2000, { multiline: true }),
});

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

export const listDossiersQuery = z.strictObject({
  state: csv(DOSSIER_STATES).optional(),
  timeliness: z.enum(['not_due', 'due_soon', 'overdue']).optional(),
  apology: z.enum(['none', 'draft']).optional(),
  agency: agencyCode.optional(),
  procedure: procedureCode.optional(),
  dueFrom: instant.optional(),
  dueTo: instant.optional(),
  q: text(100).optional(),
  sort: z.enum(['due', '-due', 'accepted', '-accepted', 'code']).default('due'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

/** The dossier list's query as the use case takes it; the API and the staff page share it. */
export function dossierListArgs(q: z.output<typeof listDossiersQuery>): { filter: ListFilter; sort: DossierSort; limit: number; offset: number } {
  return {
    filter: {
      states: q.state,
      timeliness: q.timeliness,
      apology: q.apology,
      agencyCode: q.agency,
      procedureCode: q.procedure,
      dueFrom: q.dueFrom?.getTime(),
      dueTo: q.dueTo?.getTime(),
      search: q.q,
    },
    sort: q.sort,
    limit: q.pageSize,
    offset: (q.page - 1) * q.pageSize,
  };
}

const hhmmRange = z.string().refine(
  (s) => {
    const m = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(s);
    if (!m) return false;
    try {
      return parseHhmm(m[1]) < parseHhmm(m[2]);
    } catch {
      return false;
    }
  },
  { message: 'Khoảng giờ dạng "07:30-11:30", giờ bắt đầu trước giờ kết thúc' },
);

const dayHours = z.array(hhmmRange).max(4).refine(
  (ranges) => ranges.every((r, i) => i === 0 || r.slice(0, 5) >= ranges[i - 1].slice(6)),
  { message: 'Các khoảng giờ phải theo thứ tự và không chồng nhau' },
);

export const agencySettingsSchema = z.strictObject({
  apologyLeadWorkingDays: z.number().int().min(0).max(10).optional(),
  apologyMode: z.enum(['auto', 'review']).optional(),
  maxExtensions: z.number().int().min(0).max(5).optional(),
  signerName: text(100).nullable().optional(),
  signerTitle: text(100).nullable().optional(),
  officeHours: z
    .strictObject({ mon: dayHours, tue: dayHours, wed: dayHours, thu: dayHours, fri: dayHours, sat: dayHours, sun: dayHours })
    .partial()
    .optional(),
  publicBoard: z.boolean().optional(),
  noticeChannels: z
    .array(z.enum(['zalo', 'sms', 'email']))
    .max(3)
    .refine((list) => new Set(list).size === list.length, { message: 'Mỗi kênh chỉ ghi một lần' })
    .optional(),
  smsUnicode: z.boolean().optional(),
  draftingUnit: z.string().regex(/^[A-ZĐ0-9][A-ZĐ0-9.&-]{0,15}$/u, 'Viết tắt tên đơn vị soạn thảo, viết hoa, ví dụ QLXD').nullable().optional(),
});

/**
 * The fields as sent, without the defaults a new record gets: a patch is built from these, since
 * zod applies a field's default even when the field is optional — a patch naming one field would
 * otherwise reset every defaulted field it did not name.
 */
const agencyFields = {
  code: agencyCode,
  name: text(255),
  parentName: text(255, 0),
  placeName: text(64),
  letterSymbol: z.string().regex(/^[A-ZĐ0-9][A-ZĐ0-9.-]{0,31}$/u, 'Ký hiệu văn bản viết hoa, ví dụ PXL-TTPVHCC'),
  level: z.enum(['province', 'center', 'department', 'commune']),
  contactEmail: email.nullable().optional(),
  contactPhone: z.string().regex(/^[0-9+ .()-]{6,16}$/, 'Số điện thoại liên hệ không hợp lệ').nullable().optional(),
  address: text(255).nullable().optional(),
  settings: agencySettingsSchema,
};
export const agencySchema = z.strictObject({ ...agencyFields, parentName: agencyFields.parentName.default(''), settings: agencyFields.settings.default({}) });
export const agencyPatchSchema = z.strictObject(agencyFields).partial();

const processingTime = z.discriminatedUnion('unit', [
  z.strictObject({ unit: z.literal('days'), amount: z.number().int().min(0).max(365) }),
  z.strictObject({ unit: z.literal('hours'), amount: z.number().positive().max(2000) }),
  z.strictObject({
    unit: z.literal('same_day'),
    cutoff: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Giờ chốt dạng "15:00"').default('15:00'),
  }),
]);

/** As agencyFields: without the defaults, for the patch. */
const procedureFields = {
  code: procedureCode,
  name: text(500),
  field: text(128),
  agencyCode: agencyCode.nullable().optional(),
  processingTime,
  supplementPolicy: z.enum(['restart', 'pause']),
  defaultExtensionDays: z.number().int().min(1).max(60),
  defaultDelayReason: text(1000, 0),
};
export const procedureSchema = z.strictObject({
  ...procedureFields,
  supplementPolicy: procedureFields.supplementPolicy.default('restart'),
  defaultExtensionDays: procedureFields.defaultExtensionDays.default(5),
  defaultDelayReason: procedureFields.defaultDelayReason.default(''),
});
export const procedurePatchSchema = z.strictObject(procedureFields).partial();

export const calendarEntriesSchema = z.strictObject({
  entries: z
    .array(
      z.strictObject({
        date: isoDate,
        kind: z.enum(['off', 'work']),
        occasion: z.enum(['tet_duong_lich', 'tet_am_lich', 'gio_to', 'giai_phong', 'quoc_te_lao_dong', 'quoc_khanh']).nullable().default(null),
        name: text(255),
        source: text(500),
        estimate: z.boolean().default(false),
        agencyCode: agencyCode.nullable().default(null),
      }),
    )
    .min(1)
    .max(400),
});

export const dueQuery = z.strictObject({
  from: instant,
  days: z.coerce.number().int().min(0).max(1000).optional(),
  hours: z.coerce.number().positive().max(2000).optional(),
  agency: agencyCode.optional(),
});

const YEAR_OUT_OF_RANGE = `Năm từ ${SUPPORTED_YEARS.first} đến ${SUPPORTED_YEARS.last} (phạm vi lịch hỗ trợ)`;
export const yearParam = z.coerce.number().int(YEAR_OUT_OF_RANGE).min(SUPPORTED_YEARS.first, YEAR_OUT_OF_RANGE).max(SUPPORTED_YEARS.last, YEAR_OUT_OF_RANGE);

export const entryId = z.coerce.number().int().positive();

export const draftApologySchema = z.strictObject({
  reason: text(2000).optional(),
  newDueDate: isoDate.optional(),
  responsibleUnit: text(255).optional(),
  signerName: text(100).optional(),
  signerTitle: text(100).optional(),
  signerOnBehalf: text(100).nullable().optional(),
});

/** What a reviewer may change in a draft before approving it; an absent field keeps its value. */
export const reviseApologySchema = z.strictObject({
  reason: text(2000).optional(),
  newDueDate: isoDate.optional(),
});

/** Why a draft goes back to its drafter: shown to the drafter, never printed. */
export const returnApologySchema = z.strictObject({ comment: text(1000, 1, { multiline: true }) });

/** Why a draft was dropped: kept on the record, never printed, so it may take several lines. */
export const cancelApologySchema = z.strictObject({ reason: text(500, 1, { multiline: true }) });

export const listApologiesQuery = z.strictObject({
  agency: agencyCode.optional(),
  status: csv(['draft', 'issued', 'cancelled'] as const).optional(),
  timing: z.enum(['late', 'on_time']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export const agencyQuery = z.strictObject({ agency: agencyCode.optional() });

/** `enteredSince`: only the dossiers that came onto the list after that instant (a screen refreshing what it showed then). */
export const atRiskQuery = z.strictObject({ agency: agencyCode.optional(), enteredSince: instant.optional() });

export const listMessagesQuery = z.strictObject({
  status: csv(NOTICE_STATUSES).optional(),
  channel: csv(['zalo', 'email', 'sms', 'print', 'onestop'] as const).optional(),
  agency: agencyCode.optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
