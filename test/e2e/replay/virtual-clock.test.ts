import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setVirtualNow } from '../../../src/replay/virtual-clock';
import { freshDatabase, type FreshDatabase } from '../../support/context';

const BIN = path.resolve(__dirname, '../../../src/bin.cjs');
const START = Date.parse('2025-03-03T02:00:00Z');
const DAY = 86_400_000;

interface Run {
  code: number | null;
  lines: string[];
}

/** Runs `henlai …args` until it exits, or until a printed line matches `until` (then SIGTERM). */
function henlai(args: string[], env: NodeJS.ProcessEnv, until?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        lines.push(line);
        if (until?.test(line)) child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, lines });
    });
  });
}

/**
 * The command line on HENLAI_CLOCK=virtual: separate processes on one database (SQLite file or
 * PostgreSQL) take their now from the shared row the replay driver sets.
 */
describe('henlai processes on the virtual clock', function () {
  this.timeout(120_000);
  let fresh: FreshDatabase;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    fresh = await freshDatabase();
    const database = fresh.config.database;
    env = {
      NODE_ENV: 'test',
      DATA_DIR: fresh.config.dataDir,
      DATABASE_URL: database.client === 'pg' ? database.url : `sqlite:${database.filename}`,
      HENLAI_CLOCK: 'virtual',
      HENLAI_DEMO: '0',
      LOG_LEVEL: 'warn',
      PORT: '0',
      HOST: '127.0.0.1',
      WATCH_INTERVAL_SECONDS: '0',
      DISPATCH_INTERVAL_SECONDS: '0',
      ONESTOP_PULL_INTERVAL_SECONDS: '0',
    };
  });
  afterEach(async () => fresh.close());

  /** When the token of that name was made, by the clock of the process that made it. */
  const createdAt = async (name: string) => Number((await fresh.db('api_tokens').where({ name }).first('created_at'))?.created_at);

  it('two processes started together agree on the now the driver set, and follow it when it moves', async () => {
    await setVirtualNow(fresh.db, START);
    const [a, b] = await Promise.all([henlai(['token', 'create', '--name', 'a'], env), henlai(['token', 'create', '--name', 'b'], env)]);
    assert.deepEqual([a.code, b.code], [0, 0], `both commands should succeed:\n${[...a.lines, ...b.lines].join('\n')}`);
    assert.deepEqual(
      [new Date(await createdAt('a')).toISOString(), new Date(await createdAt('b')).toISOString()],
      [new Date(START).toISOString(), new Date(START).toISOString()],
      'each process should have dated its token at the virtual now, not at the machine time',
    );

    await setVirtualNow(fresh.db, START + DAY);
    const c = await henlai(['token', 'create', '--name', 'c'], env);
    assert.equal(c.code, 0, c.lines.join('\n'));
    assert.equal(new Date(await createdAt('c')).toISOString(), new Date(START + DAY).toISOString(), 'a process started after the driver moved the clock a day sees that day');
  });

  it('serves on the virtual clock, and says so in its log', async () => {
    await setVirtualNow(fresh.db, START + 2 * DAY);
    const run = await henlai(['serve'], { ...env, LOG_LEVEL: 'info' }, /listening at/);
    const said = run.lines.map((l) => JSON.parse(l) as { msg?: string; virtualNow?: string }).find((l) => /HENLAI_CLOCK=virtual/.test(l.msg ?? ''));
    assert.equal(run.code, 0, `the server should stop cleanly on SIGTERM once listening:\n${run.lines.join('\n')}`);
    assert.equal(said?.virtualNow, new Date(START + 2 * DAY).toISOString(), `the server should start at the shared virtual now and warn that it runs on it:\n${run.lines.join('\n')}`);
  });
});
