import type { Knex } from 'knex';

/**
 * Staff sign-in attempts that failed (and, for the moment a password is being checked, those in
 * flight), counted per account name, per client address and per both, across every instance.
 * They replace the lock on the account row: five wrong passwords from anyone locked the account
 * for everyone, its administrator included, and a locked account answered differently from an
 * unknown name. Names and addresses are stored hashed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sign_in_attempts', (t) => {
    t.increments('id').primary();
    t.string('account_key', 64).notNullable();
    t.string('address_key', 64).notNullable();
    t.bigInteger('at').notNullable();
    t.index(['account_key', 'at'], 'sign_in_attempts_account');
    t.index(['address_key', 'at'], 'sign_in_attempts_address');
    t.index(['at'], 'sign_in_attempts_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sign_in_attempts');
}
