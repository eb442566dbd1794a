import type { Services } from '../compose';
import type { Agency } from '../db/agencies';
import type { WorkingCalendar } from '../domain/calendar';
import { computeDue, workingMsBetween } from '../domain/deadline';
import { inSendWindow } from '../domain/dispatch';
import type { Actor } from '../domain/actor';
import type { DossierInput } from '../services/dossiers';
import type { EventInput } from '../services/dossier-events';
import { AppError } from '../errors';
import { Agenda } from './agenda';
import type { ReplayParams } from './params';
import { arrivalsForDay, dossierInputOf, type DossierArrival } from './province';
import { onAtRiskWarning, onCallList, onDraftWaiting } from './staff';
import { Rng, STREAM, streamRng } from './random';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Vietnam time (UTC+7), for the local day. */
const VN_OFFSET_MS = 7 * HOUR_MS;
/** The longest step while nothing is due (virtual). */
const MAX_IDLE_STEP_MS = 2 * HOUR_MS;
/** The watcher runs at least this often (virtual), whatever the driver knows of deadlines. */
const WATCHER_IDLE_MS = 2 * HOUR_MS;
/** Reads across agencies (what each agency's staff see, taken together). */
const REPLAY_ADMIN: Actor = { name: 'replay', agencyId: null, role: 'admin' };

/**
 * How dossiers and their events reach the service: the use cases in this process (SQLite), or
 * the JSON API of the server processes (PostgreSQL) — the way a one-stop system sends them.
 */
export interface ServicePort {
  /**
   * Dossiers received during one step, in order (distinct codes); answers in the same order: each
   * dossier's due date as the service computed it (epoch ms). A port may send them one by one,
   * concurrently, or as one batch the way a one-stop system synchronises them.
   */
  receive(inputs: DossierInput[]): Promise<{ dueAt: number | null }[]>;
  /**
   * Events on distinct dossiers (none among those being received), in order; answers in the same
   * order: 'refused' when the service refuses the step as out of turn (the dossier moved on
   * meanwhile), else the due date after it.
   */
  record(items: PortEvent[]): Promise<PortOutcome[]>;
}

export interface PortEvent {
  code: string;
  event: EventInput;
  actor: Actor;
}

export interface PortOutcome {
  outcome: 'done' | 'refused';
  dueAt: number | null;
}

/** Whoever sends the outbox: the driver's own dispatcher, or dispatcher processes it waits for. */
export interface Outbox {
  /** Returns once nothing is due at the clock's now (time then may move on). */
  drain(): Promise<void>;
}

export interface VirtualTime {
  now(): Date;
  advanceTo(at: number): Promise<Date>;
}

export interface DriverDeps {
  /** The driver's own services on the virtual clock: the watcher, the leader's and the counter's use cases. */
  services: Services;
  clock: VirtualTime;
  params: ReplayParams;
  port: ServicePort;
  outbox: Outbox;
  /** Virtual time per step; the staff look at their queues every `staffEveryMs`. */
  stepMs: number;
  staffEveryMs: number;
  /** Called after each step (progress lines, fault schedules keyed by virtual time). */
  afterStep?: (progress: DriverProgress) => Promise<void> | void;
  /** Agency code → the user id of its leader who signs remotely (approvals are theirs, as on the staff pages). */
  leaders?: ReadonlyMap<string, number>;
  /** Whether the driver asks the remote signer about waiting letters each step, as the server's loop does (src/server.ts). */
  pollSignatures?: boolean;
}

export interface DriverProgress {
  virtualNow: number;
  steps: number;
  received: number;
  events: number;
  refused: number;
  warningsSeen: number;
  drafted: number;
  approved: number;
  called: number;
  /** Letters asked about at the remote signer by the driver's signature poll. */
  signatureChecks: number;
  ticks: { drafted: number; issued: number; escalated: number; refused: number };
}

