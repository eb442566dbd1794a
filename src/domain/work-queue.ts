/**
 * What each role's dashboard lists (issue 15): the work a person of that role can act on, not
 * counts. Pure: the role and the clock's `now` in, the answer out.
 */
import type { Role } from './access';
import { dayStartMs, localDayOf } from './time';

export type WorkQueueName = 'calls' | 'dueWithoutApology' | 'returnedDrafts' | 'toApprove' | 'dueSoon' | 'lateAgencies';

/**
 * Counter staff call citizens and draft; a leader approves and signs; an officer processes the
 * agency's dossiers; supervisors and administrators change no dossier, so they see where
 * agencies are late.
 */
const QUEUES: Record<Role, readonly WorkQueueName[]> = {
  counter: ['calls', 'dueWithoutApology', 'returnedDrafts'],
  leader: ['toApprove'],
  officer: ['dueSoon'],
  supervisor: ['lateAgencies'],
  admin: ['lateAgencies'],
  integration: [],
  system: [],
};

export function queuesFor(role: Role): readonly WorkQueueName[] {
  return QUEUES[role];
}

/** How close a deadline is, in Vietnam's calendar days: overdue and today are urgent. */
export type Urgency = 'overdue' | 'today' | 'tomorrow' | 'later';

export function urgencyOf(dueAt: number, now: Date): Urgency {
  if (dueAt < now.getTime()) return 'overdue';
  const today = localDayOf(now);
  const day = localDayOf(new Date(dueAt));
  if (day <= today) return 'today';
  return day === today + 1 ? 'tomorrow' : 'later';
}

export function isUrgent(u: Urgency): boolean {
  return u === 'overdue' || u === 'today';
}

/** The last instant of tomorrow in Vietnam: the counter's horizon. */
export function endOfTomorrow(now: Date): number {
  return dayStartMs(localDayOf(now) + 2) - 1;
}

export const URGENCY_LABELS: Record<Urgency, string> = {
  overdue: 'Quá hạn',
  today: 'Hạn hôm nay',
  tomorrow: 'Hạn ngày mai',
  later: 'Sắp đến hạn',
};
