import type { Knex } from 'knex';

/**
 * The issued letter's HTML (~150 KB with its embedded font) and PDF (~60 KB) move out of the
 * apologies row. On SQLite a row is read column by column up to the last one asked for, so every
 * read of a column stored after them (the citizen's token, the acknowledgement) walked ~200 KB of
 * overflow pages: each citizen page view, each e-mail sent, each apology listed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('apology_documents', (t) => {
    t.integer('apology_id').primary().references('apologies.id');
    // The PDF first: "is there a PDF?" is then answered from the record header.
    t.binary('pdf');
    t.text('html').notNullable();
  });
  await knex.raw('insert into apology_documents (apology_id, pdf, html) select id, pdf, html from apologies where html is not null');
  await knex.raw('alter table apologies drop column pdf');
  await knex.raw('alter table apologies drop column html');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apologies', (t) => {
    t.text('html');
    t.binary('pdf');
  });
  await knex.raw(
    'update apologies set html = (select html from apology_documents d where d.apology_id = apologies.id), pdf = (select pdf from apology_documents d where d.apology_id = apologies.id)',
  );
  await knex.schema.dropTable('apology_documents');
}
