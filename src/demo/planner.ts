/**
 * The planner: turns a story into a dossier's history — an acceptance instant and the events that
 * follow — that fits the deciding agency's calendar and ends at or before `now`. Each history is
 * replayed in memory with the rules the DossierService applies (the state machine of
 * domain/dossier, the due dates and supplement pause/restart of domain/deadline), so a plan is
 * checked against its story before anything is written.
 */
import type { IntakeChannel } from '../db/dossiers';
import type { Procedure } from '../db/procedures';
import type { WorkingCalendar } from '../domain/calendar';
import { computeDue, keptOnSupplementRequest, resolutionOf, timelinessAt, type ProcessingTime, type Resolution } from '../domain/deadline';
import { nextState, type DossierState, type EventKind } from '../domain/dossier';
import { dayStartMs, localDayOf, MINUTE_MS, DAY_MS, type DayNumber } from '../domain/time';
import { procedureTime } from '../services/dossier-events';
import type { DemoProcedure } from './catalogue';
import type { Rng } from './random';
import { acceptanceWindow, RETURN_NOTES, WITHDRAWAL_NOTES, type Scenario } from './stories';

const SECOND_MS = 1000;

/** A random whole-second instant inside the office hours of `day`, within [lo, hi]; null if there is none. */
function officeInstant(cal: WorkingCalendar, rng: Rng, day: DayNumber, lo: number, hi: number): number | null {
  const base = dayStartMs(day);
  const spans: [number, number][] = [];
  let total = 0;
  for (const seg of cal.segmentsOf(day)) {
    const a = Math.ceil(Math.max(lo, base + seg.start * MINUTE_MS) / SECOND_MS) * SECOND_MS;
    const b = Math.floor(Math.min(hi, base + seg.end * MINUTE_MS) / SECOND_MS) * SECOND_MS;
    if (b > a) {
      spans.push([a, b]);
      total += b - a;
    }
  }
  if (total <= 0) return null;
  let u = Math.floor(rng.float() * total);
  for (const [a, b] of spans) {
    if (u < b - a) return Math.floor((a + u) / SECOND_MS) * SECOND_MS;
    u -= b - a;
  }
  return spans[spans.length - 1][0];
}

export interface PlannedEvent {
  kind: EventKind;
  at: number;
  note?: string;
}

/** A dossier's life so far: its state, its running due date and the events that led there. */
export class Life {
  readonly cal: WorkingCalendar;
  readonly proc: Procedure;
  readonly acceptedAt: number;
  /** The deciding agency's apologyLeadWorkingDays: how far ahead "due soon" reaches. */
  readonly lead: number;
  due: number | null;
  last: number;
  state: DossierState = 'received';
  events: PlannedEvent[] = [];
  /** The unit of the period running now, as the dossier's clock records it. */
  private clockUnit: ProcessingTime['unit'];
  /** What the last supplement request kept of the period, to count again on receipt. */
  private kept: ProcessingTime | null = null;

  constructor(deps: { calendar: WorkingCalendar; procedure: Procedure; acceptedAt: number; leadWorkingDays: number }) {
    this.cal = deps.calendar;
    this.proc = deps.procedure;
    this.acceptedAt = deps.acceptedAt;
    this.lead = deps.leadWorkingDays;
    const time = procedureTime(this.proc);
    this.due = computeDue(this.cal, new Date(this.acceptedAt), time).getTime();
    this.clockUnit = time.unit;
    this.last = this.acceptedAt;
  }

  apply(kind: EventKind, at: number, note?: string): void {
    const to = nextState(this.state, kind);
    if (!to) throw new Error(`demo: the planner asked for ${kind} in state ${this.state}`);
    if (kind === 'supplement_requested') {
      this.kept = keptOnSupplementRequest(this.cal, this.proc.supplementPolicy, new Date(at), this.due === null ? null : new Date(this.due), this.clockUnit);
      this.due = null;
    } else if (kind === 'supplement_received') {
      const time = this.kept ?? procedureTime(this.proc);
      this.due = computeDue(this.cal, new Date(at), time).getTime();
      this.clockUnit = time.unit;
    }
    this.state = to;
    this.events.push({ kind, at, note });
    this.last = at;
  }
}

const GAP_MS = 5 * MINUTE_MS;

/** What the planner places: a story, for a procedure, received and decided under these calendars. */
export interface Placement {
  story: Scenario;
  demo: DemoProcedure;
  procedure: Procedure;
  receivingCalendar: WorkingCalendar;
  decidingCalendar: WorkingCalendar;
  /** The deciding agency's apologyLeadWorkingDays. */
  leadWorkingDays: number;
  channel: IntakeChannel;
}

export class Planner {
  private readonly rng: Rng;
  private readonly now: number;
  readonly today: DayNumber;

  constructor(deps: { rng: Rng; now: number }) {
    this.rng = deps.rng;
    this.now = deps.now;
    this.today = localDayOf(new Date(this.now));
  }

  /**
   * An office instant between `minWd` and `maxWd` working days after the last event (0: the
   * same day), strictly after it and no later than `hi`; null if there is none.
   */
  later(life: Life, minWd: number, maxWd: number, hi = this.now): number | null {
    const from = localDayOf(new Date(life.last));
    const first = this.rng.int(minWd, maxWd);
    const order = [first];
    for (let k = first - 1; k >= minWd; k--) order.push(k);
    for (let k = first + 1; k <= maxWd; k++) order.push(k);
    for (const k of order) {
      const day = k === 0 ? from : life.cal.addWorkingDays(from, k);
      if (day > this.today) continue;
      const t = officeInstant(life.cal, this.rng, day, life.last + GAP_MS, Math.min(hi, this.now));
      if (t !== null) return t;
    }
    return null;
  }

