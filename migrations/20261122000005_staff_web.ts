import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // People who sign in to the staff pages. Supervisors and administrators may have no agency.
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 64).notNullable().unique();
    t.string('full_name', 200).notNullable();
    t.string('role', 16).notNullable();
    t.integer('agency_id').references('agencies.id');
    t.string('password_hash', 255).notNullable();
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.bigInteger('locked_until');
    t.boolean('active').notNullable().defaultTo(true);
    t.bigInteger('last_login_at');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  // Only a hash of the session id is stored: a leaked table cannot be replayed as cookies.
  await knex.schema.createTable('sessions', (t) => {
    t.string('id_hash', 64).primary();
    t.integer('user_id').notNullable().references('users.id');
    t.string('csrf_token', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_seen_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['user_id']);
    t.index(['expires_at']);
  });

  // "Tôi đã nhận được thông báo": recorded once per apology.
  await knex.schema.alterTable('apologies', (t) => {
    t.bigInteger('acknowledged_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apologies', (t) => {
    t.dropColumn('acknowledged_at');
  });
  await knex.schema.dropTableIfExists('sessions');
  await knex.schema.dropTableIfExists('users');
}
