import type { Knex } from 'knex';

// Reports "as of" a moment replay from their events the dossiers written since that moment; this
// index finds them (and whether they were accepted before it) without reading the whole table.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dossiers', (t) => {
    t.index(['updated_at', 'accepted_at'], 'dossiers_updated');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dossiers', (t) => {
    t.dropIndex(['updated_at', 'accepted_at'], 'dossiers_updated');
  });
}
