import type { Knex } from 'knex';

/**
 * The one-stop information systems that send dossiers in the national synchronisation format
 * (issue 16). A source is data an installation-wide administrator configures: how it reaches us
 * (push, or we pull from `pull_url`), where we tell it about re-appointments (`outbound_url`),
 * which agency it may speak for, and whose due date governs when its date and ours disagree.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('interop_sources', (t) => {
    t.increments('id').primary();
    t.string('code', 32).notNullable().unique();
    t.string('name', 255).notNullable();
    t.string('mode', 8).notNullable();
    // null: the source may send dossiers of every agency; otherwise only that agency's.
    t.integer('agency_id').references('agencies.id');
    // Its inbound credential is an ordinary API token (only its SHA-256 is stored, in
    // api_tokens), bound to the same agency: one way to authenticate a caller, one to revoke it.
    t.integer('token_id').references('api_tokens.id').unique();
    // The shared secret for signing calls, sealed like the signing secrets (SecretBox): a copy
    // of the database alone does not give it away.
    t.text('secret_sealed');
    t.string('outbound_url', 1000);
    t.string('pull_url', 1000);
    // Pull mode: where the last successful poll stopped, and how the last attempts went.
    t.text('pull_cursor');
    t.bigInteger('last_pull_at');
    t.bigInteger('last_pull_ok_at');
    t.string('last_pull_error', 1000);
    // 'ours': the due date Hẹn Lại computes from the calendar (the legal one); 'theirs': NgayHenTra.
    t.string('due_governs', 8).notNullable().defaultTo('ours');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('updated_by', 128).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('interop_sources');
}
