import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { replayCommand } from '../../src/replay/command';
import { ReplayRefused } from '../../src/replay/run';

describe('henlai replay: what it refuses before touching anything', () => {
  const saved = { env: process.env.NODE_ENV, url: process.env.DATABASE_URL };
  afterEach(() => {
    process.env.NODE_ENV = saved.env;
    if (saved.url === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved.url;
  });

  const run = async (out: string) => replayCommand(() => undefined).exitOverride().parseAsync(['--days', '1', '--out', out], { from: 'user' });

  it('refuses to run with NODE_ENV=production, and creates nothing', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-cmd-')), 'out');
    process.env.NODE_ENV = 'production';
    await assert.rejects(run(out), (err: unknown) => err instanceof ReplayRefused && /NODE_ENV=production/.test(err.message), 'production must be refused, naming NODE_ENV');
    assert.equal(fs.existsSync(out), false, 'no report folder, no database: nothing may be created when refused');
  });

  it('refuses a DATABASE_URL that is not PostgreSQL, naming it', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-cmd-')), 'out');
    process.env.NODE_ENV = 'test';
    process.env.DATABASE_URL = `sqlite:${path.join(os.tmpdir(), 'somewhere.sqlite')}`;
    await assert.rejects(run(out), (err: unknown) => err instanceof ReplayRefused && /^DATABASE_URL/.test(err.message));
    assert.equal(fs.existsSync(out), false);
  });
});
