import type { Knex } from 'knex';

/**
 * A change counter per table that instances keep in memory (agencies, procedures, signing
 * settings, the calendar), bumped by the database itself on every insert, update and delete,
 * however the write was made. An instance compares the counter to notice another's writes: the
 * earlier fingerprint (row count, latest updated_at, highest id) missed an edit stamped at or
 * before the table's latest updated_at (another instance's clock behind, two edits in one
 * millisecond, an edit by hand), and such an instance printed an agency's old name indefinitely.
 * The counter is written in the writer's transaction, so it is seen exactly when the rows are.
 * These tables are written rarely; never put these triggers on a busy table (its writers would
 * all queue on the one counter row). A later migration that makes SQLite rebuild one of these
 * tables (knex does for dropColumn, alter(), …) drops its triggers and must create them again:
 * test/db/snapshot.test.ts and test/services/calendar.test.ts fail otherwise.
 */
const WATCHED = ['agencies', 'procedures', 'signing_settings', 'calendar_entries'];
const SQLITE_EVENTS = ['insert', 'update', 'delete'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('table_versions', (t) => {
    t.string('table_name', 64).primary();
    t.bigInteger('version').notNullable();
  });
  await knex('table_versions').insert(WATCHED.map((table_name) => ({ table_name, version: 0 })));
  if (knex.client.config.client === 'pg') {
    // Once per statement (TRUNCATE included): a statement writing many rows bumps once.
    await knex.raw(`
      create function bump_table_version() returns trigger language plpgsql as $$
      begin
        update table_versions set version = version + 1 where table_name = TG_TABLE_NAME;
        return null;
      end $$`);
    for (const table of WATCHED) {
      await knex.raw(`create trigger ${table}_version after insert or update or delete or truncate on ${table} for each statement execute function bump_table_version()`);
    }
  } else {
    // SQLite has row triggers only, one event each; the tables are small and a bump is a
    // primary-key update in the writer's own transaction.
    for (const table of WATCHED) {
      for (const event of SQLITE_EVENTS) {
        await knex.raw(`create trigger ${table}_version_${event} after ${event} on ${table} begin update table_versions set version = version + 1 where table_name = '${table}'; end`);
      }
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    for (const table of WATCHED) await knex.raw(`drop trigger if exists ${table}_version on ${table}`);
    await knex.raw('drop function if exists bump_table_version()');
  } else {
    for (const table of WATCHED) {
      for (const event of SQLITE_EVENTS) await knex.raw(`drop trigger if exists ${table}_version_${event}`);
    }
  }
  await knex.schema.dropTable('table_versions');
}
