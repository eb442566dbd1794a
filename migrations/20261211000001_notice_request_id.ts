import type { Knex } from 'knex';

/**
 * The request that created a notice (its X-Request-Id), so that the outbox worker's log lines
 * about the notice can be followed back to that request. Null for notices made by the watcher.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.string('request_id', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.dropColumn('request_id');
  });
}
