import type { Knex } from 'knex';

/**
 * Request counters shared by every instance of the service (the public look-up's limit per
 * address): kept in memory, each instance behind a load balancer allowed the limit on its own.
 * One row per limited key and fixed window; rows of past windows are deleted as new ones come.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    // A hash of the limiter's name and the client's address: no address is stored.
    t.string('key', 64).primary();
    t.bigInteger('window_start').notNullable();
    t.integer('hits').notNullable();
    t.index(['window_start'], 'rate_limits_window');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
}
