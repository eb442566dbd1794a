import crypto from 'node:crypto';
import type { Attachment, Channel, OutgoingNotice, SendResult } from '../channels/types';
import type { DispatchWorkerRepository, RenewalResult } from '../db/dispatch-workers';
import { fallbackNotice, type FinishedAttempt, type Notice, type NoticeChannel, type NoticeRepository, type Recorded } from '../db/notices';
import { deadWorkers, decide, inSendWindow, type SendWindow } from '../domain/dispatch';
import type { Logger } from '../logger';
import { runPeriodically } from '../workers/periodic';
import { realTimeOf, type Clock } from '../clock';
import { withRequestId } from '../request-context';
import { GroupWriter } from './group-write';
import type { OutboxWakeups } from '../db/outbox-wakeups';

export interface DispatchSettings {
  concurrency: number;
  retryWindowMs: number;
  /** The last resort for a worker that no other worker watched fall silent (see deadWorkers in domain/dispatch.ts). */
  sendingTimeoutMs: number;
  /** A worker silent while another renewed its lease without a break for this long is dead; leases are renewed every fifth of it. */
  leaseMs: number;
  sendWindow: SendWindow;
  /** How long notices wait when their channel is down before the worker looks again. */
  channelDownRetryMs: number;
}

export interface DispatchReport {
  claimed: number;
  sent: number;
  delivered: number;
  retried: number;
  failed: number;
  fallbacks: number;
  swept: number;
  requeued: number;
}

/**
 * The files of several notices, read together: each notice's id maps to its attachments, or to
 * the error that kept them from being produced (a notice left out has none).
 */
export type AttachmentSource = (notices: Notice[]) => Promise<Map<number, Attachment[] | Error>>;

export interface DispatcherDeps {
  notices: NoticeRepository;
  workers: DispatchWorkerRepository;
  channels: Map<NoticeChannel, Channel>;
  attachments: AttachmentSource;
  clock: Clock;
  logger: Logger;
  settings: DispatchSettings;
  random?: () => number;
  /** Runs after a notice is recorded 'sent' (Zalo: a delivery receipt may have arrived first). */
  afterSent?: (notice: Notice) => Promise<void>;
  /** Wakes start()'s runs when notices are queued (PostgreSQL); without it, the interval alone. */
  wakeups?: OutboxWakeups;
}

/** A claimed notice and how to get its files. */
interface Claimed {
  notice: Notice;
  attachments: () => Promise<Attachment[]>;
}

/** Recording outcomes is retried after 0.1 s, 0.2 s, 0.4 s… at most every 5 s, until the database takes them. */
const RECORD_RETRY_FIRST_MS = 100;
const RECORD_RETRY_MAX_MS = 5_000;

/**
 * The outbox worker. Claims due notices atomically, sends them with bounded concurrency through
 * their channel, records every attempt, and decides what happens next: done, retry later, wait
 * for the channel, or fall back to another channel and finally to the counter's call list.
 *
 * What a send's outcome is, once known, is never lost: if the database does not take it, the
 * worker keeps it and tries again until it does, renewing its lease meanwhile so that no other
 * worker puts the notice back to be sent again. The notices of a worker that died come back
 * within the lease (DISPATCH_LEASE_SECONDS): the ones it was sending flagged interrupted — the
 * only possible duplicates —, the ones it had claimed but not tried as they were.
 */
