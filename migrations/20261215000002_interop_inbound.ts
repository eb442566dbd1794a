import type { Knex } from 'knex';

/**
 * What inbound synchronisation keeps (issue 16): how each source's codes map to our catalogue,
 * every dossier a source sent (their due date beside ours, what was last applied), and the
 * dossiers refused for an administrator to fix and replay.
 */
export async function up(knex: Knex): Promise<void> {
  // The sender's procedure code (MaTTHC) and unit code (DonViXuLy / madonvi) → ours.
  await knex.schema.createTable('interop_code_maps', (t) => {
    t.increments('id').primary();
    t.integer('source_id').notNullable().references('interop_sources.id');
    t.string('kind', 16).notNullable();
    t.string('their_code', 64).notNullable();
    t.integer('procedure_id').references('procedures.id');
    t.integer('agency_id').references('agencies.id');
    t.string('updated_by', 128).notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['source_id', 'kind', 'their_code']);
  });

  await knex.schema.createTable('interop_dossiers', (t) => {
    t.integer('dossier_id').primary().references('dossiers.id');
    t.integer('source_id').notNullable().references('interop_sources.id');
    // NgayHenTra as the sender last gave it, and the date our calendar gave when it arrived.
    t.bigInteger('their_due_at');
    t.bigInteger('our_due_at');
    // Their date and ours name different days: kept for the disagreement report.
    t.boolean('due_disagrees').notNullable().defaultTo(false);
    // sha256 of the last payload applied: the same payload again changes nothing.
    t.string('payload_hash', 64).notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['source_id', 'due_disagrees'], 'interop_dossiers_disagree');
  });

  await knex.schema.createTable('interop_refusals', (t) => {
    t.increments('id').primary();
    t.integer('source_id').notNullable().references('interop_sources.id');
    t.string('service', 32).notNullable();
    t.string('their_code', 64);
    // JSON [{field, message}]: what to fix (an unknown MaTTHC names the code).
    t.text('problems').notNullable();
    // The payload as received, kept to replay once the mapping is fixed (personal data: never logged).
    t.text('payload').notNullable();
    t.bigInteger('received_at').notNullable();
    t.bigInteger('replayed_at');
    t.index(['source_id', 'replayed_at'], 'interop_refusals_open');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['interop_refusals', 'interop_dossiers', 'interop_code_maps']) await knex.schema.dropTableIfExists(table);
}
