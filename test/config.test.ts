import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError } from '../src/config';

/** Every setting production requires, each valid. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://u@db/h',
  PUBLIC_BASE_URL: 'https://henlai.cantho.gov.vn',
  SMTP_URL: 'smtp://henlai:secret@mail.cantho.gov.vn:587',
  ZALO_APP_ID: '2074138120372622546',
  ZALO_APP_SECRET: 's',
  ZALO_OA_SECRET_KEY: 'k',
  ZALO_TEMPLATE_NEW_APPOINTMENT: '492946',
  SIGNING_SECRET_KEY: 'k3y-for-signing-secrets-0123456789',
};

describe('configuration', () => {
  it('works with nothing set: SQLite in ./data, port 3000, demo on', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.deepEqual(c.database, { client: 'sqlite', filename: path.resolve('./data/henlai.sqlite') });
    assert.equal(c.demo, true);
  });

  it('switches to PostgreSQL with DATABASE_URL and honours DATA_DIR, PORT and HENLAI_DEMO=0', () => {
    const dataDir = path.join(os.tmpdir(), 'henlai-data');
    const c = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/henlai', DATA_DIR: dataDir, PORT: '8080', HENLAI_DEMO: '0' });
    assert.equal(c.database.client, 'pg');
    assert.equal(c.dataDir, dataDir);
    assert.equal(c.port, 8080);
    assert.equal(c.demo, false);
  });

  it('refuses to start in production without the settings production needs, naming each', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production' }),
      (err: unknown) => err instanceof ConfigError && ['DATABASE_URL', 'PUBLIC_BASE_URL', 'SMTP_URL', 'ZALO_APP_ID', 'SIGNING_SECRET_KEY'].every((k) => err.message.includes(k)),
    );
  });

  it('never loads the demo in production, whatever HENLAI_DEMO says', () => {
    const c = loadConfig({ ...PRODUCTION, HENLAI_DEMO: '1' });
    assert.equal(c.demo, false);
    assert.equal(c.signing.trustDemoRoots, false, 'a demo CA never vouches for a letter in production');
  });

  it('hashes passwords at cost 15 unless told otherwise, and refuses a lower cost in production', () => {
    assert.equal(loadConfig({}).auth.passwordHashCost, 15);
    assert.equal(loadConfig({ NODE_ENV: 'test', PASSWORD_HASH_COST: '4' }).auth.passwordHashCost, 4);
    assert.throws(() => loadConfig({ ...PRODUCTION, PASSWORD_HASH_COST: '14' }), (err: unknown) => err instanceof ConfigError && err.message.includes('PASSWORD_HASH_COST'));
    assert.equal(loadConfig({ ...PRODUCTION, PASSWORD_HASH_COST: '17' }).auth.passwordHashCost, 17);
    assert.equal(loadConfig(PRODUCTION).auth.passwordHashCost, 15);
  });

  it('runs on the system clock unless HENLAI_CLOCK=virtual, which production refuses by name', () => {
    assert.equal(loadConfig({}).clock, 'system');
    assert.equal(loadConfig({ HENLAI_CLOCK: 'virtual' }).clock, 'virtual');
    assert.throws(() => loadConfig({ HENLAI_CLOCK: 'simulated' }), /HENLAI_CLOCK/, 'an unknown clock is named in the refusal');
    assert.equal(loadConfig(PRODUCTION).clock, 'system');
    assert.throws(
      () => loadConfig({ ...PRODUCTION, HENLAI_CLOCK: 'virtual' }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('HENLAI_CLOCK') && err.message.includes('production'),
      'production must refuse simulated time, and say which setting to remove',
    );
  });

  it('names the setting that is malformed', () => {
    assert.throws(() => loadConfig({ PORT: 'http' }), /PORT/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
  });

  it('trusts only the loopback proxy unless TRUST_PROXY says otherwise', () => {
    assert.deepEqual(loadConfig({}).trustProxy, ['loopback']);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,fd00::/8,192.168.1.0/255.255.255.0,uniquelocal' }).trustProxy, [
      '10.0.0.5',
      '10.1.0.0/16',
      'fd00::/8',
      '192.168.1.0/255.255.255.0',
      'uniquelocal',
    ]);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2, 'a number is a count of proxy hops');
    assert.equal(loadConfig({ TRUST_PROXY: '0' }).trustProxy, false, 'no proxy trusted: X-Forwarded-* ignored');
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
  });

  it('refuses TRUST_PROXY=true (anyone could forge X-Forwarded-For) and entries that are not addresses, naming them', () => {
    assert.throws(() => loadConfig({ TRUST_PROXY: 'true' }), (err: unknown) => err instanceof ConfigError && /TRUST_PROXY/.test(err.message) && /10\.0\.0\.5/.test(err.message));
    for (const wrong of ['proxy.example.vn', '10.0.0.300', '10.0.0.0/33', '::1/129', '10.0.0.0/8/8', '']) {
      assert.throws(
        () => loadConfig({ TRUST_PROXY: `127.0.0.1,${wrong}` }),
        (err: unknown) => err instanceof ConfigError && err.message.includes('TRUST_PROXY') && err.message.includes(`"${wrong}"`),
        `TRUST_PROXY entry "${wrong}" should be refused by name`,
      );
    }
  });
});
