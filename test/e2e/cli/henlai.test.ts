import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onPostgres } from '../../support/context';

const BIN = path.resolve(__dirname, '../../../src/bin.cjs');

function henlai(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the henlai command line', function () {
  this.timeout(60_000);
  let dataDir: string;
  // The command line is exercised on SQLite only: on PostgreSQL it would share the test database
  // with the in-process tests, and it runs the very same code paths.
  const env = () => ({ DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent', NODE_ENV: 'test' });

  before(function () {
    if (onPostgres) this.skip();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-cli-'));
  });
  after(() => dataDir && fs.rmSync(dataDir, { recursive: true, force: true }));

  it('explains every command with --help', () => {
    const help = henlai(['--help'], env());
    for (const cmd of ['serve', 'migrate', 'seed-demo', 'token']) assert.match(help, new RegExp(cmd), `--help should list "${cmd}"`);
    assert.match(henlai(['token', 'create', '--help'], env()), /--agency <code>/);
  });

  it('migrates a new database, then says it is up to date', () => {
    assert.match(henlai(['migrate'], env()), /Đã áp dụng: .*registry/);
    assert.match(henlai(['migrate'], env()), /phiên bản mới nhất/);
    assert.ok(fs.existsSync(path.join(dataDir, 'henlai.sqlite')), 'the SQLite file should be in DATA_DIR');
  });

  it('prints a new token once, stores only its hash, and refuses an unknown agency', () => {
    const token = henlai(['token', 'create', '--name', 'tich-hop'], env()).trim();
    assert.match(token, /^hl_[A-Za-z0-9_-]{43}$/);
    const db = fs.readFileSync(path.join(dataDir, 'henlai.sqlite'));
    assert.equal(db.includes(Buffer.from(token)), false, 'the token itself must never be stored');
    assert.throws(() => henlai(['token', 'create', '--agency', 'KHONG-CO'], env()), /KHONG-CO/);
  });
});
