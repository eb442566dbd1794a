/**
 * The e-mail channel: apology notices to citizens (HTML + text + the letter PDF) and the daily
 * at-risk digest to agencies (text).
 *
 * With SMTP settings it hands messages to the relay through a nodemailer pool. The pool never
 * re-sends a message on its own (`maxRequeues: 0`): the outbox owns retries, records each
 * attempt, and a message the relay may already have taken is not sent again behind its back.
 *
 * Without SMTP settings each message is written as `<dataDir>/outbox/notice-<id>-<hash>.eml`
 * (written to a temporary name, flushed, then renamed, so a reader never sees half a file).
 * That is a local sink, not a delivery: the channel reports `simulated` and says so in the
 * answer it records.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { maskContacts } from '../../domain/contact';
import type { Logger } from '../../logger';
import type { Attachment, Channel, OutgoingNotice, SendResult } from '../types';
import { classifySmtpError } from './classify';
import { buildMessage, contentOf, isDeliverableAddress, PayloadError, shortHash, type EmailContent } from './message';
import type { EmailSettings, SmtpSettings } from './settings';

export interface EmailChannelDeps {
  config: EmailSettings;
  dataDir: string;
  logger?: Logger;
}

export interface EmailChannel extends Channel {
  /** Where messages go, for logs and the status page: `smtp://host:port` or the outbox folder. */
  readonly destination: string;
}

type Message = ReturnType<typeof buildMessage>;

