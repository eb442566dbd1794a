import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('apologies', (t) => {
    t.increments('id').primary();
    t.integer('dossier_id').notNullable().references('dossiers.id');
    // The deadline this apology is about. `active_version` equals it until the apology is
    // cancelled (then NULL), and is unique per dossier: one live apology per deadline version,
    // however many watchers or officers try at once.
    t.integer('deadline_version').notNullable();
    t.integer('active_version');
    t.string('status', 16).notNullable();
    t.string('origin', 16).notNullable();
    t.string('reason', 2000).notNullable();
    t.string('responsible_unit', 255).notNullable();
    t.bigInteger('due_before').notNullable();
    t.bigInteger('new_due_at').notNullable();
    t.string('signer_name', 100).notNullable();
    t.string('signer_title', 100).notNullable();
    t.string('signer_on_behalf', 100);
    t.integer('issuing_agency_id').notNullable().references('agencies.id');
    t.string('drafted_by', 128).notNullable();
    t.bigInteger('drafted_at').notNullable();
    t.string('approved_by', 128);
    t.bigInteger('issued_at');
    t.boolean('late');
    t.integer('letter_year');
    t.integer('letter_seq');
    t.string('letter_number', 64);
    t.string('recipient_name', 255).notNullable();
    t.boolean('to_representative').notNullable().defaultTo(false);
    t.string('form', 16).notNullable();
    t.string('template_version', 32);
    t.text('html');
    t.string('content_hash', 64);
    t.binary('pdf');
    t.string('citizen_token', 64).notNullable().unique();
    t.string('cancelled_by', 128);
    t.bigInteger('cancelled_at');
    t.string('cancel_reason', 500);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['dossier_id', 'active_version']);
    t.unique(['issuing_agency_id', 'letter_year', 'letter_seq']);
    t.index(['status', 'issuing_agency_id'], 'apologies_status_agency');
    t.index(['dossier_id'], 'apologies_dossier');
  });

  await knex.schema.createTable('letter_sequences', (t) => {
    t.integer('agency_id').notNullable().references('agencies.id');
    t.integer('year').notNullable();
    t.integer('last_seq').notNullable();
    t.primary(['agency_id', 'year']);
  });

  await knex.schema.createTable('escalations', (t) => {
    t.increments('id').primary();
    t.integer('dossier_id').notNullable().references('dossiers.id');
    t.integer('deadline_version').notNullable();
    t.integer('agency_id').notNullable().references('agencies.id');
    t.string('kind', 32).notNullable();
    t.bigInteger('due_at').notNullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['dossier_id', 'deadline_version']);
    t.index(['agency_id']);
  });

  // The transactional outbox: a row per message to send, written in the same transaction as the
  // apology or digest that needs it. Dispatch claims and sends them.
  await knex.schema.createTable('notices', (t) => {
    t.increments('id').primary();
    t.string('business_key', 200).notNullable().unique();
    t.string('kind', 32).notNullable();
    t.string('audience', 16).notNullable();
    t.string('channel', 16).notNullable();
    t.string('recipient', 254).notNullable();
    t.integer('agency_id').notNullable().references('agencies.id');
    t.integer('dossier_id').references('dossiers.id');
    t.integer('apology_id').references('apologies.id');
    t.string('status', 24).notNullable();
    t.text('payload').notNullable();
    t.bigInteger('not_before').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['status', 'not_before'], 'notices_due');
    t.index(['apology_id'], 'notices_apology');
    t.index(['dossier_id'], 'notices_dossier');
  });

  await knex.schema.createTable('digests', (t) => {
    t.integer('agency_id').notNullable().references('agencies.id');
    t.string('day', 10).notNullable();
    t.integer('dossiers').notNullable();
    t.bigInteger('created_at').notNullable();
    t.primary(['agency_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['digests', 'notices', 'escalations', 'letter_sequences', 'apologies']) {
    await knex.schema.dropTableIfExists(table);
  }
}
