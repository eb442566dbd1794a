import type { Knex } from 'knex';

/**
 * A leader may hand a draft back to whoever drafted it, with a comment, instead of cancelling it
 * (issue 15): the draft stays a draft, marked returned until it is revised.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apologies', (t) => {
    t.bigInteger('returned_at').nullable();
    t.string('returned_by', 255).nullable();
    t.text('return_note').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apologies', (t) => {
    t.dropColumn('returned_at');
    t.dropColumn('returned_by');
    t.dropColumn('return_note');
  });
}