interface PendingArrival {
  input: DossierInput;
  then: (dueAt: number | null) => void;
}

interface PendingEvent {
  item: PortEvent;
  then: (answer: PortOutcome) => void;
}

/** What the driver does at a virtual instant. */
type Action =
  | { kind: 'arrive'; arrival: DossierArrival }
  | { kind: 'event'; code: string; agency: string; event: EventInput['kind']; rest: DossierArrival['fate']['supplementRounds']; workShare: number }
  | { kind: 'finish'; code: string; agency: string; reason: 'work' | 'warning' }
  | { kind: 'draft'; code: string; agency: string }
  | { kind: 'approve'; apologyId: number; agency: string }
  | { kind: 'call'; noticeId: number; agency: string };

/**
 * The replay's loop over virtual time. Each step: move the shared clock, let the dossiers that
 * arrived by then in through the service, carry out the staff's and citizens' actions that fell
 * due (the agenda), run the deadline watcher as `henlai tick` does, let the staff answer their
 * warnings, drafts and call list, and wait until the outbox has nothing due — so time runs at
 * full speed while the service keeps up and stands still while work is queued.
 */
export class ReplayDriver {
  private readonly agenda = new Agenda<Action>();
  private readonly staffRng: Rng;
  private readonly agencies = new Map<string, Agency>();
  private readonly calendars = new Map<string, WorkingCalendar>();
  private readonly actors = new Map<string, { officer: Actor; leader: Actor; counter: Actor }>();
  /** Warnings (dossier at a deadline version), drafts and call-list notices the staff already answered. */
  private readonly answered = new Set<string>();
  /** Each open dossier's due date as the service last answered it (null: paused). */
  private readonly dueOf = new Map<string, number | null>();
  /** The due dates handed out, to know when one passes (an entry whose dossier moved on is skipped). */
  private readonly deadlines = new Agenda<string>();
  private lastTick = -Infinity;
  /** When the staff last read the at-risk list (virtual). */
  private lastAtRiskLook: number | undefined;
  private lettersSeen = 0;
  /** The step's dossier intake and events not yet sent to the port, and what follows each answer. */
  private readonly pending: { arrivals: PendingArrival[]; events: PendingEvent[]; codes: Set<string> } = { arrivals: [], events: [], codes: new Set() };
  /** When the officer will finish each open dossier, once its supplements are over (the province model's fate). */
  private readonly finishOf = new Map<string, number>();
  private readonly progress: DriverProgress = {
    virtualNow: 0,
    steps: 0,
    received: 0,
    events: 0,
    refused: 0,
    warningsSeen: 0,
    drafted: 0,
    approved: 0,
    called: 0,
    signatureChecks: 0,
    ticks: { drafted: 0, issued: 0, escalated: 0, refused: 0 },
  };

  constructor(private readonly deps: DriverDeps) {
    this.staffRng = streamRng(deps.params.seed, 0, STREAM.staff);
  }

