/**
 * One interface for every way of reaching a person. A channel sends one notice and says what
 * happened in the closed vocabulary below; the dispatch worker decides what that means
 * (retry, defer, fall back, stop the channel) and records it.
 */
import type { Notice, NoticeChannel } from '../db/notices';

export type SendOutcome = 'sent' | 'delivered' | 'temporary-failure' | 'permanent-failure' | 'technical-failure';

export interface SendResult {
  outcome: SendOutcome;
  /** The provider's id for the message (Zalo msg_id, SMTP Message-ID / queue id). */
  providerMessageId?: string;
  /** What the provider answered, short and readable, for the attempt record. */
  providerAnswer: string;
  /** A stable class for reports and retries: 'zalo:-118', 'smtp:550', 'timeout', 'connection'… */
  errorClass?: string;
  /** Try again at this instant (epoch ms) instead of the usual backoff: night window, daily quota. */
  deferUntil?: number;
  /** This recipient cannot be reached on this channel (no Zalo account, refused…): try another. */
  fallback?: boolean;
  /**
   * The channel itself cannot send (bad credentials, unapproved template, lost Zalo grant): stop
   * using it, keep the notices queued, raise an alert for an administrator.
   */
  channelDown?: string;
}

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** What a channel is given of a notice; its `payload` is what the apology use case rendered for this channel (see ApologyService.noticesFor). */
export type OutgoingNotice = Pick<Notice, 'id' | 'businessKey' | 'kind' | 'audience' | 'channel' | 'recipient' | 'payload' | 'apologyId' | 'dossierId' | 'attempts'>;

export interface Channel {
  readonly name: NoticeChannel;
  /** True when the channel is a simulator (no message leaves the machine). */
  readonly simulated: boolean;
  /** `attachments` is called only by channels that carry files (e-mail: the letter PDF). */
  send(notice: OutgoingNotice, attachments: () => Promise<Attachment[]>): Promise<SendResult>;
  close(): Promise<void>;
}
