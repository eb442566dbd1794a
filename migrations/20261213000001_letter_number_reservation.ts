import type { Knex } from 'knex';

/**
 * The agency's layer signed remotely (issue 14): the letter's number and date are reserved before
 * the agency is asked to sign the stamped letter, and kept by that letter for every retry, so
 * the register of outgoing letters never has a gap (docs/signing.md, "Số văn bản").
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('letter_signing', (t) => {
    t.integer('reserved_year');
    t.integer('reserved_seq');
    t.string('reserved_number', 64);
    t.bigInteger('reserved_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('letter_signing', (t) => {
    t.dropColumn('reserved_year');
    t.dropColumn('reserved_seq');
    t.dropColumn('reserved_number');
    t.dropColumn('reserved_at');
  });
}
