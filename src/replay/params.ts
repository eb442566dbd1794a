/**
 * The parameters of a replay: who the province is (agencies, procedures, how many dossiers and
 * when), how its staff answer, what fails and when, what messages cost. One JSON file
 * (docs/replay-parameters.md; docs/replay-province.example.json is the default), validated here
 * field by field: a wrong or unknown field is refused with its path (`agencies[2].slipRate`),
 * never ignored, because a province's own figures mistyped would otherwise replay a different
 * province without a word.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { AGENCY_CODE, PROCEDURE_CODE } from '../domain/dossier';
import { isoToDay } from '../domain/time';
import { ValidationError, type FieldProblem } from '../errors';
import { DEFAULT_AGENCIES, DEFAULT_CALIBRATION } from './defaults';

const share = z.number().min(0).max(1);
const weight = z.number().min(0);
const positive = z.number().positive();
const spread = z
  .object({ median: z.number().min(0), p90: z.number().min(0) })
  .strict()
  .refine((s) => s.p90 >= s.median, { message: 'p90 phải lớn hơn hoặc bằng median', path: ['p90'] });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'giờ dạng HH:MM');
const hoursRanges = z.array(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'khoảng giờ dạng HH:MM-HH:MM'));

/** Exactly one of days, hours or sameDayCutoff: the procedure's time limit as published. */
const processingSchema = z
  .object({ days: z.number().int().positive().optional(), hours: z.number().int().positive().optional(), sameDayCutoff: hhmm.optional() })
  .strict()
  .refine((p) => [p.days, p.hours, p.sameDayCutoff].filter((x) => x !== undefined).length === 1, {
    message: 'ghi đúng một trong days, hours hoặc sameDayCutoff',
  });

const procedureSchema = z
  .object({
    code: z.string().regex(PROCEDURE_CODE.pattern, PROCEDURE_CODE.message),
    name: z.string().min(1),
    field: z.string().default('Khác'),
    processing: processingSchema,
    supplementPolicy: z.enum(['restart', 'pause']).default('restart'),
    /** Share of this procedure's dossiers that need at least one supplement round (bổ sung). */
    supplementRate: share,
    /** Probability of 1, 2, 3… rounds among the dossiers that need a supplement (weights). */
    supplementRounds: z.array(weight).min(1).default([0.8, 0.15, 0.05]),
    /** Weight of the procedure within its agency's volume. */
    share: weight,
    applicants: z.enum(['person', 'organisation', 'both']).default('person'),
    extensionDays: z.number().int().min(0).default(5),
    delayReason: z.string().min(1).default('Cần thêm thời gian xác minh hồ sơ'),
  })
  .strict();

/** 'manual' is accepted as the older name of 'review' (the letter waits for a person before it goes out). */
const apologyMode = z.preprocess((v) => (v === 'manual' ? 'review' : v), z.enum(['auto', 'review']));

const agencySchema = z
  .object({
    code: z.string().regex(AGENCY_CODE.pattern, AGENCY_CODE.message),
    name: z.string().min(1),
    level: z.enum(['province', 'center', 'department', 'commune']),
    parentName: z.string().default(''),
    placeName: z.string().min(1),
    letterSymbol: z.string().min(1),
    signerName: z.string().nullable().default(null),
    signerTitle: z.string().nullable().default(null),
    apologyMode: apologyMode.default('auto'),
    apologyLeadWorkingDays: z.number().int().min(0).max(10).default(1),
    officeHours: z.partialRecord(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), hoursRanges).default({}),
    /** The one-stop counter that receives this agency's dossiers (a centre); absent: the agency itself. */
    receivedBy: z.string().optional(),
    /** Share of the dossiers that finish after their appointment (Cần Thơ 2019: 2 %; Nghệ An 2023, online: 8.2 %). */
    slipRate: share,
    /** Weight of the agency in the province's volume (normalised over all agencies). */
    share: weight,
    procedures: z.array(procedureSchema),
  })
  .strict();

const providerFault = z
  .object({
    latencyMs: z.number().min(0),
    errorRate: share,
    outages: z.array(z.object({ atDay: z.number().min(0), forHours: positive }).strict()),
  })
  .strict();

