/**
 * Dossier states and the events that move them. Pure: no clock, no database.
 */
export const DOSSIER_STATES = ['received', 'processing', 'waiting_supplement', 'resolved', 'returned', 'withdrawn', 'rejected'] as const;
export type DossierState = (typeof DOSSIER_STATES)[number];

export const EVENT_KINDS = [
  'processing_started',
  'supplement_requested',
  'supplement_received',
  'resolved',
  'returned',
  'withdrawn',
  'rejected',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** States in which the deadline clock can run and the dossier can become late. */
export const OPEN_STATES: readonly DossierState[] = ['received', 'processing'];
/** States in which nothing more will happen to the dossier. */
export const CLOSED_STATES: readonly DossierState[] = ['resolved', 'returned', 'withdrawn', 'rejected'];

const TRANSITIONS: Record<DossierState, Partial<Record<EventKind, DossierState>>> = {
  received: {
    processing_started: 'processing',
    supplement_requested: 'waiting_supplement',
    resolved: 'resolved',
    withdrawn: 'withdrawn',
    rejected: 'rejected',
  },
  processing: {
    supplement_requested: 'waiting_supplement',
    resolved: 'resolved',
    withdrawn: 'withdrawn',
    rejected: 'rejected',
  },
  waiting_supplement: {
    supplement_received: 'processing',
    withdrawn: 'withdrawn',
    rejected: 'rejected',
  },
  resolved: { returned: 'returned' },
  returned: {},
  withdrawn: {},
  rejected: {},
};

export const STATE_LABELS: Record<DossierState, string> = {
  received: 'Đã tiếp nhận',
  processing: 'Đang giải quyết',
  waiting_supplement: 'Chờ bổ sung hồ sơ',
  resolved: 'Đã có kết quả',
  returned: 'Đã trả kết quả',
  withdrawn: 'Đã rút hồ sơ',
  rejected: 'Từ chối giải quyết',
};

/** Steps that end the dossier or stop its clock on the citizen's side: staff confirm them before they are recorded. */
const CONFIRMED_EVENT_KINDS: readonly string[] = ['supplement_requested', 'withdrawn', 'rejected'] satisfies EventKind[];

export function needsConfirmation(kind: string): boolean {
  return CONFIRMED_EVENT_KINDS.includes(kind);
}

export const EVENT_LABELS: Record<EventKind, string> = {
  processing_started: 'bắt đầu xử lý',
  supplement_requested: 'yêu cầu bổ sung',
  supplement_received: 'nhận hồ sơ bổ sung',
  resolved: 'có kết quả',
  returned: 'trả kết quả',
  withdrawn: 'rút hồ sơ',
  rejected: 'từ chối giải quyết',
};

/**
 * Everything a dossier's history can hold: the events staff record, and those the system and the
 * citizen add (receipt, re-computed dates, the apology's steps, escalation, acknowledgement).
 */
export const HISTORY_KINDS = [
  'created',
  ...EVENT_KINDS,
  'due_recomputed',
  'apology_drafted',
  'apology_issued',
  'apology_cancelled',
  'apology_revised',
  'apology_returned',
  'escalated',
  'citizen_acknowledged',
] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

/** How a history entry reads on a timeline, as a sentence start ("Hồ sơ …" is implied). */
export const HISTORY_LABELS: Record<HistoryKind, string> = {
  created: 'Tiếp nhận hồ sơ',
  processing_started: 'Bắt đầu xử lý',
  supplement_requested: 'Yêu cầu bổ sung hồ sơ',
  supplement_received: 'Nhận hồ sơ bổ sung',
  resolved: 'Có kết quả giải quyết',
  returned: 'Trả kết quả',
  withdrawn: 'Rút hồ sơ',
  rejected: 'Từ chối giải quyết',
  due_recomputed: 'Tính lại ngày hẹn trả do thay đổi lịch làm việc',
  apology_drafted: 'Soạn thư xin lỗi',
  apology_issued: 'Ban hành thư xin lỗi, hẹn lại ngày trả kết quả',
  apology_cancelled: 'Huỷ bản nháp thư xin lỗi',
  apology_revised: 'Sửa lý do hoặc ngày hẹn mới của bản nháp thư xin lỗi',
  apology_returned: 'Lãnh đạo trả lại bản nháp thư xin lỗi cho người soạn',
  escalated: 'Báo cáo lãnh đạo: trễ hẹn lần hai',
  citizen_acknowledged: 'Người dân xác nhận đã nhận được thông báo',
};

/** The state after `event`, or null when the event makes no sense in `state`. */
export function nextState(state: DossierState, event: EventKind): DossierState | null {
  return TRANSITIONS[state][event] ?? null;
}

export function isOpen(state: DossierState): boolean {
  return OPEN_STATES.includes(state);
}

/**
 * The codes of dossiers, agencies and procedures. Each starts with a letter or a digit: a code of
 * dots or slashes alone ("..", "//") names nothing a person can read and, for an agency, would
 * name a directory where the agencies' own templates are looked up.
 */
export const DOSSIER_CODE = { pattern: /^[A-Za-z0-9][A-Za-z0-9.\-_/]{0,63}$/, message: 'Mã hồ sơ gồm 1–64 ký tự: chữ, số và . - _ /, bắt đầu bằng chữ hoặc số' };
export const AGENCY_CODE = { pattern: /^[A-Za-z0-9][A-Za-z0-9.\-_]{0,31}$/, message: 'Mã cơ quan gồm 1–32 ký tự: chữ, số và . - _, bắt đầu bằng chữ hoặc số' };
export const PROCEDURE_CODE = { pattern: /^[A-Za-z0-9][A-Za-z0-9.\-_]{0,31}$/, message: 'Mã thủ tục gồm 1–32 ký tự: chữ, số và . - _, bắt đầu bằng chữ hoặc số' };

/**
 * A dossier code as a citizen types it from a paper receipt, in the form it is compared in:
 * full-width characters folded (NFKC), every space dropped, every kind of dash made "-", upper
 * case. Stored codes are compared in upper case too, so "h13.nk – 260212 – 0007" finds
 * H13.NK-260212-0007.
 */
export function typedDossierCode(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\s\p{Z}]+/gu, '')
    .replace(/[\p{Pd}\u2212]/gu, '-')
    .toUpperCase();
}
