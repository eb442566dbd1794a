import type { Knex } from 'knex';

/**
 * The account-row lock (failed_attempts, locked_until) was replaced by sign_in_attempts, counted
 * per account and address; nothing reads these columns any more.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('failed_attempts');
    t.dropColumn('locked_until');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.bigInteger('locked_until').nullable();
  });
}
