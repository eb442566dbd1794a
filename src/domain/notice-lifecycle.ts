/**
 * A notice's lifecycle, in one place: which statuses exist, which moves between them exist, and
 * what each status allows. The repository guards every status change with these sets (its
 * `WHERE status IN (…)` comes from here), and services, pages and webhooks ask here instead of
 * keeping their own lists. Pure: no I/O.
 *
 *   created ─claim→ sending ─outcome→ sent ─receipt→ delivered
 *      ↑              │  ╰──────────→ delivered | temporary-failure | technical-failure
 *      │              │               | permanent-failure | created (channel down)
 *      │              ├─release→ (the status it was claimed from)
 *      │              ╰─interrupt→ technical-failure
 *   sent ─undeliveredReport→ permanent-failure (then the next channel)
 *      ├─retry── temporary-, technical-, permanent-failure
 *   created, temporary-, technical-failure ─cancel→ cancelled
 *   created, any failure ─markCalled→ delivered (the counter reached the citizen)
 */

export const NOTICE_STATUSES = [
  'created',
  'sending',
  'sent',
  'delivered',
  'temporary-failure',
  'permanent-failure',
  'technical-failure',
  'cancelled',
] as const;

export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

/** What moves a notice. */
export type NoticeEvent =
  /** A worker takes a due notice to send it. */
  | 'claim'
  /** The worker records what the provider answered (or that the channel is down). */
  | 'outcome'
  /** A worker gives back a notice it claimed but did not send. */
  | 'release'
  /** A sweeper finds a worker dead in the middle of sending: the provider may have the message. */
  | 'interrupt'
  /** The provider confirms the citizen received it (Zalo's delivery receipt, an SMS delivery report). */
  | 'receipt'
  /** The provider reports that a sent message never reached the citizen (an SMS delivery report). */
  | 'undeliveredReport'
  /** Staff put a failed notice back in the queue. */
  | 'retry'
  /** Staff (or the dossier's closing) stop a notice not yet handed to a provider. */
  | 'cancel'
  /** The counter reached the citizen by phone or handed over the printed letter. */
  | 'markCalled';

/** Statuses a worker may pick up when the notice's `not_before` has come. */
export const AWAITING_WORKER: readonly NoticeStatus[] = ['created', 'temporary-failure', 'technical-failure'];
/** The failures: shown to staff as needing attention. */
export const FAILED: readonly NoticeStatus[] = ['temporary-failure', 'permanent-failure', 'technical-failure'];
/** What a provider's answer can make of a notice (`created`: the channel is down, the notice waits unchanged). */
export const OUTCOMES = ['created', 'sent', 'delivered', 'temporary-failure', 'technical-failure', 'permanent-failure'] as const satisfies readonly NoticeStatus[];
export type OutcomeStatus = (typeof OUTCOMES)[number];

interface Move {
  from: readonly NoticeStatus[];
  to: readonly NoticeStatus[];
}

/**
 * Every move that exists. `outcome` is accepted from the waiting statuses too: a sweeper that
 * took the worker for dead put the notice back, and an outcome known late still beats its guess
 * (the repository also checks the attempt's start mark, so only that attempt's outcome applies).
 * `release` puts a notice back to the status it was claimed from.
 */
const MOVES: Record<NoticeEvent, Move> = {
  claim: { from: AWAITING_WORKER, to: ['sending'] },
  outcome: { from: ['sending', ...AWAITING_WORKER], to: OUTCOMES },
  release: { from: ['sending'], to: AWAITING_WORKER },
  interrupt: { from: ['sending'], to: ['technical-failure'] },
  receipt: { from: ['sent'], to: ['delivered'] },
  undeliveredReport: { from: ['sent'], to: ['permanent-failure'] },
  retry: { from: FAILED, to: ['created'] },
  cancel: { from: AWAITING_WORKER, to: ['cancelled'] },
  markCalled: { from: ['created', ...FAILED], to: ['delivered'] },
};

export const NOTICE_EVENTS = Object.keys(MOVES) as NoticeEvent[];

/** The statuses `event` may move a notice from: the guard of the repository's update. */
export function movableFrom(event: NoticeEvent): NoticeStatus[] {
  return [...MOVES[event].from];
}

/** Where `event` may take a notice. */
export function movableTo(event: NoticeEvent): NoticeStatus[] {
  return [...MOVES[event].to];
}

/** Whether `event` may move a notice from `from` to `to`. */
export function isMove(event: NoticeEvent, from: NoticeStatus, to: NoticeStatus): boolean {
  return MOVES[event].from.includes(from) && MOVES[event].to.includes(to);
}

/** Whether a notice in `status` can undergo `event` at all. */
export function allows(status: NoticeStatus, event: NoticeEvent): boolean {
  return MOVES[event].from.includes(status);
}

/** Will it still be sent without anyone asking (waiting, or on its way)? */
export function isPending(status: NoticeStatus): boolean {
  return status === 'sending' || AWAITING_WORKER.includes(status);
}

/** Who reads a notice: a citizen, the agency's staff, or another system (a one-stop system told the new date). */
export type NoticeAudience = 'citizen' | 'staff' | 'system';

export type StaffAction = 'retry' | 'cancel' | 'markCalled';

/**
 * What staff may do with a notice, as the messages page offers it. Marking "called" is offered
 * only for a citizen's notice: the counter calls citizens, not staff.
 */
export function staffActions(notice: { status: NoticeStatus; audience: NoticeAudience }): StaffAction[] {
  const actions: StaffAction[] = [];
  if (allows(notice.status, 'retry')) actions.push('retry');
  if (allows(notice.status, 'cancel')) actions.push('cancel');
  if (notice.audience === 'citizen' && allows(notice.status, 'markCalled')) actions.push('markCalled');
  return actions;
}

/** What the messages page lists unless asked otherwise: what still needs someone's attention. */
export const NEEDS_ATTENTION: readonly NoticeStatus[] = ['created', ...FAILED];

/**
 * When a notice waiting for the worker will next leave, if not now: a citizen's message held for
 * the night (Zalo does not deliver then) or put off for a retry. Null when it leaves at once or
 * is not waiting.
 */
export function leavesAt(notice: { status: NoticeStatus; notBefore: number }, now: Date): number | null {
  return AWAITING_WORKER.includes(notice.status) && notice.notBefore > now.getTime() ? notice.notBefore : null;
}
