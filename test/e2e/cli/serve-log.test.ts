import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../../src/db/connection';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';

const BIN = path.resolve(__dirname, '../../../src/bin.cjs');
const SUITE_DATABASE = process.env.DATABASE_URL ?? '';

interface Run {
  code: number | null;
  lines: string[];
}

/**
 * Runs `henlai serve` until it exits by itself or `until` matches a printed line (then SIGTERM),
 * and answers every line it printed on stdout and stderr.
 */
function serve(env: NodeJS.ProcessEnv, until?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
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

function assertAllJson(run: Run): Record<string, unknown>[] {
  assert.ok(run.lines.length > 0, 'the process printed nothing at all');
  return run.lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      assert.fail(`a line printed by "henlai serve" is not JSON, so the log collector cannot read it:\n${line}\n\nall output:\n${run.lines.join('\n')}`);
    }
  });
}

describe('henlai serve: every line it prints is a JSON log line', function () {
  this.timeout(180_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-serve-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const quiet = { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', WATCH_INTERVAL_SECONDS: '0', DISPATCH_INTERVAL_SECONDS: '0', LOG_LEVEL: 'info' };

  it('when the database cannot be reached: the cause in one fatal line, exit code 1', async () => {
    // The suite's own kind of database, made unreachable: a PostgreSQL server that is not there,
    // or a SQLite file that is a folder.
    const unreachable = SUITE_DATABASE ? 'postgres://henlai@127.0.0.1:1/henlai' : `sqlite:${dataDir}`;
    const run = await serve({ ...quiet, DATA_DIR: dataDir, DATABASE_URL: unreachable, HENLAI_DEMO: '0' });
    const entries = assertAllJson(run);
    assert.equal(run.code, 1, 'a service that cannot reach its database must exit with an error');
    const fatal = entries.find((e) => e.level === 60);
    assert.ok(fatal, `no fatal line says why the service stopped:\n${run.lines.join('\n')}`);
    assert.match(JSON.stringify(fatal), SUITE_DATABASE ? /ECONNREFUSED/ : /SQLITE_CANTOPEN/, 'the fatal line names the cause');
  });

  it('when a setting is invalid: the message in one fatal line, exit code 1', async () => {
    const run = await serve({ ...quiet, DATA_DIR: dataDir, DATABASE_URL: SUITE_DATABASE, PORT: 'tam-nghin' });
    const entries = assertAllJson(run);
    assert.equal(run.code, 1);
    assert.match(String(entries.find((e) => e.level === 60)?.msg), /PORT/, 'the fatal line names the setting');
  });

  it('from start-up with the demo to shutdown, the address and the demo access included', async () => {
    if (SUITE_DATABASE) {
      // Like every test context: the suite's PostgreSQL database starts from an empty schema.
      const db = createDb(loadConfig({ DATABASE_URL: SUITE_DATABASE }).database, createLogger('silent'));
      await db.raw('drop schema if exists public cascade');
      await db.raw('create schema public');
      await db.destroy();
    }
    const run = await serve({ ...quiet, DATA_DIR: dataDir, DATABASE_URL: SUITE_DATABASE, HENLAI_DEMO: '1' }, /Mã truy cập API mẫu/);
    const entries = assertAllJson(run);
    const messages = entries.map((e) => String(e.msg));
    assert.ok(messages.some((m) => /^Hẹn Lại listening at http:\/\//.test(m)), `the address is not announced:\n${messages.join('\n')}`);
    assert.ok(messages.some((m) => /quantri/.test(m)), 'the demo accounts are announced');
    assert.ok(entries.some((e) => e.msg === 'shutting down'), 'the process stopped on SIGTERM');
  });

  it('with PORT=0: listens on a port the system picks and announces that port (a supervisor finds it there)', async () => {
    // A port chosen by the caller, released and listened on later can be taken meanwhile by any
    // outgoing connection (EADDRINUSE): a process started by the replay listens on 0 and says where.
    const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, ...quiet, DATA_DIR: dataDir, DATABASE_URL: SUITE_DATABASE, HENLAI_DEMO: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    const announced = await new Promise<Record<string, unknown> | null>((resolve) => {
      const collect = (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          lines.push(line);
          if (/listening at/.test(line)) resolve(JSON.parse(line) as Record<string, unknown>);
        }
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      void exited.then(() => resolve(null));
    });
    try {
      assert.ok(announced, `the server never said it was listening:\n${lines.join('\n')}`);
      const port = announced.port;
      assert.ok(typeof port === 'number' && port > 0, `the listening line does not give the port the system picked (field "port": ${JSON.stringify(port)}):\n${JSON.stringify(announced)}`);
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(res.status, 200, `nothing answered /health on the announced port ${port}`);
    } finally {
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    }
  });
});
