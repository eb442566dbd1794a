import type { Knex } from 'knex';

/**
 * The public look-up compares dossier codes in upper case (a citizen types "h13.nk-…" from the
 * paper receipt): an expression index keeps that comparison an index search on both databases.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index dossiers_code_upper on dossiers (upper(code))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index dossiers_code_upper');
}
