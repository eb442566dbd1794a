import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('claimed_at');
    t.string('claimed_by', 64);
    t.bigInteger('first_attempt_at');
    t.bigInteger('sent_at');
    t.bigInteger('delivered_at');
    t.string('provider_message_id', 128);
    t.string('last_error', 1000);
    t.integer('fallback_of').references('notices.id');
    t.bigInteger('called_at');
    t.string('called_by', 128);
    t.index(['provider_message_id'], 'notices_provider_message');
  });

  // Every try to hand a notice to a provider, with what the provider answered.
  await knex.schema.createTable('notice_attempts', (t) => {
    t.bigIncrements('id').primary();
    t.integer('notice_id').notNullable().references('notices.id');
    t.bigInteger('started_at').notNullable();
    t.bigInteger('finished_at');
    t.string('outcome', 24);
    t.string('error_class', 64);
    t.text('provider_answer');
    t.string('provider_message_id', 128);
    // Set when a worker died mid-send: the provider may or may not have the message.
    t.boolean('interrupted').notNullable().defaultTo(false);
    t.index(['notice_id'], 'notice_attempts_notice');
  });

  // The Zalo OA grant: the single-use refresh token must survive every crash, so it lives here.
  await knex.schema.createTable('zalo_tokens', (t) => {
    t.integer('id').primary();
    t.text('access_token');
    t.text('refresh_token');
    t.bigInteger('access_expires_at');
    t.bigInteger('refreshed_at');
    t.string('status', 16).notNullable();
    t.string('broken_reason', 500);
    t.integer('version').notNullable().defaultTo(0);
  });

  await knex.schema.createTable('zalo_receipts', (t) => {
    t.string('msg_id', 128).primary();
    t.integer('notice_id').references('notices.id');
    t.bigInteger('delivered_at');
    t.bigInteger('received_at').notNullable();
  });

  // Things an administrator must act on (a broken Zalo grant, an unapproved template…).
  await knex.schema.createTable('alerts', (t) => {
    t.increments('id').primary();
    t.string('kind', 64).notNullable();
    t.string('message', 1000).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('resolved_at');
    t.index(['kind', 'resolved_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['alerts', 'zalo_receipts', 'zalo_tokens', 'notice_attempts']) await knex.schema.dropTableIfExists(table);
  await knex.schema.alterTable('notices', (t) => {
    t.dropIndex(['provider_message_id'], 'notices_provider_message');
    for (const c of ['attempts', 'claimed_at', 'claimed_by', 'first_attempt_at', 'sent_at', 'delivered_at', 'provider_message_id', 'last_error', 'fallback_of', 'called_at', 'called_by']) t.dropColumn(c);
  });
}