  /** Resolves at a time that gives `want`, or returns false when this life leaves no such time. */
  resolve(life: Life, want: Resolution): boolean {
    if (life.due === null) return false;
    const due = life.due;
    const dueDay = localDayOf(new Date(due));
    const lo = life.last + GAP_MS;
    let at: number | null = null;
    if (want === 'on_time') {
      at = officeInstant(life.cal, this.rng, dueDay, lo, Math.min(due, this.now));
    } else if (want === 'early') {
      const days: DayNumber[] = [];
      for (let d = localDayOf(new Date(life.last)); d < dueDay && d <= this.today; d++) if (life.cal.isWorkingDay(d)) days.push(d);
      for (const d of this.rng.shuffle(days)) {
        at = officeInstant(life.cal, this.rng, d, lo, this.now);
        if (at !== null) break;
      }
    } else {
      const days: DayNumber[] = [];
      const lateBy = this.rng.int(1, life.proc.timeUnit === 'days' && life.proc.timeAmount >= 20 ? 12 : 5);
      for (let k = 0; k <= lateBy; k++) {
        const d = k === 0 ? dueDay : life.cal.addWorkingDays(dueDay, k);
        if (d <= this.today) days.push(d);
      }
      for (const d of days.reverse()) {
        at = officeInstant(life.cal, this.rng, d, Math.max(lo, due + MINUTE_MS), this.now);
        if (at !== null) break;
      }
    }
    if (at === null || resolutionOf(new Date(at), new Date(due)) !== want) return false;
    life.apply('resolved', at, want === 'late' ? life.proc.defaultDelayReason : undefined);
    return true;
  }

  private supplementRound(life: Life, notes: readonly string[], thenReceive: boolean): boolean {
    if (life.due === null) return false;
    // Requests for more papers come early in the period, before the due date.
    const asked = this.later(life, 1, 4, life.due - MINUTE_MS);
    if (asked === null) return false;
    life.apply('supplement_requested', asked, this.rng.pick(notes));
    if (!thenReceive) return true;
    const back = this.later(life, 1, 8);
    if (back === null) return false;
    life.apply('supplement_received', back);
    return true;
  }

  private start(life: Life, p: number): boolean {
    if (!this.rng.chance(p)) return true;
    const t = this.later(life, 0, 2);
    if (t === null) return false;
    life.apply('processing_started', t);
    return true;
  }

  /** Plays the scenario on a life accepted at `acceptedAt`; false if it cannot happen by `now`. */
  private play({ story: s, demo, channel }: Placement, life: Life): boolean {
    switch (s.kind) {
      case 'open': {
        if (s.state === 'processing' && !this.start(life, 1)) return false;
        const due = life.due as number;
        const t = timelinessAt(life.cal, new Date(this.now), new Date(due), life.lead);
        switch (s.timeliness) {
          case 'overdue':
            return due < this.now && this.now - due <= 21 * DAY_MS;
          case 'due_today':
            return t === 'due_soon' && localDayOf(new Date(due)) === this.today;
          case 'due_next':
            return t === 'due_soon' && localDayOf(new Date(due)) > this.today;
          case 'not_due':
            return t === 'not_due';
        }
        return false;
      }
      case 'supplemented':
        return this.start(life, 1) && this.supplementRound(life, demo.supplementNotes, true) && life.due !== null;
      case 'waiting':
        return this.start(life, 0.7) && this.supplementRound(life, demo.supplementNotes, false);
      case 'closed': {
        if (!this.start(life, 0.85)) return false;
        if (s.supplement && !this.supplementRound(life, demo.supplementNotes, true)) return false;
        if (!this.resolve(life, s.resolution)) return false;
        if (s.state === 'returned') {
          const t = this.later(life, 0, channel === 'counter' ? 4 : 2);
          if (t === null) return false;
          life.apply('returned', t, RETURN_NOTES[channel]);
        }
        return true;
      }
      case 'withdrawn': {
        if (!this.start(life, 0.5)) return false;
        if (s.fromWaiting && !this.supplementRound(life, demo.supplementNotes, false)) return false;
        const t = this.later(life, 1, s.fromWaiting ? 10 : 6);
        if (t === null) return false;
        life.apply('withdrawn', t, this.rng.pick(WITHDRAWAL_NOTES));
        return true;
      }
      case 'rejected': {
        if (!this.start(life, 1)) return false;
        const t = this.later(life, 1, 6);
        if (t === null) return false;
        life.apply('rejected', t, this.rng.pick(demo.rejectionNotes));
        return true;
      }
    }
  }

  /**
   * Looks for an acceptance instant (office hours of the receiving unit, in the scenario's
   * window) whose replayed life matches the scenario.
   */
  acceptance(p: Placement): Life | null {
    const [minBack, maxBack] = acceptanceWindow(p.story);
    const days: DayNumber[] = [];
    for (let back = minBack; back <= maxBack; back++) days.push(this.today - back);
    for (const day of this.rng.shuffle(days)) {
      const at = officeInstant(p.receivingCalendar, this.rng, day, -Infinity, this.now);
      if (at === null) continue;
      const life = new Life({ calendar: p.decidingCalendar, procedure: p.procedure, acceptedAt: at, leadWorkingDays: p.leadWorkingDays });
      if (this.play(p, life)) return life;
    }
    return null;
  }
}