  /** Replays [start, end) of virtual time; returns what the driver did (the audit reads the database). */
  async run(start: number, end: number): Promise<DriverProgress> {
    for (const a of await this.deps.services.registry.agenciesToManage(REPLAY_ADMIN)) {
      this.agencies.set(a.code, a);
      this.calendars.set(a.code, await this.deps.services.calendars.forAgency(a));
    }
    let loadedDays = 0;
    let lastStaff = -Infinity;
    for (let now = start; now < end; ) {
      const next = this.nextStep(now, end, lastStaff);
      await this.deps.clock.advanceTo(next);
      while (loadedDays < this.deps.params.days && start + loadedDays * DAY_MS <= next) {
        for (const arrival of arrivalsForDay(this.deps.params, loadedDays)) this.agenda.push(arrival.receivedAt, { kind: 'arrive', arrival });
        loadedDays++;
      }
      // A dossier finished after its deadline slipped first: the watcher, which runs every minute
      // in service, must see it slipped before the officer's late result is recorded.
      const late: { at: number; item: Action }[] = [];
      for (const due of this.agenda.takeDue(next)) {
        if (this.pending.codes.has(codeOf(due.item))) await this.flush();
        const dueAt = due.item.kind === 'finish' ? this.dueOf.get(due.item.code) : undefined;
        if (dueAt !== undefined && dueAt !== null && dueAt > now && dueAt < due.at) late.push(due);
        else await this.act(due.at, due.item);
      }
      await this.flush();
      if (this.watcherHasWork(now, next)) await this.tick();
      await this.pollSignatures();
      for (const { at, item } of late) {
        if (this.pending.codes.has(codeOf(item))) await this.flush();
        await this.act(at, item);
      }
      await this.flush();
      if (next - lastStaff >= this.deps.staffEveryMs) {
        lastStaff = next;
        await this.staffLookAtQueues(next);
      }
      await this.deps.outbox.drain();
      now = next;
      this.progress.virtualNow = now;
      this.progress.steps++;
      await this.deps.afterStep?.({ ...this.progress });
    }
    // The end: one more look by the watcher at what slipped in the last step, and its notices.
    await this.tick();
    await this.pollSignatures();
    await this.deps.outbox.drain();
    return { ...this.progress };
  }

  /**
   * One step of `stepMs`, or longer while nothing is due: up to the next action, deadline, new
   * day or look at the queues, and at most MAX_IDLE_STEP_MS (notices waiting for a retry or for
   * the morning's send window are sent at most that late).
   */
  private nextStep(now: number, end: number, lastStaff: number): number {
    const at = (ms: number | null) => ms ?? Infinity;
    const nextDay = (Math.floor((now + VN_OFFSET_MS) / DAY_MS) + 1) * DAY_MS - VN_OFFSET_MS;
    const due = Math.min(at(this.agenda.nextAt()), at(this.deadlines.nextAt()) + 1, nextDay, lastStaff + this.deps.staffEveryMs);
    return Math.min(end, Math.max(now + this.deps.stepMs, Math.ceil(Math.min(due, now + MAX_IDLE_STEP_MS))));
  }

  /**
   * A tick with nothing to find changes nothing, and costs a few queries: the watcher runs (as
   * in service, where it runs every minute) whenever a deadline passed during the step, on the
   * first step of each day (the digests), after a step in which letters were issued or approved
   * (their PDFs), and at least every WATCHER_IDLE_MS.
   */
  private watcherHasWork(now: number, next: number): boolean {
    let passed = false;
    // A dossier is late once its deadline is behind now (strictly): one due at `next` slips in the next step.
    for (const { at, item: code } of this.deadlines.takeDue(next - 1)) if (this.dueOf.get(code) === at) passed = true;
    const newDay = Math.floor((next + VN_OFFSET_MS) / DAY_MS) !== Math.floor((now + VN_OFFSET_MS) / DAY_MS);
    const lettersMoved = this.progress.approved + this.progress.drafted !== this.lettersSeen;
    this.lettersSeen = this.progress.approved + this.progress.drafted;
    if (passed || newDay || lettersMoved || next - this.lastTick >= WATCHER_IDLE_MS) {
      this.lastTick = next;
      return true;
    }
    return false;
  }

  /** The server loop's signature checks (`checkSignatures`, every letter due for one), at this step's virtual now. */
  private async pollSignatures(): Promise<void> {
    if (!this.deps.pollSignatures) return;
    const batch = 50;
    for (let round = 0; round < 1000; round++) {
      const checked = await this.deps.services.apologyWorkflow.checkSignatures(batch);
      if (checked) this.progress.signatureChecks += checked;
      if (checked < batch) return;
    }
  }

  private setDue(code: string, dueAt: number | null): void {
    this.dueOf.set(code, dueAt);
    if (dueAt !== null) this.deadlines.push(dueAt, code);
  }