/** Also used by the channel health check, so that it verifies exactly what sending would use. */
export function smtpTransport(s: SmtpSettings, dkim: EmailSettings['dkim']) {
  return nodemailer.createTransport({
    pool: true,
    host: s.host,
    port: s.port,
    secure: s.secure,
    ...(s.auth ? { auth: { user: s.auth.user, pass: s.auth.pass } } : {}),
    requireTLS: s.requireTLS,
    ignoreTLS: s.ignoreTLS,
    tls: { rejectUnauthorized: s.rejectUnauthorized, ...(s.servername ? { servername: s.servername } : {}) },
    ...(s.clientName ? { name: s.clientName } : {}),
    maxConnections: s.maxConnections,
    maxMessages: s.maxMessages,
    maxRequeues: 0,
    connectionTimeout: s.connectionTimeoutMs,
    greetingTimeout: s.greetingTimeoutMs,
    socketTimeout: s.socketTimeoutMs,
    ...(dkim ? { dkim } : {}),
    logger: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

function fileTransport(dkim: EmailSettings['dkim']) {
  // CRLF: the file holds exactly what would go on the wire (and what a DKIM signature covers).
  return nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', ...(dkim ? { dkim } : {}) });
}

function short(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function createEmailChannel(deps: EmailChannelDeps): EmailChannel {
  const { config } = deps;
  const log = deps.logger?.child({ channel: 'email' });
  const smtp = config.smtp;
  const outboxDir = path.join(deps.dataDir, 'outbox');
  const relay = smtp ? smtpTransport(smtp, config.dkim) : null;
  const files = smtp ? null : fileTransport(config.dkim);
  // Mail re-emits transport errors; unheard, an 'error' event would take the process down.
  relay?.on('error', (err: Error) => log?.warn({ err }, 'smtp pool error'));
  const inflight = new Set<Promise<unknown>>();
  let closed = false;
  let outboxReady: Promise<unknown> | null = null;

  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    const forget = () => inflight.delete(p);
    p.then(forget, forget);
    return p;
  };

  async function viaRelay(notice: OutgoingNotice, message: Message, s: SmtpSettings): Promise<SendResult> {
    try {
      const info = await track((relay as NonNullable<typeof relay>).sendMail({ ...message, signal: AbortSignal.timeout(s.sendTimeoutMs) }));
      log?.debug({ notice: notice.id, messageId: message.messageId }, 'e-mail accepted by relay');
      return { outcome: 'sent', providerMessageId: message.messageId, providerAnswer: short(info.response) };
    } catch (err) {
      const result = classifySmtpError(err);
      if (result.channelDown) log?.error({ notice: notice.id, errorClass: result.errorClass, answer: maskContacts(result.providerAnswer) }, 'e-mail channel down');
      else log?.warn({ notice: notice.id, outcome: result.outcome, errorClass: result.errorClass, answer: maskContacts(result.providerAnswer) }, 'e-mail not sent');
      return result;
    }
  }

  async function toOutbox(notice: OutgoingNotice, message: Message): Promise<SendResult> {
    const file = path.join(outboxDir, `notice-${notice.id}-${shortHash(notice.businessKey)}.eml`);
    const tmp = path.join(outboxDir, `.${path.basename(file)}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`);
    try {
      const info = await track((files as NonNullable<typeof files>).sendMail(message));
      const raw = info.message;
      if (!Buffer.isBuffer(raw)) throw new Error('nodemailer did not return the message as a buffer');
      outboxReady ??= fs.promises.mkdir(outboxDir, { recursive: true });
      await outboxReady;
      const fh = await fs.promises.open(tmp, 'wx', 0o640);
      try {
        await fh.writeFile(raw);
        // 'sent' is recorded once we return: the bytes must be on disk by then.
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, file);
    } catch (err) {
      outboxReady = null;
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      const e = err as NodeJS.ErrnoException;
      log?.error({ err, notice: notice.id }, 'e-mail outbox write failed');
      return { outcome: 'technical-failure', errorClass: 'outbox', providerAnswer: short(`Không ghi được tệp ${file}: ${e.code ?? ''} ${e.message}`) };
    }
    return {
      outcome: 'sent',
      providerMessageId: message.messageId,
      providerAnswer: `Đã ghi tệp ${file} (hộp thư đi cục bộ, chưa cấu hình SMTP_URL: thư không được gửi ra ngoài)`,
    };
  }

  return {
    name: 'email',
    simulated: smtp === null,
    destination: smtp ? `smtp${smtp.secure ? 's' : ''}://${smtp.host}:${smtp.port}` : outboxDir,

    async send(notice: OutgoingNotice, attachments: () => Promise<Attachment[]>): Promise<SendResult> {
      if (closed) return { outcome: 'technical-failure', errorClass: 'closed', providerAnswer: 'Kênh e-mail đã đóng (máy chủ đang dừng)' };
      if (!isDeliverableAddress(notice.recipient)) {
        return { outcome: 'permanent-failure', errorClass: 'address', providerAnswer: short(`Địa chỉ e-mail không hợp lệ: "${notice.recipient}"`), fallback: true };
      }
      let content: EmailContent;
      try {
        content = contentOf(notice);
      } catch (err) {
        if (!(err instanceof PayloadError)) throw err;
        // The same payload would fail on every attempt; a citizen must still be told, by another way.
        return { outcome: 'permanent-failure', errorClass: 'payload', providerAnswer: err.message, fallback: notice.audience === 'citizen' };
      }
      let attached: Attachment[] = [];
      if (notice.kind === 'new_appointment') {
        try {
          attached = await attachments();
        } catch (err) {
          return { outcome: 'technical-failure', errorClass: 'attachment', providerAnswer: short(`Không lấy được văn bản PDF để đính kèm: ${(err as Error).message}`) };
        }
        // The e-mail tells the citizen the letter is attached: it must not go out without it.
        if (!attached.length) return { outcome: 'technical-failure', errorClass: 'attachment', providerAnswer: 'Không có văn bản PDF để đính kèm' };
      }
      const message = buildMessage({
        notice,
        content,
        from: config.from,
        attachments: attached,
        onCssError: (err) => log?.warn({ err, notice: notice.id }, 'CSS of the e-mail template could not be inlined; sent as written'),
      });
      return smtp ? viaRelay(notice, message, smtp) : toOutbox(notice, message);
    },

    async close(): Promise<void> {
      closed = true;
      // The pool lets a message already on the wire finish; those still queued fail at once.
      relay?.close();
      files?.close();
      await Promise.allSettled([...inflight]);
    },
  };
}
