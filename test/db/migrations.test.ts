import assert from 'node:assert/strict';
import { isPostgres, migrateLatest, MIGRATIONS, rowsOf, type Db } from '../../src/db/connection';
import { freshDatabase, type FreshDatabase } from '../support/context';

async function tables(db: Db): Promise<string[]> {
  const sql = isPostgres(db)
    ? `select tablename as name from pg_tables where schemaname = 'public' order by 1`
    : `select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1`;
  return rowsOf(await db.raw(sql)).map((r) => String(r.name));
}

/** The national calendar as the migrations enter it, without the instant it was entered. */
async function nationalCalendar(db: Db): Promise<unknown[]> {
  return db('calendar_entries').where({ scope: '*' }).select('year', 'date', 'kind', 'occasion', 'name', 'source', 'estimate').orderBy(['date', 'kind']);
}

describe('migrations', function () {
  this.timeout(60_000);
  let fresh: FreshDatabase;

  beforeEach(async () => {
    fresh = await freshDatabase();
  });
  afterEach(async () => fresh?.close());

  it('all roll back to knex’s own tables, and migrate again to the same tables and national calendar', async () => {
    const { db } = fresh;
    const migrated = await tables(db);
    const calendar = await nationalCalendar(db);
    assert.ok(calendar.length > 20, 'the national calendar of 2025–2026 is part of the migrated database');

    await db.migrate.rollback(MIGRATIONS, true);
    assert.deepEqual(await tables(db), ['knex_migrations', 'knex_migrations_lock']);

    await migrateLatest(db);
    assert.deepEqual(await tables(db), migrated);
    assert.deepEqual(await nationalCalendar(db), calendar);
  });
});