/** Shape fixed in REPLAY.md §3 (the faults helper reads it). */
const faultsSchema = z
  .object({
    providers: z.object({ zalo: providerFault, email: providerFault, sms: providerFault, signing: providerFault }).strict(),
    kills: z
      .object({ server: z.object({ everySeconds: positive }).strict().optional(), dispatcher: z.object({ everySeconds: positive }).strict().optional() })
      .strict(),
    database: z.object({ outages: z.array(z.object({ atSecond: z.number().min(0), forSeconds: positive }).strict()) }).strict(),
  })
  .strict();

const staffSchema = z
  .object({
    /** Share of at-risk warnings ("sắp đến hạn") an officer acts on at all. */
    warningActedShare: share,
    /** Office hours between the warning and the officer's action. */
    warningDelayOfficeHours: spread,
    /** Of the slipping dossiers an officer acts on, the share the warning rescues (finished in time). */
    rescueShare: share,
    /** Office hours a drafted letter waits for the leader's approval and signature (review agencies, signed letters). */
    approvalDelayOfficeHours: spread,
    /** Share of the citizens on the call list the counter calls. */
    callListCalledShare: share,
    callDelayOfficeHours: spread,
    /**
     * A remote-signing request on the signer's phone ('remote' agencies; staff.ts onSignatureRequest):
     * the share confirmed and the share refused (the rest never answered: the request expires, as
     * does one that arrives out of office hours or is answered after the provider's few minutes).
     */
    signatureConfirmedShare: share,
    signatureRefusedShare: share,
    /** Real minutes from the request to the answer on the phone. */
    signatureDelayMinutes: spread,
  })
  .strict()
  .refine((s) => s.signatureConfirmedShare + s.signatureRefusedShare <= 1 + 1e-9, { message: 'signatureConfirmedShare + signatureRefusedShare không được quá 1', path: ['signatureRefusedShare'] });

/**
 * How an agency's letters are signed: its organisational certificate (a demo CA's, made at set-up);
 * 'remote', its leader and its certificate holder confirming each signature on the phone (the
 * SmartCA fake); or explicitly not at all.
 */
const signerKind = z.enum(['certificate', 'remote', 'off']);

const signingSchema = z
  .object({
    /** Every agency's signer unless listed in `agencies`. */
    kind: signerKind,
    /** By agency code: the agencies that sign otherwise. */
    agencies: z.record(z.string(), signerKind),
  })
  .strict();

const sumsToOne = (o: Record<string, number>) => Math.abs(Object.values(o).reduce((a, b) => a + b, 0) - 1) < 1e-6;

