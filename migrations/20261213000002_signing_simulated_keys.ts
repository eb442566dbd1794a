import type { Knex } from 'knex';

/**
 * The remote-signing simulator's demo keys, one per (agency, signer), made on first use. The
 * unique key lets two processes that make the first one at the same moment agree: the second
 * insert is ignored and both read the winner's (they were sealed in the agency's settings JSON
 * before, where the last writer silently replaced a key the first had already signed with).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signing_simulated_keys', (t) => {
    t.increments('id').primary();
    t.integer('agency_id').notNullable().references('agencies.id');
    // 'agency' for the agency's layer, otherwise the leader's ID number at the simulated service.
    t.string('signer', 32).notNullable();
    // The key and chain, encrypted with SIGNING_SECRET_KEY like every signing secret.
    t.text('sealed').notNullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['agency_id', 'signer']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('signing_simulated_keys');
}
