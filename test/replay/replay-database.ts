import knex from 'knex';

/** The replay's own PostgreSQL database beside the one the tests are given (its name + `_replay`): the replay recreates its schema. */
export async function replayDatabase(url: string): Promise<string> {
  const target = new URL(url);
  const name = `${target.pathname.slice(1)}_replay`;
  const admin = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  try {
    const exists = await admin.raw('select 1 from pg_database where datname = ?', [name]);
    if (!exists.rows.length) await admin.raw(`create database "${name}"`);
  } finally {
    await admin.destroy();
  }
  target.pathname = `/${name}`;
  return target.toString();
}
