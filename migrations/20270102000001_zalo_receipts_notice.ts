import type { Knex } from 'knex';

/**
 * After every Zalo send the dispatcher looks for receipts that came before it recorded 'sent'
 * (markDeliveredFromReceipts: a notice's earliest receipt). Without an index on notice_id each
 * look read the whole table, which grows by a receipt per Zalo message: on a PostgreSQL
 * province-year, 7,569 sequential scans reading 28.6 million rows. delivered_at second gives the
 * earliest receipt from the index itself, without a sort.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zalo_receipts', (t) => {
    t.index(['notice_id', 'delivered_at'], 'zalo_receipts_notice');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zalo_receipts', (t) => {
    t.dropIndex(['notice_id', 'delivered_at'], 'zalo_receipts_notice');
  });
}
