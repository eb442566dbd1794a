import assert from 'node:assert/strict';
import { autovacuumIsOff, warnIfAutovacuumOff } from '../../src/db/autovacuum';
import { isPostgres, rowsOf, type Db } from '../../src/db/connection';
import { capturingLogger } from '../support/log-capture';
import { freshDatabase, type FreshDatabase } from '../support/context';

/** The server's own answer, read apart from the code under test; null on SQLite. */
async function serverSays(db: Db): Promise<string | null> {
  if (!isPostgres(db)) return null;
  const setting = String(rowsOf(await db.raw('show autovacuum'))[0]?.autovacuum);
  assert.match(setting, /^(on|off)$/, `PostgreSQL answered "show autovacuum" with ${setting}`);
  return setting;
}

/**
 * Against the suite's real server, whatever its setting: the tests read it (this machine's server
 * runs without autovacuum, CI's may not) and never change it, the server being shared.
 */
describe('db/autovacuum: a server without autovacuum is noticed at start', function () {
  let fresh: FreshDatabase;

  beforeEach(async () => {
    fresh = await freshDatabase();
  });
  afterEach(async () => fresh?.close());

  it('reports autovacuum off exactly when the server says so (never on SQLite)', async () => {
    const setting = await serverSays(fresh.db);
    assert.equal(
      await autovacuumIsOff(fresh.db),
      setting === 'off',
      setting === null ? 'SQLite has no autovacuum to be off' : `the server says autovacuum is ${setting}`,
    );
  });

  it('logs one warning pointing to docs/operations.md when it is off, and nothing otherwise', async () => {
    const setting = await serverSays(fresh.db);
    const { logger, lines } = capturingLogger('info');
    assert.equal(await warnIfAutovacuumOff(fresh.db, logger), setting === 'off', 'the answer must be the server’s');
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    if (setting !== 'off') {
      assert.deepEqual(warnings, [], `nothing to warn about (${setting === null ? 'SQLite' : 'autovacuum is on'}), yet the log says: ${lines.join(' | ')}`);
      return;
    }
    assert.equal(warnings.length, 1, `one warning expected, the log says: ${lines.join(' | ')}`);
    assert.equal(warnings[0].level, 40, `the line must be a warning: ${lines[0]}`);
    assert.match(warnings[0].msg, /autovacuum is off.*slow down.*docs\/operations\.md/, `the warning must say what is wrong, what it costs and where to read more: ${warnings[0].msg}`);
  });
});