export class Dispatcher {
  readonly workerId = `${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  private readonly notices: NoticeRepository;
  private readonly workers: DispatchWorkerRepository;
  private readonly channels: Map<NoticeChannel, Channel>;
  private readonly attachments: AttachmentSource;
  private readonly clock: Clock;
  /** Times the leases: real time even on a replay's virtual clock (see leaseNow). */
  private readonly leaseClock: Clock;
  private readonly logger: Logger;
  private readonly settings: DispatchSettings;
  private readonly random: () => number;
  private readonly afterSent: (notice: Notice) => Promise<void>;
  private readonly wakeups: OutboxWakeups | undefined;
  /** Start marks, written together for the sends that start together. */
  private readonly starts: GroupWriter<number, { held: boolean; at: number }>;
  /** Finished attempts, written together and retried until the database takes them. */
  private readonly recorder: GroupWriter<FinishedAttempt, Recorded>;
  private running = false;
  private beatTimer: NodeJS.Timeout | null = null;
  private tickInFlight: Promise<void> | null = null;
  /** Another worker took this one for dead and put its notices back: the run in progress stops. */
  private leaseLost = false;
  /** Successful renewals since the last failed (or overdue) one. */
  private renewalsInARow = 0;
  private lastRenewal: number | null = null;
  /** Whether this worker may hold claimed notices (it claimed since its last release that succeeded). */
  private mayHold = true;
  /** Starts a run now, under start(); nothing outside it. */
  private wake: () => void = () => undefined;

  constructor(deps: DispatcherDeps) {
    this.notices = deps.notices;
    this.workers = deps.workers;
    this.channels = deps.channels;
    this.attachments = deps.attachments;
    this.clock = deps.clock;
    this.leaseClock = realTimeOf(deps.clock);
    this.logger = deps.logger;
    this.settings = deps.settings;
    this.random = deps.random ?? Math.random;
    this.afterSent = deps.afterSent ?? (async () => undefined);
    this.wakeups = deps.wakeups;
    this.starts = new GroupWriter(async (ids) => {
      const at = this.now();
      const held = await this.notices.markStarted(this.workerId, ids, at);
      return ids.map((id) => ({ held: held.has(id), at }));
    });
    this.recorder = new GroupWriter(
      (finished) => this.notices.finishAttempts(this.workerId, finished),
      (err, failures) => {
        this.logger.warn({ err, failures }, 'dispatch: the database did not take finished sends; they are kept and recorded again shortly');
        return Math.min(RECORD_RETRY_MAX_MS, RECORD_RETRY_FIRST_MS * 2 ** (failures - 1));
      },
    );
  }

  /**
   * One run: renews the lease, gives back what an earlier run left claimed, puts back the
   * notices of dead workers, then claims and sends until nothing is due. A failure (the
   * database gone) stops every worker of the run from taking new work; the run ends — and
   * throws that failure — only once the sends in flight are recorded and the untried claims are
   * given back, so that no send of this run goes on unobserved beside the next run.
   */
  async runOnce(): Promise<DispatchReport> {
    if (this.running) throw new Error('dispatch: a run is already in progress in this worker');
    this.running = true;
    // Outside start(), the lease lives for the run only: a worker between runs holds nothing.
    const standalone = this.beatTimer === null;
    const stopBeating = standalone ? this.keepLease() : () => undefined;
    try {
      return await this.run();
    } finally {
      stopBeating();
      if (standalone) await this.close();
      this.running = false;
    }
  }

  private async run(): Promise<DispatchReport> {
    const report: DispatchReport = { claimed: 0, sent: 0, delivered: 0, retried: 0, failed: 0, fallbacks: 0, swept: 0, requeued: 0 };
    this.leaseLost = false;
    // Woken for notices queued at a shared now (a replay's) this process has not read yet, it
    // would find them not due.
    await this.clock.refresh?.();
    // Under start() the heartbeat renews and sweeps every fifth of the lease; a run right after
    // it (runs may come every 50 ms) would only take the write lock for nothing (on SQLite,
    // waiting behind every other writer), so it renews and sweeps only when the beat is due.
    const beat = this.beatDue();
    if (beat) await this.renewLease();
    // Nothing is in flight between runs: whatever this worker still holds, it never sent.
    await this.releaseHeld();
    if (beat) report.swept = await this.sweep(true);
    const down = new Set<NoticeChannel>();
    // Workers pull from a shared queue refilled by one claim at a time, so a slow send never
    // holds the others back waiting for a whole batch to finish.
    const queue: Claimed[] = [];
    let exhausted = false;
    let failure: { error: unknown } | null = null;
    let claiming: Promise<void> | null = null;
    const refill = () =>
      (claiming ??= (async () => {
        const at = this.clock.now();
        // Set before the claim (its answer may be lost with the claim made); an empty claim took nothing.
        const held = this.mayHold;
        this.mayHold = true;
        const batch = await this.notices.claimDue({
          now: at.getTime(),
          claimedAt: this.leaseNow(),
          limit: this.settings.concurrency * 2,
          channels: [...this.channels.keys()].filter((c) => !down.has(c)),
          citizensAllowed: inSendWindow(at, this.settings.sendWindow),
          worker: this.workerId,
        });
        if (!batch.length) {
          exhausted = true;
          this.mayHold = held;
        }
        report.claimed += batch.length;
        const files = this.filesOf(batch);
        queue.push(...batch.map((notice) => ({ notice, attachments: () => files(notice) })));
      })().finally(() => {
        claiming = null;
      }));
    const worker = async () => {
      while (!failure && !this.leaseLost) {
        try {
          if (!queue.length) {
            if (exhausted) return;
            await refill();
          } else if (await this.deliver(queue.shift() as Claimed, down, report)) {
            exhausted = false; // a fallback queued a new notice that is due now: look for it before stopping
          }
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: this.settings.concurrency }, worker));
    // Every send of the run is recorded by now: what the worker still holds, it never tried.
    try {
      await this.releaseHeld();
    } catch (error) {
      failure ??= { error }; // the next run, or the sweeper once this worker's lease lapses, gives them back
    }
    if (failure) throw failure.error;
    if (this.leaseLost) throw new Error('dispatch: another worker took this one for dead and put its notices back; the run stopped');
    return report;
  }

  private async send(channel: Channel, notice: Notice, attachments: Claimed['attachments']): Promise<SendResult> {
    try {
      return await channel.send(outgoing(notice), attachments);
    } catch (err) {
      // A channel bug must not lose the notice: it is retried like a network error.
      this.logger.error({ err, notice: notice.id }, 'channel threw');
      return { outcome: 'technical-failure', errorClass: 'exception', providerAnswer: String((err as Error)?.message ?? err) };
    }
  }

  /**
   * Sends one claimed notice and records the outcome; true when it queued a fallback notice.
   * Throws only before the provider is called (the start mark could not be written): the
   * notice is then given back untried.
   */
  private async deliver({ notice, attachments }: Claimed, down: Set<NoticeChannel>, report: DispatchReport): Promise<boolean> {
    const channel = this.channels.get(notice.channel) as Channel;
    let startedAt = this.now();
    let calledProvider = false;
    let result: SendResult;
    if (down.has(notice.channel)) {
      result = { outcome: 'temporary-failure', providerAnswer: 'Kênh đang ngừng trong lượt này', channelDown: 'kênh ngừng' };
    } else {
      const start = await this.starts.push(notice.id);
      if (!start.held) return false; // cancelled since the claim: not sent
      startedAt = start.at;
      calledProvider = true;
      // As part of the request that created the notice: the channel's log lines carry its id.
      result = await withRequestId(notice.requestId, () => this.send(channel, notice, attachments));
    }
    const decision = decide(
      result,
      { audience: notice.audience, firstAttemptAt: notice.firstAttemptAt ?? this.now(), attempts: notice.attempts },
      this.now(),
      { retryWindowMs: this.settings.retryWindowMs, channelDownRetryMs: this.settings.channelDownRetryMs },
      this.random(),
    );
    if (result.channelDown) {
      down.add(notice.channel);
      const message = `Kênh ${notice.channel} ngừng gửi: ${result.channelDown}`;
      await this.bestEffort('raise the channel alert', () => this.notices.raiseAlert(`channel:${notice.channel}`, message, this.now()));
    }
    const at = this.now();
    const patch: FinishedAttempt['notice'] = {
      status: decision.status,
      lastError: result.outcome === 'sent' || result.outcome === 'delivered' ? null : `${result.errorClass ?? result.outcome}: ${result.providerAnswer}`.slice(0, 1000),
    };
    if (decision.notBefore !== undefined) patch.notBefore = decision.notBefore;
    if (result.providerMessageId) patch.providerMessageId = result.providerMessageId;
    if (decision.status === 'sent' || decision.status === 'delivered') patch.sentAt = at;
    if (decision.status === 'delivered') patch.deliveredAt = at;
    const recorded = await this.recorder.push({
      noticeId: notice.id,
      attempt: {
        startedAt,
        outcome: result.channelDown ? 'channel-down' : decision.gaveUp ? 'gave-up' : result.outcome,
        errorClass: result.errorClass ?? null,
        providerAnswer: result.providerAnswer,
        providerMessageId: result.providerMessageId ?? null,
      },
      calledProvider,
      notice: patch,
      fallback: decision.fallback ? fallbackNotice(notice, at) ?? undefined : undefined,
      at,
    });
    if (!recorded.held) return false; // cancelled or taken by another worker while we were sending
    if (decision.status === 'sent') {
      report.sent++;
      await this.bestEffort('apply a delivery receipt that came first', () => this.afterSent(notice));
    } else if (decision.status === 'delivered') report.delivered++;
    else if (decision.status === 'created') report.requeued++;
    else if (decision.status === 'permanent-failure') report.failed++;
    else report.retried++;
    if (recorded.fallbackQueued) report.fallbacks++;
    return recorded.fallbackQueued;
  }

  /**
   * The files of a claimed batch. The first notice of a channel that asks for its files (only
   * channels that carry them ask: e-mail's letter PDF) reads those of every notice of that
   * channel in the batch, in one query instead of one per message. A batch is twice the
   * concurrency (16 notices by default, 400 at the most), so its files — a 60 KB PDF each — are
   * held until sent at the cost of 1 MB by default, 24 MB at the largest setting.
   */
  private filesOf(batch: Notice[]): (notice: Notice) => Promise<Attachment[]> {
    const reads = new Map<NoticeChannel, Promise<Map<number, Attachment[] | Error>>>();
    return async (notice) => {
      let read = reads.get(notice.channel);
      if (!read) {
        read = this.attachments(batch.filter((n) => n.channel === notice.channel));
        reads.set(notice.channel, read);
      }
      const files = (await read).get(notice.id);
      if (files instanceof Error) throw files;
      return files ?? [];
    };
  }

  /**
   * Puts back the notices of dead workers (see deadWorkers in domain/dispatch.ts). The last resort —
   * a silence of DISPATCH_SENDING_TIMEOUT_SECONDS that no worker watched — is applied only after
   * three renewals in a row of this worker's own lease: right after an outage every worker looks
   * silent, and one still holding outcomes to record renews within a heartbeat of the database's
   * return. With `wait`, a worker that meets such a silence before it can judge it (just
   * started, or just back) keeps renewing for a few heartbeats and looks again.
   */
  private async sweep(wait: boolean): Promise<number> {
    const now = this.leaseNow();
    const leases = await this.workers.leases(now, this.settings.sendingTimeoutMs);
    let dead = deadWorkers(leases, now, this.workerId, {
      leaseMs: this.settings.leaseMs,
      sendingTimeoutMs: this.settings.sendingTimeoutMs,
      maxGapMs: this.maxGapMs(),
    });
    if (wait && !this.mayTrustSilence() && dead.some((w) => !w.watched)) {
      for (let i = 0; i < 5 && !this.mayTrustSilence(); i++) await new Promise((r) => setTimeout(r, this.heartbeatMs()));
      return this.sweep(false);
    }
    if (!this.mayTrustSilence()) dead = dead.filter((w) => w.watched);
    let swept = 0;
    for (const w of dead) {
      const requeued = await this.notices.requeueDeadWorker(w.worker, w.lastSeen, this.now(), now);
      if (!requeued) continue;
      const { interrupted, released } = requeued;
      if (interrupted.length || released.length) this.logger.warn({ worker: w.worker, interrupted, released }, 'dispatch: put back the notices of a dead worker');
      swept += interrupted.length + released.length;
    }
    return swept + (await this.notices.requeueUnleased(now - this.settings.sendingTimeoutMs, this.now())).length;
  }

  /** Gives back what this worker claimed and never tried; nothing to do when it claimed nothing since the last time. */
  private async releaseHeld(): Promise<void> {
    if (!this.mayHold) return;
    await this.notices.releaseHeld(this.workerId, this.now());
    this.mayHold = false;
  }

  /** No renewal yet (or since close()), or the last one a heartbeat ago. */
  private beatDue(): boolean {
    return this.lastRenewal === null || this.leaseNow() - this.lastRenewal >= this.heartbeatMs();
  }

  private mayTrustSilence(): boolean {
    return this.renewalsInARow >= 3;
  }

  private heartbeatMs(): number {
    return this.settings.leaseMs / 5;
  }

  /** Renewals further apart than this break a stretch (a stalled process could have missed an outage). */
  private maxGapMs(): number {
    return 2 * this.heartbeatMs();
  }

  /** Renews the lease every fifth of DISPATCH_LEASE_SECONDS, and sweeps, until the returned function is called. */
  private keepLease(): () => void {
    const timer = setInterval(() => {
      // A renewal still waiting after a whole period is as good as a failed one.
      if (this.tickInFlight) this.renewalsInARow = 0;
      else this.tickInFlight = this.tick().finally(() => (this.tickInFlight = null));
    }, this.heartbeatMs());
    timer.unref();
    this.beatTimer = timer;
    return () => {
      clearInterval(timer);
      if (this.beatTimer === timer) this.beatTimer = null;
    };
  }

  private async tick(): Promise<void> {
    try {
      await this.renewLease();
      const swept = await this.sweep(false);
      if (swept) {
        this.logger.info({ swept }, 'outbox');
        this.wake(); // the notices put back are due now
      }
    } catch (err) {
      this.logger.warn({ err }, 'dispatch: could not renew the lease');
    }
  }

  private async renewLease(): Promise<void> {
    const now = this.leaseNow();
    let renewal: RenewalResult;
    try {
      renewal = await this.workers.beat(this.workerId, now, this.maxGapMs());
    } catch (err) {
      this.renewalsInARow = 0;
      throw err;
    }
    // 'lost' after a close() of our own is only a new lease.
    if (renewal === 'lost' && this.lastRenewal !== null) {
      this.leaseLost = true;
      this.logger.error({ worker: this.workerId }, 'dispatch: another worker took this one for dead (it was cut off from the database for too long)');
    }
    // A gap (a stalled process) breaks the run of renewals like a failure, as in the lease row.
    this.renewalsInARow = renewal !== 'renewed' || (this.lastRenewal !== null && now - this.lastRenewal > this.maxGapMs()) ? 1 : this.renewalsInARow + 1;
    this.lastRenewal = now;
  }

  /** Ends the lease: a worker that stops cleanly holds nothing (its runs are over). */
  async close(): Promise<void> {
    await this.tickInFlight;
    if (this.lastRenewal === null) return;
    await this.bestEffort('end the lease', () => this.workers.end(this.workerId, this.leaseNow()));
    this.lastRenewal = null;
    this.renewalsInARow = 0;
  }

  /**
   * Runs the outbox every `intervalMs`, and at once when woken (notices queued, see wakeups),
   * until the returned function is called; never two runs at once.
   */
  start(intervalMs: number): () => Promise<void> {
    const stopBeating = this.keepLease();
    const runs = runPeriodically(
      () => this.runOnce(),
      intervalMs,
      (r) => {
        if (r.claimed || r.swept) this.logger.info({ dispatch: r }, 'outbox');
      },
      (err) => this.logger.error({ err }, 'outbox run failed'),
    );
    this.wake = runs.wake;
    const stopListening = this.wakeups?.listen(() => this.wake()) ?? (async () => undefined);
    return async () => {
      this.wake = () => undefined;
      await stopListening();
      await runs();
      stopBeating();
      await this.close();
    };
  }

  /** The time of the notices: when they are due, sent, retried (simulated on a replay's virtual clock). */
  private now(): number {
    return this.clock.now().getTime();
  }

  /**
   * The time of the leases and of the claims they guard. A dead worker is one silent for a while
   * of real time: measured on a virtual clock that stands still while the replay waits for the
   * outbox, no worker would ever be found dead (its notices stuck 'sending'); measured on one
   * racing ahead, renewals would look too far apart to ever count as unbroken.
   */
  private leaseNow(): number {
    return this.leaseClock.now().getTime();
  }

  private async bestEffort(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.logger.warn({ err }, `dispatch: could not ${what}`);
    }
  }
}

/** A channel sees its own rendering: `payload.email` for e-mail, `payload.zalo` for Zalo; a staff digest is e-mail only. */
function outgoing(n: Notice): OutgoingNotice {
  const own = n.payload[n.channel];
  return {
    id: n.id,
    businessKey: n.businessKey,
    kind: n.kind,
    audience: n.audience,
    channel: n.channel,
    recipient: n.recipient,
    payload: own && typeof own === 'object' ? (own as Record<string, unknown>) : n.payload,
    apologyId: n.apologyId,
    dossierId: n.dossierId,
    attempts: n.attempts,
  };
}