  private async tick(): Promise<void> {
    const tick = await this.deps.services.watcher.tick();
    this.progress.ticks.drafted += tick.drafted;
    this.progress.ticks.issued += tick.issued;
    this.progress.ticks.escalated += tick.escalated;
    this.progress.ticks.refused += tick.refused;
  }

  /**
   * Intake and events go to the port with the rest of the step (flush), a dossier at most once per
   * batch; the staff's use cases run at once, after what the port still holds.
   */
  private async act(at: number, action: Action): Promise<void> {
    const s = this.deps.services;
    switch (action.kind) {
      case 'arrive': {
        const a = action.arrival;
        this.send(a.code, { input: dossierInputOf(a), then: (dueAt) => {
          this.progress.received++;
          this.setDue(a.code, dueAt);
          this.planWork(a.code, a.agencyCode, at, a.fate.supplementRounds, a.fate.workShare);
        } });
        return;
      }
      case 'event':
        this.record(action.code, action.agency, action.event, at, () => {
          if (action.event === 'supplement_requested') {
            const [round, ...rest] = action.rest;
            this.agenda.push(at + Math.round(round.returnAfterHours * HOUR_MS), { kind: 'event', code: action.code, agency: action.agency, event: 'supplement_received', rest, workShare: action.workShare });
          } else {
            this.planWork(action.code, action.agency, at, action.rest, action.workShare);
          }
        });
        return;
      case 'finish':
        this.record(action.code, action.agency, 'resolved', at, () => {
          this.dueOf.delete(action.code);
          this.finishOf.delete(action.code);
        });
        return;
      case 'draft':
        await this.flush();
        await this.refusable(() => s.apologyWorkflow.draft(action.code, {}, this.actorsOf(action.agency).officer), () => this.progress.drafted++);
        return;
      case 'approve':
        await this.flush();
        await this.refusable(() => s.apologyWorkflow.approve(action.apologyId, this.actorsOf(action.agency).leader), () => this.progress.approved++);
        return;
      case 'call':
        await this.flush();
        await this.refusable(() => s.messages.markCalled(action.noticeId, this.actorsOf(action.agency).counter), () => this.progress.called++);
        return;
    }
  }

  private send(code: string, arrival: PendingArrival): void {
    this.pending.arrivals.push(arrival);
    this.pending.codes.add(code);
  }

  /** Sends what the step holds, then carries on each dossier's story in the order it was acted. */
  private async flush(): Promise<void> {
    const { arrivals, events } = this.pending;
    if (!arrivals.length && !events.length) return;
    this.pending.arrivals = [];
    this.pending.events = [];
    this.pending.codes.clear();
    const [received, recorded] = await Promise.all([
      arrivals.length ? this.deps.port.receive(arrivals.map((a) => a.input)) : [],
      events.length ? this.deps.port.record(events.map((e) => e.item)) : [],
    ]);
    arrivals.forEach((a, i) => a.then(received[i].dueAt));
    events.forEach((e, i) => e.then(recorded[i]));
  }

  /**
   * The next supplement round is asked for after its office hours of work. With none left the
   * officer finishes at the dossier's share of the office time its deadline allows from this
   * (re)start — past 1, after the deadline: the province model decides which dossiers slip.
   */
  private planWork(code: string, agency: string, from: number, rounds: DossierArrival['fate']['supplementRounds'], workShare: number): void {
    if (rounds.length) {
      const at = this.afterOfficeHours(agency, from, rounds[0].requestAfterOfficeHours);
      this.agenda.push(at, { kind: 'event', code, agency, event: 'supplement_requested', rest: rounds, workShare });
      return;
    }
    const dueAt = this.dueOf.get(code);
    const calendar = this.calendarOf(agency);
    const allowedHours = dueAt === undefined || dueAt === null ? 8 : workingMsBetween(calendar, new Date(from), new Date(dueAt)) / HOUR_MS;
    const finishAt = this.afterOfficeHours(agency, from, Math.max(0.05, workShare * allowedHours));
    this.finishOf.set(code, finishAt);
    this.agenda.push(finishAt, { kind: 'finish', code, agency, reason: 'work' });
  }

