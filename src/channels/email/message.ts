/**
 * One notice → one nodemailer message. Pure apart from the clock nodemailer reads for `Date`:
 * the same notice gives the same headers and body on every attempt, so a retry after a lost
 * "250" carries the same Message-ID and a receiving system can recognise the duplicate.
 *
 * - Apology notices ('new_appointment'): HTML (CSS inlined, since mail clients drop <style>) with
 *   the plain-text alternative, and the letter PDF attached.
 * - Staff digests ('at_risk_digest') and signature reminders ('signature_reminder'): text only
 *   (their payload has no HTML).
 */
import crypto from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { SendMailOptions } from 'nodemailer';
import type { Attachment, OutgoingNotice } from '../types';
import type Juice from 'juice';

/** The notice cannot become an e-mail (a bug upstream or a damaged row): retrying will not help. */
export class PayloadError extends Error {}

export interface EmailContent {
  subject: string;
  text: string;
  /** null for text-only messages (staff digests). */
  html: string | null;
}

/**
 * A deliberately plain address check: one mailbox, no display name, no list. Anything richer
 * (a comma, a space, angle brackets) could turn one notice into a message to someone else.
 */
const ADDRESS = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]{1,253}\.[^\s@<>()[\]\\,;:".]{2,63}$/u;

export function isDeliverableAddress(recipient: string): boolean {
  return ADDRESS.test(recipient);
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/**
 * The subject and bodies the apology use case (or the watcher) rendered. Accepts the whole
 * multi-channel payload as well as its `email` part, so that the channel does not depend on
 * which of the two the dispatcher hands over.
 */
export function contentOf(notice: Pick<OutgoingNotice, 'kind' | 'payload'>): EmailContent {
  let p = notice.payload;
  if (!nonEmptyString(p.subject) && p.email && typeof p.email === 'object') p = p.email as Record<string, unknown>;
  const missing = ['subject', 'text'].filter((k) => !nonEmptyString(p[k]));
  if (notice.kind === 'new_appointment' && !nonEmptyString(p.html)) missing.push('html');
  if (missing.length) throw new PayloadError(`Nội dung e-mail thiếu ${missing.join(', ')} (loại thông báo ${notice.kind})`);
  const subject = (p.subject as string).replace(/\s+/g, ' ').trim();
  return { subject, text: p.text as string, html: nonEmptyString(p.html) ? p.html : null };
}

export function shortHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export function domainOf(address: string): string {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return domainToASCII(domain) || domain;
}

/**
 * `<henlai-notice-<id>-<hash of business key>@<From domain>>`: the id makes it unique within
 * one database, the business key's hash keeps two installations (or a wiped demo database)
 * from minting the same id for different messages.
 */
export function messageIdFor(notice: Pick<OutgoingNotice, 'id' | 'businessKey'>, fromAddress: string): string {
  return `<henlai-notice-${notice.id}-${shortHash(notice.businessKey)}@${domainOf(fromAddress)}>`;
}

const JUICE_OPTIONS: Juice.Options = {
  removeStyleTags: true,
  // @media and @font-face cannot live in a style attribute: they stay in a <style> for the
  // clients that honour it.
  preserveMediaQueries: true,
  preserveFontFaces: true,
  preserveImportant: true,
  applyWidthAttributes: false,
  applyHeightAttributes: false,
  applyAttributesTableElements: false,
};

// Loaded the first time a stylesheet needs it: juice and its HTML and CSS parsers took ~0.8 s of
// every start of the service (and of each `henlai dispatch`), and only an agency's own template
// brings a stylesheet.
let juice: typeof import('juice') | null = null;
const loadJuice = (): typeof import('juice') => (juice ??= require('juice') as typeof import('juice'));

/**
 * Moves <style> rules into style attributes. HTML without a <style> element is returned as it
 * is: juice would only parse and re-serialise it (a quarter of a millisecond per message for the
 * shipped template, which is already inline-styled), and only an agency's own template brings a
 * stylesheet. A stylesheet juice cannot digest leaves the HTML as written rather than holding
 * up the citizen's notice; `onError` hears about it.
 */
export function inlineCss(html: string, onError?: (err: Error) => void): string {
  if (!/<style[\s>]/i.test(html)) return html;
  try {
    return loadJuice()(html, JUICE_OPTIONS);
  } catch (err) {
    onError?.(err as Error);
    return html;
  }
}

export interface MessageInput {
  notice: Pick<OutgoingNotice, 'id' | 'businessKey' | 'kind' | 'recipient' | 'payload'>;
  content: EmailContent;
  from: { name: string; address: string };
  attachments: Attachment[];
  onCssError?: (err: Error) => void;
}

export function buildMessage(input: MessageInput): SendMailOptions & { messageId: string } {
  const { notice, content, from } = input;
  return {
    from: { name: from.name, address: from.address },
    // The object form: nodemailer must not parse the recipient as an address list.
    to: { name: '', address: notice.recipient },
    envelope: { from: from.address, to: [notice.recipient] },
    subject: content.subject,
    text: content.text,
    ...(content.html !== null ? { html: inlineCss(content.html, input.onCssError) } : {}),
    messageId: messageIdFor(notice, from.address),
    headers: {
      'X-Henlai-Notice': String(notice.id),
      // RFC 3834: vacation responders and auto-forwarders must not answer a machine.
      'Auto-Submitted': 'auto-generated',
      // Exchange/Outlook's own switch for the same (out-of-office, read receipts).
      'X-Auto-Response-Suppress': 'All',
    },
    attachments: input.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    // Payloads come from the database: nothing in them may make nodemailer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
