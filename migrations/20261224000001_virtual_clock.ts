import type { Knex } from 'knex';

/**
 * The shared "now" of a replay (HENLAI_CLOCK=virtual, refused in production): one row, id 1,
 * that every process on the database reads, so that the server, `henlai tick` and the outbox
 * workers agree on the simulated time. `updated_at_ms` is the real time of the last change, for
 * whoever wonders whether the replay driver is still moving it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('virtual_clock', (t) => {
    t.integer('id').primary();
    t.bigInteger('now_ms').notNullable();
    t.bigInteger('updated_at_ms').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('virtual_clock');
}
