import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/connection';
import { createLogger } from '../../src/logger';
import { buildProductionTree, freePort, productionEnv, serve, SOURCE_BIN, waitFor, type ProductionTree } from '../support/production';

/**
 * Production runs the JavaScript `npm run build` compiles (NODE_ENV=production), the demo and the
 * tests run TypeScript through tsx. Both must be the same service over the same database.
 */
describe('production: the compiled tree', function () {
  this.timeout(300_000);
  let tree: ProductionTree;
  let dataDir: string;

  before(() => {
    tree = buildProductionTree();
  });
  after(() => tree?.remove());
  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-prod-'));
    // On PostgreSQL the suite's database is shared: start from an empty schema, as test contexts do.
    if (/^postgres/.test(process.env.DATABASE_URL ?? '')) {
      const db = createDb(loadConfig({ NODE_ENV: 'test', DATABASE_URL: process.env.DATABASE_URL }).database, createLogger('silent'));
      await db.raw('drop schema if exists public cascade');
      await db.raw('create schema public');
      await db.destroy();
    }
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const recorded = async (env: NodeJS.ProcessEnv): Promise<string[]> => {
    const db = createDb(loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: env.DATABASE_URL }).database, createLogger('silent'));
    try {
      return (await db('knex_migrations').orderBy('id').pluck('name')) as string[];
    } finally {
      await db.destroy();
    }
  };
  const migrate = (bin: string, env: NodeJS.ProcessEnv): string =>
    execFileSync(process.execPath, [bin, 'migrate'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('finds a database migrated by the TypeScript run up to date: the migrations keep their names', async () => {
    const env = productionEnv(dataDir, 1);
    const bySource = migrate(SOURCE_BIN, { ...env, NODE_ENV: 'test' });
    assert.match(bySource, /Đã áp dụng: 20261122000001_registry\.ts/);
    const names = await recorded(env);
    assert.ok(names.length >= 13, `knex_migrations: ${names.join(', ')}`);

    // Recorded under other names, the compiled run would take them for unknown migrations and stop
    // ("migration directory is corrupt"), or apply every migration a second time.
    const byBuild = migrate(tree.bin, env);
    assert.match(byBuild, /Cơ sở dữ liệu đã ở phiên bản mới nhất/);
    assert.deepEqual(await recorded(env), names, 'the compiled run recorded nothing new');
  });

  it('records the same names when the compiled run migrates first', async () => {
    const env = productionEnv(dataDir, 1);
    migrate(tree.bin, env);
    const names = await recorded(env);
    assert.ok(names.length >= 13 && names.every((n) => n.endsWith('.ts')), `knex_migrations: ${names.join(', ')}`);
    assert.match(migrate(SOURCE_BIN, { ...env, NODE_ENV: 'test' }), /Cơ sở dữ liệu đã ở phiên bản mới nhất/);
  });

  it('serves /health and /ready from dist/ with NODE_ENV=production', async () => {
    const port = await freePort();
    const served = serve(tree.bin, productionEnv(dataDir, port));
    try {
      assert.deepEqual(await waitFor(`http://127.0.0.1:${port}/ready`, served), { status: 'ready', database: 'ok' });
      assert.deepEqual(await waitFor(`http://127.0.0.1:${port}/health`, served), { status: 'ok' });
    } finally {
      assert.equal(await served.stop(), 0, `the service did not stop cleanly:\n${served.lines.join('\n')}`);
    }
    for (const line of served.lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
  });

  it('refuses to start in production without dist/, saying to run the build', () => {
    const bare = path.join(dataDir, 'checkout');
    fs.mkdirSync(path.join(bare, 'src'), { recursive: true });
    fs.copyFileSync(SOURCE_BIN, path.join(bare, 'src/bin.cjs'));
    const run = spawnSync(process.execPath, [path.join(bare, 'src/bin.cjs'), 'serve'], {
      env: { PATH: process.env.PATH, ...productionEnv(dataDir, 1) },
      encoding: 'utf8',
    });
    assert.equal(run.status, 1);
    const line = JSON.parse(run.stderr.trim()) as { level: number; msg: string };
    assert.equal(line.level, 60);
    assert.match(line.msg, /dist\/src\/main\.js is missing: run `npm run build` first/);
  });
});
