import type { Db } from './connection';

/** Zalo's delivery receipts, one row per msg_id, tied to our notice once it is known. */
export class ZaloReceiptRepository {
  constructor(private readonly db: Db) {}

  /**
   * Keeps a receipt unless its msg_id was kept before; true when it is new. (Zalo retries a
   * webhook for hours: the msg_id decides duplicates.)
   */
  async keep(msgId: string, deliveredAt: number, receivedAt: number): Promise<boolean> {
    const inserted = await this.db('zalo_receipts')
      .insert({ msg_id: msgId, notice_id: null, delivered_at: deliveredAt, received_at: receivedAt })
      .onConflict('msg_id')
      .ignore()
      .returning('msg_id');
    return inserted.length > 0;
  }

  async tieToNotice(msgId: string, noticeId: number): Promise<void> {
    await this.db('zalo_receipts').where({ msg_id: msgId }).update({ notice_id: noticeId });
  }

  /** When the notice's earliest receipt says it was delivered; null without one (index zalo_receipts_notice). */
  async firstDeliveryOf(noticeId: number): Promise<number | null> {
    const row = await this.db('zalo_receipts').where({ notice_id: noticeId }).orderBy('delivered_at').first('delivered_at');
    return row ? Number(row.delivered_at) : null;
  }
}
