/**
 * The gateway's delivery reports (GET to the CallbackUrl). The URL carries the installation's
 * secret token, compared in constant time: a report without it is refused and stores nothing.
 * Each gateway message id is recorded once; a report that says the SMS reached the phone marks
 * the notice delivered, one that says it never will fails it and queues the next channel of its
 * route. Reports that are not final yet are acknowledged and ignored.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/connection';
import { NoticeRepository } from '../../db/notices';
import type { Logger } from '../../logger';
import type { SmsGateway, SmsReport } from './gateway';

/** Equal tokens, without telling by the time taken how much of one matched; an empty expected token matches nothing. */
export function callbackTokenMatches(given: string, expected: string): boolean {
  if (!expected) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export type SmsReportResult = 'delivered' | 'undelivered' | 'pending' | 'duplicate' | 'unknown';

async function apply(notices: NoticeRepository, noticeId: number, delivered: boolean, detail: string, at: number): Promise<void> {
  // The lifecycle decides: only a 'sent' notice moves.
  if (delivered) await notices.confirmDelivery(noticeId, at, at);
  else await notices.reportUndelivered(noticeId, `sms:undelivered: ${detail}`, at);
}

export async function recordSmsReport(db: Db, report: SmsReport, now: Date): Promise<SmsReportResult> {
  if (report.delivered === null) return 'pending';
  const delivered = report.delivered;
  const at = now.getTime();
  return db.transaction(async (trx) => {
    // The insert first: it decides duplicates and takes SQLite's write lock at once.
    const inserted = await trx('sms_reports')
      .insert({ provider_message_id: report.providerMessageId, notice_id: null, delivered, detail: report.detail.slice(0, 500), received_at: at })
      .onConflict('provider_message_id')
      .ignore()
      .returning('provider_message_id');
    if (inserted.length === 0) return 'duplicate';
    const notices = new NoticeRepository(db);
    const noticeId = await notices.idOnChannel('sms', { id: report.noticeId, providerMessageId: report.providerMessageId });
    if (noticeId === null) return 'unknown';
    await trx('sms_reports').where({ provider_message_id: report.providerMessageId }).update({ notice_id: noticeId });
    await apply(notices, noticeId, delivered, report.detail, at);
    return delivered ? 'delivered' : 'undelivered';
  });
}

/**
 * For the dispatcher, right after it records 'sent': a report that came while the notice was
 * still 'sending' (the gateway can be faster than our commit) is applied now.
 */
export async function applyEarlySmsReport(db: Db, noticeId: number, now: Date): Promise<void> {
  const row = await db('sms_reports').where({ notice_id: noticeId }).first('delivered', 'detail');
  if (row) await apply(new NoticeRepository(db), noticeId, Boolean(row.delivered), String(row.detail), now.getTime());
}

export interface SmsCallbackResponse {
  status: number;
  body: { result?: SmsReportResult; error?: string };
}

/** The whole of GET /webhooks/sms/:token without Express. */
export async function handleSmsCallback(
  deps: { db: Db; gateway: SmsGateway; callbackToken: string; now: Date; logger?: Logger },
  token: string,
  query: Record<string, unknown>,
): Promise<SmsCallbackResponse> {
  if (!callbackTokenMatches(token, deps.callbackToken)) {
    deps.logger?.warn('sms: delivery report refused, wrong token');
    return { status: 401, body: { error: 'Địa chỉ nhận báo cáo SMS không đúng' } };
  }
  const report = deps.gateway.report(query);
  if (!report) return { status: 200, body: { result: 'unknown' } };
  return { status: 200, body: { result: await recordSmsReport(deps.db, report, deps.now) } };
}