export const replayParamsSchema = z
  .object({
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    start: z.string().refine((s) => {
      try {
        isoToDay(s);
        return /^\d{4}-\d{2}-\d{2}$/.test(s);
      } catch {
        return false;
      }
    }, 'ngày dạng YYYY-MM-DD'),
    days: z.number().int().min(1).max(3660),
    yearlyVolume: z.number().int().min(0).max(50_000_000),
    intake: z
      .object({
        /** Sunday … Saturday; a day counts only when the receiving agency's office is open. */
        weekday: z.array(weight).length(7),
        /** January … December. */
        months: z.array(weight).length(12),
        /** A swapped working Saturday (ngày làm bù) as a share of an average weekday. */
        swappedDay: weight,
        tet: z.object({ rushWeeks: z.number().int().min(0).max(8), rushFactor: weight, afterWeeks: z.number().int().min(0).max(8), afterFactor: weight }).strict(),
        /** Day-to-day variation beyond chance (log-normal sigma); 0: days differ only by Poisson noise. */
        dailyNoise: z.number().min(0).max(1),
        /** Share of the day's dossiers received before noon. */
        morningShare: share,
        sources: z.object({ online: share, counter: share, post: share }).strict().refine(sumsToOne, 'online + counter + post phải bằng 1'),
        /** Real hours a citizen takes to bring the papers a supplement round asks for. */
        supplementReturnHours: spread,
      })
      .strict(),
    agencies: z.array(agencySchema).min(1),
    contacts: z.object({ zalo: share, noZaloPhone: share, email: share, none: share }).strict().refine(sumsToOne, 'zalo + noZaloPhone + email + none phải bằng 1'),
    staff: staffSchema,
    signing: signingSchema,
    faults: faultsSchema,
    prices: z.object({ zaloMessage: z.number().min(0), smsSegment: z.number().min(0), email: z.number().min(0), currency: z.literal('VND') }).strict(),
    processes: z.object({ servers: z.number().int().min(1).max(16), dispatchers: z.number().int().min(1).max(16) }).strict(),
    calibration: z.object({ source: z.string(), figures: z.record(z.string(), z.number()) }).strict(),
    importFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const codes = new Map<string, number>();
    p.agencies.forEach((a, i) => {
      if (codes.has(a.code)) ctx.addIssue({ code: 'custom', path: ['agencies', i, 'code'], message: `mã cơ quan "${a.code}" đã dùng ở agencies[${codes.get(a.code)}]` });
      else codes.set(a.code, i);
    });
    const procedures = new Map<string, { at: string; processing: string; policy: string }>();
    p.agencies.forEach((a, i) => {
      if (a.receivedBy !== undefined && (!codes.has(a.receivedBy) || a.receivedBy === a.code)) {
        ctx.addIssue({ code: 'custom', path: ['agencies', i, 'receivedBy'], message: `không có cơ quan tiếp nhận mã "${a.receivedBy}"` });
      }
      if (a.share > 0 && a.procedures.every((x) => x.share === 0)) {
        ctx.addIssue({ code: 'custom', path: ['agencies', i, 'procedures'], message: 'cơ quan có share > 0 cần ít nhất một thủ tục có share > 0' });
      }
      a.procedures.forEach((x, j) => {
        // A procedure decided by every commune is listed under each: it must be the same procedure.
        const seen = procedures.get(x.code);
        const same = { at: `agencies[${i}].procedures[${j}]`, processing: JSON.stringify(x.processing), policy: x.supplementPolicy };
        if (!seen) procedures.set(x.code, same);
        else if (seen.processing !== same.processing || seen.policy !== same.policy) {
          ctx.addIssue({ code: 'custom', path: ['agencies', i, 'procedures', j, 'processing'], message: `thủ tục "${x.code}" đã khai ở ${seen.at} với thời hạn hoặc cách tính bổ sung khác` });
        }
      });
    });
    for (const code of Object.keys(p.signing.agencies)) {
      if (!codes.has(code)) ctx.addIssue({ code: 'custom', path: ['signing', 'agencies', code], message: `không có cơ quan mã "${code}"` });
    }
    if (!p.agencies.some((a) => a.share > 0)) ctx.addIssue({ code: 'custom', path: ['agencies'], message: 'cần ít nhất một cơ quan có share > 0' });
  });

export type ReplayParams = z.output<typeof replayParamsSchema>;
export type AgencyParams = ReplayParams['agencies'][number];
export type ProcedureParams = AgencyParams['procedures'][number];
export type StaffModel = ReplayParams['staff'];
export type FaultParams = ReplayParams['faults'];
export type SigningParams = ReplayParams['signing'];
export type ProviderName = keyof FaultParams['providers'];

type DeepPartial<T> = T extends (infer U)[] ? U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type ReplayOverrides = DeepPartial<ReplayParams>;

const quietProvider = (latencyMs: number, errorRate: number, outages: { atDay: number; forHours: number }[]) => ({ latencyMs, errorRate, outages });

/**
 * Calibrated on the published figures (docs/replay-parameters.md): Cần Thơ received 169,055
 * dossiers in the first quarter of 2019, about 676,000 a year, so 700,000; slip rates between
 * Cần Thơ's 2 % late among resolved dossiers and Nghệ An's 8.2 % of online dossiers overdue.
 */
