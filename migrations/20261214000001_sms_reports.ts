import type { Knex } from 'knex';

/**
 * SMS delivery reports, one per gateway message id: the first final report decides (a gateway
 * repeats its callbacks), and one that arrives while the notice is still being recorded as sent
 * waits here for the dispatcher to apply it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sms_reports', (t) => {
    t.string('provider_message_id', 128).primary();
    t.integer('notice_id').references('notices.id');
    t.boolean('delivered').notNullable();
    t.string('detail', 500).notNullable();
    t.bigInteger('received_at').notNullable();
    t.index(['notice_id'], 'sms_reports_notice');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sms_reports');
}