  private record(code: string, agency: string, kind: EventInput['kind'], at: number, done: () => void): void {
    this.pending.events.push({
      item: { code, event: { kind, occurredAt: new Date(at) }, actor: this.actorsOf(agency).officer },
      then: ({ outcome, dueAt }) => {
        if (outcome !== 'done') {
          this.progress.refused++;
          return;
        }
        this.progress.events++;
        this.setDue(code, dueAt);
        done();
      },
    });
    this.pending.codes.add(code);
  }

  /** A use case's refusal (the letter moved on, the dossier closed) is the story going on, not a failure. */
  private async refusable(run: () => Promise<unknown>, done: () => void): Promise<void> {
    try {
      await run();
      done();
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      this.progress.refused++;
    }
  }

  /**
   * What the staff see on their screens: the at-risk list (the digest's), the drafts waiting for a
   * leader, the citizens to call. Each item is answered once, as the staff model decides.
   */
  private async staffLookAtQueues(now: number): Promise<void> {
    const s = this.deps.services;
    const p = this.deps.params;
    // Only what came onto the list since the last look: the rest was answered then, or skipped
    // for its apology (which only a change of the dossier takes away in the replay).
    const items = await s.watcher.atRisk(null, 100_000, this.lastAtRiskLook);
    this.lastAtRiskLook = now;
    for (const item of items) {
      const key = `w:${item.dossier.id}:${item.dossier.deadlineVersion}`;
      if (this.answered.has(key) || item.apologyStatus !== null) continue;
      this.answered.add(key);
      this.progress.warningsSeen++;
      // A dossier on course to be finished in time needs nothing: the warning matters for those
      // whose work runs past the deadline (the province model's slips).
      const dueAt = item.dossier.currentDueAt as number;
      const finishAt = this.finishOf.get(item.dossier.code);
      if (item.overdue || (finishAt !== undefined && finishAt <= dueAt)) continue;
      const agency = item.agency.code;
      const officeHoursToDue = Math.max(0, workingMsBetween(this.calendarOf(agency), new Date(now), new Date(dueAt)) / HOUR_MS);
      const answer = onAtRiskWarning(p, this.staffRng, { slips: true, officeHoursToDue });
      if (!answer.acts) continue;
      const at = this.afterOfficeHours(agency, now, answer.afterOfficeHours);
      this.agenda.push(at, answer.outcome === 'finish_in_time' ? { kind: 'finish', code: item.dossier.code, agency, reason: 'warning' } : { kind: 'draft', code: item.dossier.code, agency });
    }
    const drafts = await s.apologies.list({ statuses: ['draft'] }, 10_000, 0, REPLAY_ADMIN);
    const signing = await s.signing.states(drafts.items.map((d) => d.apology.id));
    for (const { apology: a } of drafts.items) {
      // A letter waiting for a signature is in the signer's hands (the phone); one handed back
      // (refused, expired, a signer fault) is the leader's again, as the staff page shows it.
      const l = signing.get(a.id);
      if (l && l.state !== 'returned') continue;
      const key = l ? `d:${a.id}:${l.updatedAt}` : `d:${a.id}`;
      if (this.answered.has(key)) continue;
      this.answered.add(key);
      const agency = this.codeOf(a.issuingAgencyId);
      const answer = onDraftWaiting(p, this.staffRng);
      this.agenda.push(this.afterOfficeHours(agency, now, answer.afterOfficeHours), { kind: 'approve', apologyId: a.id, agency });
    }
    const calls = await s.messages.list({ statuses: ['created'], channels: ['print'] }, 10_000, 0, REPLAY_ADMIN);
    for (const n of calls.items) {
      const key = `c:${n.id}`;
      if (this.answered.has(key)) continue;
      this.answered.add(key);
      const agency = this.codeOf(n.agencyId);
      const answer = onCallList(p, this.staffRng);
      if (answer.calls) this.agenda.push(this.afterOfficeHours(agency, now, answer.afterOfficeHours), { kind: 'call', noticeId: n.id, agency });
    }
  }

