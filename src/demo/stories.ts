/**
 * The stories the demo's dossiers tell: how many end in each state, early, on time or late, with
 * or without a supplement round, how far back they were accepted, and the notes staff write on
 * the way. The planner finds, for each story, a history that fits before `now`.
 */
import type { IntakeChannel } from '../db/dossiers';
import type { Resolution } from '../domain/deadline';
import type { Rng } from './random';

/** How many dossiers the demo creates. */
export const DEMO_DOSSIERS = 200;

type OpenTimeliness = 'not_due' | 'due_today' | 'due_next' | 'overdue';

export type Scenario =
  | { kind: 'open'; state: 'received' | 'processing'; timeliness: OpenTimeliness }
  | { kind: 'supplemented' }
  | { kind: 'waiting' }
  | { kind: 'closed'; state: 'resolved' | 'returned'; resolution: Resolution; supplement: boolean }
  | { kind: 'withdrawn'; fromWaiting: boolean }
  | { kind: 'rejected' };

/** The mix of the demo: mostly finished dossiers, a realistic share late or overdue, every state present. */
export function scenarioMix(rng: Rng): Scenario[] {
  const out: Scenario[] = [];
  const add = (n: number, s: () => Scenario) => {
    for (let i = 0; i < n; i++) out.push(s());
  };
  const resolution = (): Resolution => {
    const u = rng.float();
    return u < 0.45 ? 'early' : u < 0.8 ? 'on_time' : 'late';
  };
  add(78, () => ({ kind: 'closed', state: 'returned', resolution: resolution(), supplement: rng.chance(0.15) }));
  add(8, () => ({ kind: 'closed', state: 'resolved', resolution: 'early', supplement: false }));
  add(8, () => ({ kind: 'closed', state: 'resolved', resolution: 'on_time', supplement: rng.chance(0.2) }));
  add(8, () => ({ kind: 'closed', state: 'resolved', resolution: 'late', supplement: rng.chance(0.2) }));
  add(18, () => ({ kind: 'open', state: 'processing', timeliness: 'not_due' }));
  add(10, () => ({ kind: 'open', state: 'received', timeliness: 'not_due' }));
  add(5, () => ({ kind: 'open', state: rng.chance(0.5) ? 'processing' : 'received', timeliness: 'due_today' }));
  add(7, () => ({ kind: 'open', state: rng.chance(0.7) ? 'processing' : 'received', timeliness: 'due_next' }));
  add(11, () => ({ kind: 'open', state: 'processing', timeliness: 'overdue' }));
  add(5, () => ({ kind: 'open', state: 'received', timeliness: 'overdue' }));
  add(8, () => ({ kind: 'supplemented' }));
  add(16, () => ({ kind: 'waiting' }));
  add(10, () => ({ kind: 'withdrawn', fromWaiting: rng.chance(0.4) }));
  add(8, () => ({ kind: 'rejected' }));
  if (out.length !== DEMO_DOSSIERS) throw new Error(`demo: the scenario mix has ${out.length} dossiers, expected ${DEMO_DOSSIERS}`);
  return rng.shuffle(out);
}

/** Days before today in which the acceptance day of a scenario is looked for. */
export function acceptanceWindow(s: Scenario): [number, number] {
  switch (s.kind) {
    case 'open':
      return s.timeliness === 'not_due' ? [0, 35] : s.timeliness === 'overdue' ? [1, 90] : [0, 70];
    case 'supplemented':
      return [3, 60];
    case 'waiting':
      return [1, 45];
    case 'closed':
      return s.state === 'returned' ? [2, 92] : [1, 30];
    case 'withdrawn':
    case 'rejected':
      return [2, 92];
  }
}

/** Stories that fit almost any procedure and day, tried when the wanted one does not fit. */
export const FALLBACKS: readonly Scenario[] = [
  { kind: 'closed', state: 'returned', resolution: 'on_time', supplement: false },
  { kind: 'closed', state: 'returned', resolution: 'early', supplement: false },
  { kind: 'closed', state: 'returned', resolution: 'late', supplement: false },
];

/** How the result went back to the applicant, by the way the dossier came in. */
export const RETURN_NOTES: Record<IntakeChannel, string> = {
  post: 'Đã gửi kết quả qua dịch vụ bưu chính công ích',
  online: 'Đã trả kết quả trực tuyến và bản giấy tại Bộ phận Một cửa',
  counter: 'Đã trả kết quả tại Bộ phận Một cửa',
};

export const WITHDRAWAL_NOTES = ['Công dân có đơn xin rút hồ sơ', 'Người nộp đề nghị rút hồ sơ để hoàn thiện lại', 'Tổ chức có văn bản đề nghị dừng giải quyết và rút hồ sơ'];
