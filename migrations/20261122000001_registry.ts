import type { Knex } from 'knex';

// Portable between SQLite and PostgreSQL: instants are BIGINT epoch milliseconds, structured
// settings are JSON text, booleans are knex booleans (0/1 on SQLite).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agencies', (t) => {
    t.increments('id').primary();
    t.string('code', 32).notNullable().unique();
    t.string('name', 255).notNullable();
    t.string('parent_name', 255).notNullable().defaultTo('');
    t.string('place_name', 64).notNullable();
    t.string('letter_symbol', 32).notNullable();
    t.string('level', 16).notNullable();
    t.string('contact_email', 254);
    t.string('contact_phone', 16);
    t.string('address', 255);
    t.text('settings').notNullable().defaultTo('{}');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('procedures', (t) => {
    t.increments('id').primary();
    t.string('code', 32).notNullable().unique();
    t.string('name', 500).notNullable();
    t.string('field', 128).notNullable();
    t.integer('agency_id').references('agencies.id');
    t.string('time_unit', 16).notNullable();
    t.float('time_amount').notNullable().defaultTo(0);
    t.integer('same_day_cutoff');
    t.string('supplement_policy', 16).notNullable().defaultTo('restart');
    t.integer('default_extension_days').notNullable().defaultTo(5);
    t.string('default_delay_reason', 1000).notNullable().defaultTo('');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('dossiers', (t) => {
    t.increments('id').primary();
    t.string('code', 64).notNullable().unique();
    t.integer('procedure_id').notNullable().references('procedures.id');
    t.integer('receiving_agency_id').notNullable().references('agencies.id');
    t.integer('deciding_agency_id').notNullable().references('agencies.id');
    t.string('applicant_kind', 16).notNullable();
    t.string('applicant_name', 255).notNullable();
    t.string('representative_name', 255);
    t.string('representative_phone', 16);
    t.string('representative_email', 254);
    t.string('representative_address', 500);
    t.string('phone', 16);
    t.string('email', 254);
    t.string('address', 500);
    t.boolean('consent_zalo').notNullable().defaultTo(false);
    t.boolean('consent_email').notNullable().defaultTo(false);
    t.boolean('consent_sms').notNullable().defaultTo(false);
    t.string('channel', 16).notNullable();
    t.bigInteger('submitted_at');
    t.bigInteger('accepted_at').notNullable();
    // The running clock: due = computeDue(calendar, clock_started_at, clock_unit/amount).
    // Restart and resume after a supplement move the clock; a calendar change recomputes from it.
    t.bigInteger('clock_started_at').notNullable();
    t.string('clock_unit', 16).notNullable();
    t.float('clock_amount').notNullable();
    t.bigInteger('original_due_at');
    t.bigInteger('current_due_at');
    t.integer('deadline_version').notNullable().defaultTo(1);
    t.integer('extensions_count').notNullable().defaultTo(0);
    t.string('state', 24).notNullable();
    t.string('resolution', 16);
    t.bigInteger('resolved_at');
    t.bigInteger('closed_at');
    t.string('search_text', 400).notNullable();
    t.string('content_hash', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    // The sweeper's question: open dossiers by due instant, answered from the index alone.
    t.index(['current_due_at', 'state', 'deciding_agency_id'], 'dossiers_due_state');
    t.index(['deciding_agency_id', 'state'], 'dossiers_agency_state');
    t.index(['accepted_at'], 'dossiers_accepted');
    t.index(['procedure_id'], 'dossiers_procedure');
  });

  await knex.schema.createTable('dossier_events', (t) => {
    t.bigIncrements('id').primary();
    t.integer('dossier_id').notNullable().references('dossiers.id');
    t.string('kind', 32).notNullable();
    t.bigInteger('occurred_at').notNullable();
    t.bigInteger('recorded_at').notNullable();
    t.string('actor', 128).notNullable();
    t.text('data').notNullable().defaultTo('{}');
    t.string('note', 2000);
    t.index(['dossier_id', 'id'], 'dossier_events_dossier');
  });

  await knex.schema.createTable('dossier_pauses', (t) => {
    t.increments('id').primary();
    t.integer('dossier_id').notNullable().references('dossiers.id');
    t.string('policy', 16).notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('ended_at');
    t.bigInteger('due_before');
    t.string('remaining_unit', 16);
    t.float('remaining_amount');
    t.index(['dossier_id'], 'dossier_pauses_dossier');
  });

  await knex.schema.createTable('calendar_entries', (t) => {
    t.increments('id').primary();
    // '*' for the national calendar, otherwise the agency code of an override.
    t.string('scope', 32).notNullable();
    t.integer('year').notNullable();
    t.string('date', 10).notNullable();
    t.string('kind', 8).notNullable();
    t.string('occasion', 32);
    t.string('name', 255).notNullable();
    t.string('source', 500).notNullable();
    t.boolean('estimate').notNullable().defaultTo(false);
    t.string('created_by', 128).notNullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['scope', 'date']);
    t.index(['year']);
  });

  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id').primary();
    t.string('name', 128).notNullable();
    t.string('token_hash', 64).notNullable().unique();
    t.integer('agency_id').references('agencies.id');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at');
    t.bigInteger('revoked_at');
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.increments('id').primary();
    t.integer('token_id').notNullable().references('api_tokens.id');
    t.string('key', 255).notNullable();
    t.string('request_hash', 64).notNullable();
    t.integer('status');
    t.text('response');
    t.bigInteger('created_at').notNullable();
    t.unique(['token_id', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['idempotency_keys', 'api_tokens', 'calendar_entries', 'dossier_pauses', 'dossier_events', 'dossiers', 'procedures', 'agencies']) {
    await knex.schema.dropTableIfExists(table);
  }
}