  private afterOfficeHours(agency: string, from: number, hours: number): number {
    if (hours <= 0) return from;
    return computeDue(this.calendarOf(agency), new Date(from), { unit: 'hours', amount: hours }).getTime();
  }

  private calendarOf(agency: string): WorkingCalendar {
    const calendar = this.calendars.get(agency);
    if (!calendar) throw new Error(`replay: no agency "${agency}" in the catalogue`);
    return calendar;
  }

  private codeOf(agencyId: number | null): string {
    for (const a of this.agencies.values()) if (a.id === agencyId) return a.code;
    throw new Error(`replay: no agency with id ${agencyId}`);
  }

  /** The agency's officer, leader and counter clerk as the use cases see them. */
  private actorsOf(code: string): { officer: Actor; leader: Actor; counter: Actor } {
    let actors = this.actors.get(code);
    if (!actors) {
      const agency = this.agencies.get(code);
      if (!agency) throw new Error(`replay: no agency "${code}" in the catalogue`);
      actors = {
        officer: { name: `chuyên viên ${code}`, agencyId: agency.id, role: 'officer' },
        leader: { name: `lãnh đạo ${code}`, agencyId: agency.id, role: 'leader', ...(this.deps.leaders?.has(code) ? { userId: this.deps.leaders.get(code) } : {}) },
        counter: { name: `một cửa ${code}`, agencyId: agency.id, role: 'counter' },
      };
      this.actors.set(code, actors);
    }
    return actors;
  }
}

/** The dossier an action is about ('' for a letter or a notice: those the port never holds). */
function codeOf(action: Action): string {
  if (action.kind === 'arrive') return action.arrival.code;
  return action.kind === 'approve' || action.kind === 'call' ? '' : action.code;
}

/** The outbox as the replay's own dispatcher empties it (one process, SQLite). */
export function inProcessOutbox(s: Services): Outbox {
  return {
    drain: async () => {
      for (let round = 0; round < 1000; round++) {
        if ((await outstanding(s)) === 0) return;
        await s.dispatcher.runOnce();
      }
      throw new Error('replay: the outbox did not empty after 1000 dispatcher runs');
    },
  };
}

/**
 * The outbox as dispatcher processes empty it: polls until nothing is due. Notices the driver's
 * move of the clock made due (a retry's time come, the send window open) were queued earlier,
 * so nobody woke the dispatchers for them: the driver does, as the passing time would at their
 * next poll (a woken dispatcher reads the shared now first: see Clock.refresh) — and again every
 * `wakeEveryMs` while some remain, a net under a wake-up lost, since their own poll is a second.
 */
export function childrenOutbox(s: Services, options: { pollMs?: number; wakeEveryMs?: number; signal?: AbortSignal } = {}): Outbox {
  const { pollMs = 5, wakeEveryMs = 200, signal } = options;
  return {
    drain: async () => {
      for (let lastWake = -Infinity; (await outstanding(s)) > 0; ) {
        // Interrupted, the dispatchers are stopped: nobody would ever empty the outbox.
        signal?.throwIfAborted();
        if (Date.now() - lastWake >= wakeEveryMs) {
          lastWake = Date.now();
          await s.notices.wakeWorkers();
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  };
}

async function outstanding(s: Services): Promise<number> {
  const now = s.clock.now();
  return s.notices.outstanding({
    now: now.getTime(),
    channels: [...s.channels.keys()],
    citizensAllowed: inSendWindow(now, s.config.dispatch.sendWindow),
  });
}