export const DEFAULT_REPLAY_PARAMS: ReplayParams = Object.freeze({
  seed: 20261225,
  start: '2026-01-01',
  days: 365,
  yearlyVolume: 700_000,
  intake: {
    // Monday's queue carries the weekend's online submissions; Friday afternoons are quieter.
    weekday: [0, 1.2, 1.05, 1, 1, 0.9, 0.35],
    // The year-end rush (December) and the months after Tết and the summer holidays.
    months: [1.05, 0.9, 1, 1, 1, 1.05, 1, 0.95, 1, 1, 1.05, 1.15],
    swappedDay: 0.6,
    tet: { rushWeeks: 2, rushFactor: 1.45, afterWeeks: 2, afterFactor: 0.7 },
    dailyNoise: 0.08,
    morningShare: 0.6,
    sources: { online: 0.45, counter: 0.5, post: 0.05 },
    supplementReturnHours: { median: 48, p90: 240 },
  },
  agencies: DEFAULT_AGENCIES,
  contacts: { zalo: 0.55, noZaloPhone: 0.25, email: 0.08, none: 0.12 },
  staff: {
    warningActedShare: 0.7,
    warningDelayOfficeHours: { median: 4, p90: 16 },
    rescueShare: 0.3,
    approvalDelayOfficeHours: { median: 6, p90: 24 },
    callListCalledShare: 0.85,
    callDelayOfficeHours: { median: 8, p90: 24 },
    signatureConfirmedShare: 0.92,
    signatureRefusedShare: 0.02,
    signatureDelayMinutes: { median: 1.5, p90: 4 },
  },
  // A province's agencies sign their letters; one that has not set it up issues them unsigned, which the audit shows.
  signing: { kind: 'certificate', agencies: {} },
  faults: {
    providers: {
      zalo: quietProvider(80, 0.01, [{ atDay: 45, forHours: 6 }]),
      email: quietProvider(150, 0.005, [{ atDay: 120, forHours: 3 }]),
      sms: quietProvider(120, 0.01, []),
      signing: quietProvider(300, 0.01, [{ atDay: 200, forHours: 2 }]),
    },
    kills: { server: { everySeconds: 300 }, dispatcher: { everySeconds: 420 } },
    database: { outages: [{ atSecond: 600, forSeconds: 15 }] },
  },
  // Zalo ZNS per message, an SMS brand-name segment, e-mail through the province's own server.
  prices: { zaloMessage: 300, smsSegment: 800, email: 0, currency: 'VND' },
  processes: { servers: 3, dispatchers: 2 },
  calibration: DEFAULT_CALIBRATION,
} satisfies ReplayParams) as ReplayParams;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and values replace (a province lists its agencies whole). */
function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out;
}

/** Refused parameters: every problem with its field path, and the message names them all. */
export class ReplayParamsError extends ValidationError {
  constructor(problems: FieldProblem[], where: string) {
    super(problems, `Tham số replay không hợp lệ (${where}): ${problems.map((p) => `${p.field} — ${p.message}`).join('; ')}`);
  }
}

/** Validates a parameter object already merged over the defaults. */
export function validateReplayParams(input: unknown, where = 'tham số'): ReplayParams {
  const result = replayParamsSchema.safeParse(input, { error: z.locales.vi().localeError });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((i): FieldProblem[] => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: pathText([...i.path, k]), message: 'trường không có trong định dạng tham số (gõ sai tên?)' }));
    return [{ field: pathText(i.path) || '(tệp)', message: i.message }];
  });
  throw new ReplayParamsError(problems, where);
}

/**
 * The defaults, overlaid by the JSON file (when given), overlaid by `overrides` (the command's
 * --seed, --days, --volume); validated as a whole.
 */
export function loadReplayParams(file?: string, overrides: ReplayOverrides = {}): ReplayParams {
  let fromFile: unknown = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new ReplayParamsError([{ field: 'file', message: `không đọc được tệp ${file}: ${(e as Error).message}` }], file);
    }
    try {
      fromFile = JSON.parse(text) as unknown;
    } catch (e) {
      throw new ReplayParamsError([{ field: 'file', message: `tệp ${file} không phải JSON hợp lệ: ${(e as Error).message}` }], file);
    }
    if (!isPlainObject(fromFile)) throw new ReplayParamsError([{ field: '(tệp)', message: 'tệp tham số phải là một đối tượng JSON { … }' }], file);
  }
  return validateReplayParams(merge(merge(structuredClone(DEFAULT_REPLAY_PARAMS), fromFile), overrides), file ?? 'mặc định');
}
