/**
 * Zalo's delivery webhook (zalo.md, "Delivery webhook"): check the signature over the exact
 * bytes received, then record each msg_id once. Zalo retries a webhook for hours and has no
 * failure event, so a receipt is only ever good news, possibly repeated.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/connection';
import { NoticeRepository } from '../../db/notices';
import { ZaloReceiptRepository } from '../../db/zalo-receipts';
import type { Logger } from '../../logger';
import type { ZaloSettings } from './settings';

/** sha256(app_id + rawBody + timestamp + oaSecretKey), hex. Not an HMAC: that is Zalo's scheme. */
function expectedMac(rawBody: Buffer, timestamp: string, appId: string, oaSecretKey: string): Buffer {
  return createHash('sha256')
    .update(Buffer.from(appId, 'utf8'))
    .update(rawBody)
    .update(Buffer.from(timestamp, 'utf8'))
    .update(Buffer.from(oaSecretKey, 'utf8'))
    .digest();
}

function timestampOf(rawBody: Buffer): string | null {
  try {
    const body = JSON.parse(rawBody.toString('utf8')) as unknown;
    if (body === null || typeof body !== 'object') return null;
    const ts = (body as { timestamp?: unknown }).timestamp;
    return typeof ts === 'string' ? ts : typeof ts === 'number' ? String(ts) : null;
  } catch {
    return null;
  }
}

/**
 * True when `header` (X-ZEvent-Signature, "mac=<hex>" or "<hex>") signs `rawBody`. `rawBody`
 * must be the bytes as received: re-serialised JSON would not match.
 */
export function verifyZaloSignature(rawBody: Buffer, header: string | undefined, appId: string, oaSecretKey: string): boolean {
  // Without secrets anyone could sign; a simulator installation accepts no webhook at all.
  if (!header || !appId || !oaSecretKey) return false;
  const hex = header.trim().replace(/^mac=/i, '').trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const timestamp = timestampOf(rawBody);
  if (timestamp === null) return false;
  const given = Buffer.from(hex, 'hex');
  const expected = expectedMac(rawBody, timestamp, appId, oaSecretKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type ZaloReceiptResult = 'delivered' | 'duplicate' | 'unknown';

interface Receipt {
  msgId: string;
  trackingId: string | null;
  deliveredAt: number | null;
}

function receiptOf(event: unknown): Receipt | null {
  if (event === null || typeof event !== 'object') return null;
  const e = event as { event_name?: unknown; message?: unknown };
  if (e.event_name !== 'user_received_message' || e.message === null || typeof e.message !== 'object') return null;
  const m = e.message as { msg_id?: unknown; tracking_id?: unknown; delivery_time?: unknown };
  if (typeof m.msg_id !== 'string' || m.msg_id === '' || m.msg_id.length > 128) return null;
  const delivery = Number(m.delivery_time);
  return {
    msgId: m.msg_id,
    trackingId: typeof m.tracking_id === 'string' && m.tracking_id !== '' ? m.tracking_id : null,
    deliveredAt: Number.isSafeInteger(delivery) && delivery > 0 ? delivery : null,
  };
}

/**
 * Records a `user_received_message` event once per msg_id and marks its notice delivered when
 * the notice is 'sent'. 'delivered': the receipt belongs to one of our notices (now or already
 * delivered; if the worker has not yet recorded 'sent', see markDeliveredFromReceipts);
 * 'duplicate': this msg_id was handled before; 'unknown': not a receipt, or no notice matches.
 */
export async function recordZaloReceipt(db: Db, event: unknown, now: Date): Promise<ZaloReceiptResult> {
  const receipt = receiptOf(event);
  if (!receipt) return 'unknown';
  const at = now.getTime();
  const receipts = new ZaloReceiptRepository(db);
  return db.transaction(async () => {
    // The insert comes first: it decides duplicates and, on SQLite, takes the write lock at once
    // (a transaction that reads first may fail to upgrade when another process wrote meanwhile).
    if (!(await receipts.keep(receipt.msgId, receipt.deliveredAt ?? at, at))) return 'duplicate';
    const notices = new NoticeRepository(db);
    // tracking_id is our notice id; msg_id covers a notice whose tracking id got lost.
    const noticeId = await notices.idOnChannel('zalo', {
      id: receipt.trackingId && /^\d{1,15}$/.test(receipt.trackingId) ? Number(receipt.trackingId) : null,
      providerMessageId: receipt.msgId,
    });
    if (noticeId === null) return 'unknown';
    await receipts.tieToNotice(receipt.msgId, noticeId);
    // The lifecycle decides: only a 'sent' notice becomes 'delivered'.
    await notices.confirmDelivery(noticeId, receipt.deliveredAt ?? at, at);
    return 'delivered';
  });
}

/**
 * For the dispatcher, right after it records 'sent': a receipt that arrived while the notice was
 * still 'sending' (Zalo can be faster than our commit) is applied now. True when it was.
 */
export async function markDeliveredFromReceipts(db: Db, noticeId: number, now: Date): Promise<boolean> {
  const deliveredAt = await new ZaloReceiptRepository(db).firstDeliveryOf(noticeId);
  if (deliveredAt === null) return false;
  return new NoticeRepository(db).confirmDelivery(noticeId, deliveredAt, now.getTime());
}

export interface ZaloWebhookResponse {
  status: number;
  body: { result?: ZaloReceiptResult; error?: string };
}

/**
 * The whole of POST /webhooks/zalo without Express: signature, parse, record. A bad signature
 * gets 401 and stores nothing; anything signed gets 200 so that Zalo stops retrying, even an
 * event we do not use.
 */
export async function handleZaloWebhook(
  deps: { db: Db; config: Pick<ZaloSettings, 'appId' | 'oaSecretKey'>; now: Date; logger?: Logger },
  rawBody: Buffer,
  signatureHeader: string | undefined,
): Promise<ZaloWebhookResponse> {
  if (!verifyZaloSignature(rawBody, signatureHeader, deps.config.appId, deps.config.oaSecretKey)) {
    deps.logger?.warn('zalo: webhook refused, invalid signature');
    return { status: 401, body: { error: 'Chữ ký webhook Zalo không hợp lệ' } };
  }
  const event = JSON.parse(rawBody.toString('utf8')) as unknown; // parseable: the signature check read it
  const result = await recordZaloReceipt(deps.db, event, deps.now);
  return { status: 200, body: { result } };
}
