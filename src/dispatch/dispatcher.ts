import crypto from 'node:crypto';
import type { Attachment, Channel, OutgoingNotice, SendResult } from '../channels/types';
import type { FinishedAttempt, Notice, NoticeChannel, NoticeRepository } from '../db/notices';
import { decide, fallbackChannel, inSendWindow, type SendWindow } from '../domain/dispatch';
import type { Logger } from '../logger';
import { runPeriodically } from '../workers/periodic';
import type { Clock } from '../services/clock';

export interface DispatchSettings {
  concurrency: number;
  retryWindowMs: number;
  sendingTimeoutMs: number;
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

/** A claimed notice and how to get its files. */
interface Claimed {
  notice: Notice;
  attachments: () => Promise<Attachment[]>;
}

/**
 * The outbox worker. Claims due notices atomically, sends them with bounded concurrency through
 * their channel, records every attempt, and decides what happens next: done, retry later, wait
 * for the channel, or fall back to another channel and finally to the counter's call list.
 * A notice stuck in 'sending' after a crash is put back by the sweeper at the start of each run.
 */
export class Dispatcher {
  readonly workerId = `${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  /** Finished attempts waiting for the transaction that records them (see `record`). */
  private readonly unrecorded: Array<{ finished: FinishedAttempt; done: (held: boolean) => void; failed: (err: unknown) => void }> = [];
  private recording = false;

  constructor(
    private readonly notices: NoticeRepository,
    private readonly channels: Map<NoticeChannel, Channel>,
    private readonly attachments: AttachmentSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: DispatchSettings,
    private readonly random: () => number = Math.random,
    /** Runs after a notice is recorded 'sent' (Zalo: a delivery receipt may have arrived first). */
    private readonly afterSent: (notice: Notice) => Promise<void> = async () => undefined,
  ) {}

  async runOnce(): Promise<DispatchReport> {
    const report: DispatchReport = { claimed: 0, sent: 0, delivered: 0, retried: 0, failed: 0, fallbacks: 0, swept: 0, requeued: 0 };
    const now = this.clock.now().getTime();
    report.swept = (await this.notices.sweepStuck(now - this.settings.sendingTimeoutMs, now)).length;
    const down = new Set<NoticeChannel>();
    // Workers pull from a shared queue refilled by one claim at a time, so a slow send never
    // holds the others back waiting for a whole batch to finish.
    const queue: Claimed[] = [];
    let exhausted = false;
    let claiming: Promise<void> | null = null;
    const refill = () =>
      (claiming ??= (async () => {
        const at = this.clock.now();
        const batch = await this.notices.claimDue({
          now: at.getTime(),
          limit: this.settings.concurrency * 2,
          channels: [...this.channels.keys()].filter((c) => !down.has(c)),
          citizensAllowed: inSendWindow(at, this.settings.sendWindow),
          worker: this.workerId,
        });
        if (!batch.length) exhausted = true;
        report.claimed += batch.length;
        const files = this.filesOf(batch);
        queue.push(...batch.map((notice) => ({ notice, attachments: () => files(notice) })));
      })().finally(() => {
        claiming = null;
      }));
    const worker = async () => {
      for (;;) {
        if (!queue.length) {
          if (exhausted) return;
          await refill();
          continue;
        }
        // A fallback queued a new notice that is due now: look for it before stopping.
        if (await this.deliver(queue.shift() as Claimed, down, report)) exhausted = false;
      }
    };
    await Promise.all(Array.from({ length: this.settings.concurrency }, worker));
    return report;
  }

  /** Sends one claimed notice and records the outcome; true when it queued a fallback notice. */
  private async deliver({ notice, attachments }: Claimed, down: Set<NoticeChannel>, report: DispatchReport): Promise<boolean> {
    const now = () => this.clock.now().getTime();
    const channel = this.channels.get(notice.channel) as Channel;
    const startedAt = now();
    let result: SendResult;
    if (down.has(notice.channel)) {
      result = { outcome: 'temporary-failure', providerAnswer: 'Kênh đang ngừng trong lượt này', channelDown: 'kênh ngừng' };
    } else {
      try {
        result = await channel.send(outgoing(notice), attachments);
      } catch (err) {
        // A channel bug must not lose the notice: it is retried like a network error.
        result = { outcome: 'technical-failure', errorClass: 'exception', providerAnswer: String((err as Error)?.message ?? err) };
        this.logger.error({ err, notice: notice.id }, 'channel threw');
      }
    }
    const decision = decide(
      result,
      { audience: notice.audience, firstAttemptAt: notice.firstAttemptAt ?? now(), attempts: notice.attempts },
      now(),
      { retryWindowMs: this.settings.retryWindowMs, channelDownRetryMs: this.settings.channelDownRetryMs },
      this.random(),
    );
    if (result.channelDown) {
      down.add(notice.channel);
      await this.notices.raiseAlert(`channel:${notice.channel}`, `Kênh ${notice.channel} ngừng gửi: ${result.channelDown}`, now());
    }
    const at = now();
    const patch: FinishedAttempt['notice'] = {
      status: decision.status,
      lastError: result.outcome === 'sent' || result.outcome === 'delivered' ? null : `${result.errorClass ?? result.outcome}: ${result.providerAnswer}`.slice(0, 1000),
    };
    if (decision.notBefore !== undefined) patch.notBefore = decision.notBefore;
    if (result.providerMessageId) patch.providerMessageId = result.providerMessageId;
    if (decision.status === 'sent' || decision.status === 'delivered') patch.sentAt = at;
    if (decision.status === 'delivered') patch.deliveredAt = at;
    const held = await this.record({
      noticeId: notice.id,
      attempt: {
        startedAt,
        outcome: result.channelDown ? 'channel-down' : decision.gaveUp ? 'gave-up' : result.outcome,
        errorClass: result.errorClass ?? null,
        providerAnswer: result.providerAnswer,
        providerMessageId: result.providerMessageId ?? null,
      },
      notice: patch,
      at,
    });
    if (!held) return false; // cancelled or swept while we were sending: someone else owns it now
    if (decision.status === 'sent') {
      report.sent++;
      await this.afterSent(notice);
    }
    else if (decision.status === 'delivered') report.delivered++;
    else if (decision.status === 'created') report.requeued++;
    else if (decision.status === 'permanent-failure') report.failed++;
    else report.retried++;
    if (decision.fallback && (await this.fallBack(notice, at))) {
      report.fallbacks++;
      return true;
    }
    return false;
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
   * Records a finished attempt (see NoticeRepository.finishAttempts); true while this worker
   * still held the notice. Attempts that finish while a write is in progress go together into
   * the next one: one transaction — one commit, one turn of SQLite's single writer lock — for
   * many sends, where one per send made the database the bottleneck of a busy worker. No timer:
   * an attempt finishing alone is written at once.
   */
  private record(finished: FinishedAttempt): Promise<boolean> {
    return new Promise((done, failed) => {
      this.unrecorded.push({ finished, done, failed });
      void this.recordPending();
    });
  }

  private async recordPending(): Promise<void> {
    if (this.recording) return;
    this.recording = true;
    while (this.unrecorded.length) {
      const batch = this.unrecorded.splice(0);
      try {
        const held = await this.notices.finishAttempts(batch.map((b) => b.finished));
        batch.forEach((b, i) => b.done(held[i] as boolean));
      } catch (err) {
        for (const b of batch) b.failed(err);
      }
    }
    this.recording = false;
  }

  /** Queues the same message on the next channel (or the counter's list); false if there is none left. */
  private async fallBack(notice: Notice, now: number): Promise<boolean> {
    const contact = (notice.payload.contact ?? { email: null, phone: null }) as { email: string | null; phone: string | null };
    const next = fallbackChannel(notice.channel, contact);
    if (!next) return false;
    const key = notice.apologyId !== null ? `apology:${notice.apologyId}:${next.channel}:${next.recipient}` : `${notice.businessKey}:${next.channel}`;
    const created = await this.notices.enqueue(
      [
        {
          businessKey: key,
          kind: notice.kind,
          audience: notice.audience,
          channel: next.channel,
          recipient: next.channel === 'print' ? contact.phone ?? notice.recipient : next.recipient,
          agencyId: notice.agencyId,
          dossierId: notice.dossierId,
          apologyId: notice.apologyId,
          payload: notice.payload,
          notBefore: now,
          fallbackOf: notice.id,
        },
      ],
      now,
    );
    return created > 0;
  }

  /** Runs the outbox every `intervalMs` until the returned function is called; never two runs at once. */
  start(intervalMs: number): () => Promise<void> {
    return runPeriodically(
      () => this.runOnce(),
      intervalMs,
      (r) => {
        if (r.claimed || r.swept) this.logger.info({ dispatch: r }, 'outbox');
      },
      (err) => this.logger.error({ err }, 'outbox run failed'),
    );
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
