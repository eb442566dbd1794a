/**
 * The national synchronisation format (DongBoHoSoMC, CapNhatTienDoHoSoMC) read into the
 * registry's own terms, and where a payload stands in a dossier's life. Pure: no clock, no
 * database; `now` is passed in.
 */
import { isSupportedInstant } from './calendar';
import { normalizeEmail, normalizeVnMobile } from './contact';
import { DOSSIER_CODE, nextState, EVENT_KINDS, type DossierState, type EventKind } from './dossier';
import { normalizeText, textProblem } from './text';
import { parseInstant } from './time';

export interface PayloadProblem {
  field: string;
  message: string;
}

/** TrangThaiHoSo 1–10 as the national portal defines them, and the registry state each means. */
export const SYNC_STATUSES: Record<number, { label: string; state: DossierState }> = {
  1: { label: 'Mới đăng ký', state: 'received' },
  2: { label: 'Được tiếp nhận', state: 'received' },
  3: { label: 'Không được tiếp nhận', state: 'rejected' },
  4: { label: 'Đang xử lý', state: 'processing' },
  5: { label: 'Yêu cầu bổ sung giấy tờ', state: 'waiting_supplement' },
  // Paying a fee does not stop the legal clock: the dossier is still being processed.
  6: { label: 'Yêu cầu thực hiện nghĩa vụ tài chính', state: 'processing' },
  7: { label: 'Công dân yêu cầu rút hồ sơ', state: 'withdrawn' },
  8: { label: 'Dừng xử lý', state: 'rejected' },
  9: { label: 'Đã xử lý xong', state: 'resolved' },
  10: { label: 'Đã trả kết quả', state: 'returned' },
};

/** One supplement round (DanhSachHoSoBoSung): asked for at `requestedAt`, back at `receivedAt`. */
export interface SupplementRound {
  requestedAt: number;
  receivedAt: number | null;
  /** NgayHenTraMoi: the sender's new appointment once the supplement is in. */
  newDueAt: number | null;
}

/** A DongBoHoSoMC dossier, checked and normalised. */
export interface SyncDossier {
  code: string;
  procedureCode: string;
  unitCode: string;
  applicantKind: 'person' | 'organisation';
  applicantName: string;
  phone: string | null;
  email: string | null;
  channel: 'online' | 'counter' | 'post';
  submittedAt: number | null;
  acceptedAt: number;
  /** NgayHenTra: the sender's own appointment. */
  theirDueAt: number | null;
  status: number;
  state: DossierState;
  rounds: SupplementRound[];
  resolvedAt: number | null;
  returnedAt: number | null;
  closedAt: number | null;
}

/** A CapNhatTienDoHoSoMC step, checked. */
export interface SyncProgress {
  code: string;
  status: number;
  state: DossierState;
  at: number;
  /** NgayKetThucTheoQuyDinh: the sender's due date for the step, if given. */
  theirDueAt: number | null;
  note: string | null;
}

const COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** `yyyyMMddHHmmss` in Vietnam time → epoch ms; null when malformed or impossible (20261332…). */
export function parseCompactTime(text: unknown): number | null {
  const m = COMPACT.exec(String(text ?? '').trim());
  if (!m) return null;
  const d = parseInstant(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`);
  return d && isSupportedInstant(d) ? d.getTime() : null;
}

type Raw = Record<string, unknown>;

class Reader {
  readonly problems: PayloadProblem[] = [];
  constructor(
    private readonly raw: Raw,
    private readonly now: number,
  ) {}

  private fail(field: string, message: string): null {
    this.problems.push({ field, message });
    return null;
  }

  private present(field: string): boolean {
    const v = this.raw[field];
    return v !== undefined && v !== null && String(v).trim() !== '';
  }

  text(field: string, required: boolean, max = 255): string | null {
    if (!this.present(field)) return required ? this.fail(field, `Thiếu ${field}`) : null;
    const v = normalizeText(String(this.raw[field]));
    const bad = textProblem(v);
    if (bad) return this.fail(field, `${field}: ${bad}`);
    return v.length > max ? this.fail(field, `${field} dài quá ${max} ký tự`) : v;
  }

  time(field: string, required: boolean, from: Raw = this.raw, label = field): number | null {
    const v = from[field];
    if (v === undefined || v === null || String(v).trim() === '') return required ? this.fail(label, `Thiếu ${label}`) : null;
    const at = parseCompactTime(v);
    if (at === null) return this.fail(label, `${label} "${String(v)}" không phải thời điểm yyyyMMddHHmmss hợp lệ (giờ Việt Nam)`);
    return at > this.now ? this.fail(label, `${label} không được ở tương lai`) : at;
  }

  /** A date that may lie ahead (an appointment). */
  appointment(field: string, from: Raw = this.raw, label = field): number | null {
    const v = from[field];
    if (v === undefined || v === null || String(v).trim() === '') return null;
    const at = parseCompactTime(v);
    return at === null ? this.fail(label, `${label} "${String(v)}" không phải thời điểm yyyyMMddHHmmss hợp lệ (giờ Việt Nam)`) : at;
  }

  status(field: string): number | null {
    if (!this.present(field)) return this.fail(field, `Thiếu ${field}`);
    const n = Number(String(this.raw[field]).trim());
    if (!Number.isInteger(n) || !SYNC_STATUSES[n]) return this.fail(field, `${field} "${String(this.raw[field])}" không phải mã trạng thái 1–10`);
    return n;
  }

  code(field: string): string | null {
    const v = this.text(field, true, 64);
    if (v !== null && !DOSSIER_CODE.pattern.test(v)) return this.fail(field, `${field}: ${DOSSIER_CODE.message}`);
    return v;
  }
}

/** KenhThucHien (1 trực tiếp, 2 trực tuyến, 3 bưu chính). */
const CHANNELS: Record<string, SyncDossier['channel']> = { '1': 'counter', '2': 'online', '3': 'post' };

export function readSyncDossier(raw: unknown, now: number): { dossier: SyncDossier } | { problems: PayloadProblem[]; code: string | null } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { problems: [{ field: '(hồ sơ)', message: 'Mỗi hồ sơ phải là một đối tượng JSON' }], code: null };
  const r = new Reader(raw as Raw, now);
  const o = raw as Raw;
  const code = r.code('MaHoSo');
  const procedureCode = r.text('MaTTHC', true, 64);
  const unitCode = r.text('DonViXuLy', false, 64) ?? r.text('madonvi', false, 64);
  if (unitCode === null && !r.problems.some((p) => p.field === 'DonViXuLy' || p.field === 'madonvi')) r.problems.push({ field: 'DonViXuLy', message: 'Thiếu DonViXuLy (hoặc madonvi)' });
  const applicantName = r.text('ChuHoSo', true);
  const kind = o.LoaiDoiTuong === undefined || o.LoaiDoiTuong === null || o.LoaiDoiTuong === '' ? 1 : Number(o.LoaiDoiTuong);
  if (![1, 2, 3, 4].includes(kind)) r.problems.push({ field: 'LoaiDoiTuong', message: `LoaiDoiTuong "${String(o.LoaiDoiTuong)}" không phải 1–4` });
  const phoneText = r.text('SoDienThoai', false, 32);
  const phone = phoneText === null ? null : normalizeVnMobile(phoneText);
  if (phoneText !== null && phone === null) r.problems.push({ field: 'SoDienThoai', message: 'SoDienThoai không phải số di động Việt Nam' });
  const emailText = r.text('Email', false, 254);
  const email = emailText === null ? null : normalizeEmail(emailText);
  if (emailText !== null && email === null) r.problems.push({ field: 'Email', message: 'Email không hợp lệ' });
  const channelCode = String(o.KenhThucHien ?? o.HinhThuc ?? '1').trim();
  const channel = CHANNELS[channelCode] ?? 'counter';
  const acceptedAt = r.time('NgayTiepNhan', true);
  const submittedAt = r.time('NgayNopHoSo', false);
  const theirDueAt = r.appointment('NgayHenTra');
  const status = r.status('TrangThaiHoSo');
  const resolvedAt = r.time('NgayKetThucXuLy', false);
  const returnedAt = r.time('NgayTra', false);
  const closedAt = r.time('NgayTuChoi', false) ?? resolvedAt;
  const rounds: SupplementRound[] = [];
  const list = o.DanhSachHoSoBoSung;
  if (list !== undefined && list !== null && !Array.isArray(list)) r.problems.push({ field: 'DanhSachHoSoBoSung', message: 'DanhSachHoSoBoSung phải là một danh sách' });
  (Array.isArray(list) ? list : []).forEach((item, i) => {
    const label = `DanhSachHoSoBoSung[${i}]`;
    const round = (item ?? {}) as Raw;
    const requestedAt = r.time('NgayBoSung', true, round, `${label}.NgayBoSung`);
    const receivedAt = r.time('ThoiGianTiepNhanBoSung', false, round, `${label}.ThoiGianTiepNhanBoSung`);
    const newDueAt = r.appointment('NgayHenTraMoi', round, `${label}.NgayHenTraMoi`);
    if (requestedAt !== null) rounds.push({ requestedAt, receivedAt, newDueAt });
  });
  rounds.sort((a, b) => a.requestedAt - b.requestedAt);
  if (status === 9 || status === 10) {
    if (resolvedAt === null && !r.problems.some((p) => p.field === 'NgayKetThucXuLy')) r.problems.push({ field: 'NgayKetThucXuLy', message: `Hồ sơ ở trạng thái ${status} (${SYNC_STATUSES[status].label}) cần NgayKetThucXuLy` });
  }
  if (status === 10 && returnedAt === null && !r.problems.some((p) => p.field === 'NgayTra')) r.problems.push({ field: 'NgayTra', message: 'Hồ sơ đã trả kết quả (trạng thái 10) cần NgayTra' });
  if (acceptedAt !== null && submittedAt !== null && submittedAt > acceptedAt) r.problems.push({ field: 'NgayNopHoSo', message: 'NgayNopHoSo phải trước hoặc bằng NgayTiepNhan' });
  if (acceptedAt !== null) {
    for (const [field, at] of [['NgayKetThucXuLy', resolvedAt], ['NgayTra', returnedAt], ...rounds.map((x, i) => [`DanhSachHoSoBoSung[${i}].NgayBoSung`, x.requestedAt])] as [string, number | null][]) {
      if (at !== null && at < acceptedAt) r.problems.push({ field, message: `${field} không được trước NgayTiepNhan` });
    }
  }
  if (r.problems.length || code === null || procedureCode === null || unitCode === null || applicantName === null || acceptedAt === null || status === null) {
    return { problems: r.problems, code };
  }
  return {
    dossier: {
      code,
      procedureCode,
      unitCode,
      applicantKind: kind === 1 ? 'person' : 'organisation',
      applicantName,
      phone,
      email,
      channel,
      submittedAt,
      acceptedAt,
      theirDueAt,
      status,
      state: SYNC_STATUSES[status].state,
      rounds,
      resolvedAt,
      returnedAt,
      closedAt,
    },
  };
}

export function readSyncProgress(raw: unknown, now: number): { progress: SyncProgress } | { problems: PayloadProblem[]; code: string | null } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { problems: [{ field: '(tiến độ)', message: 'Mỗi bản tiến độ phải là một đối tượng JSON' }], code: null };
  const r = new Reader(raw as Raw, now);
  const code = r.code('MaHoSo');
  const status = r.status('TrangThai');
  const at = r.time('ThoiDiemXuLy', true);
  const theirDueAt = r.appointment('NgayKetThucTheoQuyDinh');
  const note = r.text('NoiDungXuLy', false, 1000);
  if (r.problems.length || code === null || status === null || at === null) return { problems: r.problems, code };
  return { progress: { code, status, state: SYNC_STATUSES[status].state, at, theirDueAt, note } };
}

/** How far along a dossier is: supplement steps taken (each request and each return), then its phase. */
export interface Stage {
  supplementSteps: number;
  state: DossierState;
}

const PHASE: Record<DossierState, number> = { received: 0, processing: 1, waiting_supplement: 1, resolved: 2, returned: 3, withdrawn: 4, rejected: 4 };

/** Negative: `a` is earlier than `b`; 0: the same stage; positive: later. */
export function compareStages(a: Stage, b: Stage): number {
  return a.supplementSteps - b.supplementSteps || PHASE[a.state] - PHASE[b.state];
}

/**
 * The stage a sender's word puts the dossier in, given the supplement steps it reports (a
 * DongBoHoSoMC lists its rounds; a progress step reports none, so the dossier's own count is
 * used). A dossier said to wait for a supplement with every round returned has a new round open;
 * one said to go on with a round open has had its supplement back.
 */
export function claimedStage(state: DossierState, supplementSteps: number): Stage {
  const open = supplementSteps % 2 === 1;
  if (state === 'waiting_supplement' && !open) return { state, supplementSteps: supplementSteps + 1 };
  if (open && state !== 'waiting_supplement' && state !== 'withdrawn' && state !== 'rejected') return { state, supplementSteps: supplementSteps + 1 };
  return { state, supplementSteps };
}

/** Supplement steps a DongBoHoSoMC's rounds report: a request each, and a return for each one back. */
export function roundSteps(rounds: SupplementRound[]): number {
  return rounds.reduce((n, x) => n + 1 + (x.receivedAt === null ? 0 : 1), 0);
}

/**
 * The registry events that take a dossier from `from` to `to`: first the supplement steps
 * missing (alternately requested and received), then the shortest path through the dossier's
 * transitions. null when no path exists (a resolved dossier cannot be withdrawn).
 */
export function eventsBetween(from: Stage, to: Stage): EventKind[] | null {
  const events: EventKind[] = [];
  let state = from.state;
  for (let step = from.supplementSteps; step < to.supplementSteps; step++) {
    const kind: EventKind = step % 2 === 0 ? 'supplement_requested' : 'supplement_received';
    const next = nextState(state, kind);
    if (!next) return null;
    events.push(kind);
    state = next;
  }
  const path = shortestPath(state, to.state);
  return path ? [...events, ...path] : null;
}

function shortestPath(from: DossierState, to: DossierState): EventKind[] | null {
  const queue: { state: DossierState; path: EventKind[] }[] = [{ state: from, path: [] }];
  const seen = new Set<DossierState>([from]);
  while (queue.length) {
    const { state, path } = queue.shift() as { state: DossierState; path: EventKind[] };
    if (state === to) return path;
    // Supplement steps are counted above, never invented on the way to another state.
    for (const kind of EVENT_KINDS.filter((k) => k !== 'supplement_requested' && k !== 'supplement_received')) {
      const next = nextState(state, kind);
      if (next && !seen.has(next)) {
        seen.add(next);
        queue.push({ state: next, path: [...path, kind] });
      }
    }
  }
  return null;
}
