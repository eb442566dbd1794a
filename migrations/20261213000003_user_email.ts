import type { Knex } from 'knex';

/** A staff account's own e-mail address (optional): a leader's signature reminders go there (issue 14). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('email', 254).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('email');
  });
}
