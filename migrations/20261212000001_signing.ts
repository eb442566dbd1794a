import type { Knex } from 'knex';

/**
 * Digital signatures on issued letters (issue 14): who signs for each agency and leader, the
 * roots we trust, and each letter's signing state with every outcome the signers gave.
 */
export async function up(knex: Knex): Promise<void> {
  // One row per agency (owner_kind 'agency') and per leader account ('user'). Passwords and
  // provider secrets are in `secrets`, encrypted with SIGNING_SECRET_KEY (never shown again);
  // the PKCS#12 file itself is already encrypted by its password.
  await knex.schema.createTable('signing_settings', (t) => {
    t.increments('id').primary();
    t.string('owner_kind', 8).notNullable();
    t.integer('owner_id').notNullable();
    t.string('mode', 16).notNullable();
    t.text('settings').notNullable().defaultTo('{}');
    t.text('secrets');
    t.binary('p12');
    t.text('certificate');
    t.binary('image');
    t.string('updated_by', 128).notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['owner_kind', 'owner_id']);
  });

  await knex.schema.createTable('signing_roots', (t) => {
    t.increments('id').primary();
    t.string('name', 255).notNullable();
    t.text('certificate_pem').notNullable();
    // Demo roots are trusted outside production only.
    t.boolean('demo').notNullable().defaultTo(false);
    t.text('private_key_pem');
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('letter_signing', (t) => {
    t.integer('apology_id').primary().references('apologies.id');
    t.string('verification_code', 16).notNullable().unique();
    t.string('state', 24).notNullable();
    t.string('leader_signer', 16).notNullable();
    t.integer('approver_user_id');
    t.string('approved_by', 128).notNullable();
    t.bigInteger('approved_at').notNullable();
    t.text('request');
    t.text('prepared');
    t.text('stamps');
    t.binary('leader_pdf');
    t.bigInteger('leader_signed_at');
    t.bigInteger('agency_signed_at');
    // SHA-256 of the issued (signed) PDF: an uploaded file is recognised as the letter issued.
    t.string('pdf_sha256', 64).unique();
    t.string('message', 500);
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_check_at');
    t.bigInteger('updated_at').notNullable();
    t.index(['state', 'next_check_at'], 'letter_signing_due');
  });

  await knex.schema.createTable('signing_events', (t) => {
    t.increments('id').primary();
    t.integer('apology_id').notNullable().references('apologies.id');
    t.string('layer', 8).notNullable();
    t.string('outcome', 24).notNullable();
    t.string('message', 500);
    t.string('transaction_id', 64);
    t.bigInteger('at').notNullable();
    t.index(['apology_id'], 'signing_events_apology');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['signing_events', 'letter_signing', 'signing_roots', 'signing_settings']) await knex.schema.dropTableIfExists(table);
}
