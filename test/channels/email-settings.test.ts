/**
 * The e-mail settings as loadConfig reads them from the environment: SMTP_URL, MAIL_FROM, DKIM.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const base = { NODE_ENV: 'test' };

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('channels/email: settings (SMTP_URL, MAIL_FROM, DKIM_*)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-email-settings-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('without SMTP_URL: no relay, the default sender, no DKIM', () => {
    const { email } = loadConfig(base);
    assert.equal(email.smtp, null);
    assert.deepEqual(email.from, { name: 'Hẹn Lại', address: 'no-reply@henlai.local' });
    assert.equal(email.dkim, null);
  });

  it('reads host, port, credentials (percent-decoded) and TLS wishes from SMTP_URL', () => {
    const { smtp } = loadConfig({ ...base, SMTP_URL: 'smtp://thong.bao%40cantho.gov.vn:p%40ss%3Aword@mail.cantho.gov.vn:587?requireTLS=true&maxConnections=8&name=henlai.cantho.gov.vn' }).email;
    assert.ok(smtp);
    assert.equal(smtp.host, 'mail.cantho.gov.vn');
    assert.equal(smtp.port, 587);
    assert.equal(smtp.secure, false);
    assert.deepEqual(smtp.auth, { user: 'thong.bao@cantho.gov.vn', pass: 'p@ss:word' });
    assert.equal(smtp.requireTLS, true);
    assert.equal(smtp.maxConnections, 8);
    assert.equal(smtp.clientName, 'henlai.cantho.gov.vn');
    assert.ok(smtp.connectionTimeoutMs > 0 && smtp.greetingTimeoutMs > 0 && smtp.socketTimeoutMs > 0, 'timeouts always set');
  });

  it('smtps:// means implicit TLS on 465; smtp:// without a port means 587; no credentials means no AUTH', () => {
    const tls = loadConfig({ ...base, SMTP_URL: 'smtps://relay.example.vn' }).email.smtp;
    assert.equal(tls?.secure, true);
    assert.equal(tls?.port, 465);
    const plain = loadConfig({ ...base, SMTP_URL: 'smtp://relay.example.vn' }).email.smtp;
    assert.equal(plain?.port, 587);
    assert.equal(plain?.auth, null);
  });

  it('names what is wrong in SMTP_URL, without echoing the password', () => {
    assert.match(configError({ SMTP_URL: 'http://relay.example.vn' }), /SMTP_URL/);
    const unknown = configError({ SMTP_URL: 'smtp://u:bi-mat@relay.example.vn?pool=false' });
    assert.match(unknown, /SMTP_URL: không hiểu tham số "pool"/);
    assert.ok(!unknown.includes('bi-mat'), 'the password must not appear in the start-up error');
    assert.match(configError({ SMTP_URL: 'smtp://relay.example.vn?maxConnections=0' }), /maxConnections=0/);
    assert.match(configError({ SMTP_URL: 'smtp://relay.example.vn?requireTLS=yes' }), /requireTLS phải là true hoặc false/);
    assert.match(configError({ SMTP_URL: 'smtp://relay.example.vn?requireTLS=true&ignoreTLS=true' }), /requireTLS và ignoreTLS/);
  });

  it('MAIL_FROM: a Vietnamese display name is kept; a non-address is refused', () => {
    assert.deepEqual(loadConfig({ ...base, MAIL_FROM: '"Sở Xây dựng Cần Thơ" <thongbao@sxd.cantho.gov.vn>' }).email.from, {
      name: 'Sở Xây dựng Cần Thơ',
      address: 'thongbao@sxd.cantho.gov.vn',
    });
    assert.match(configError({ MAIL_FROM: 'Hẹn Lại' }), /MAIL_FROM/);
    assert.match(configError({ MAIL_FROM: 'a@example.vn, b@example.vn' }), /MAIL_FROM/);
  });

  it('DKIM: all three or none, naming the one that is missing', () => {
    const msg = configError({ DKIM_DOMAIN: 'cantho.gov.vn', DKIM_PRIVATE_KEY: '/nonexistent.pem' });
    assert.match(msg, /DKIM_SELECTOR: thiếu/);
    assert.ok(!/DKIM_DOMAIN: thiếu|DKIM_PRIVATE_KEY: thiếu/.test(msg), `only the missing one is named:\n${msg}`);
    assert.match(configError({ DKIM_SELECTOR: 'henlai' }), /DKIM_DOMAIN: thiếu[\s\S]*DKIM_PRIVATE_KEY: thiếu/);
  });

  it('DKIM_PRIVATE_KEY: a path, an inline PEM (with literal \\n) — both checked at start', () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const file = path.join(dir, 'dkim.pem');
    fs.writeFileSync(file, pem);
    const fromFile = loadConfig({ ...base, DKIM_DOMAIN: 'CanTho.gov.vn', DKIM_SELECTOR: 'hl2026', DKIM_PRIVATE_KEY: file }).email.dkim;
    assert.deepEqual(fromFile, { domainName: 'cantho.gov.vn', keySelector: 'hl2026', privateKey: pem.trim() + '\n' });
    const inline = loadConfig({ ...base, DKIM_DOMAIN: 'cantho.gov.vn', DKIM_SELECTOR: 'hl2026', DKIM_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\n') }).email.dkim;
    assert.equal(inline?.privateKey, pem.trim() + '\n', 'a single-line PEM with "\\n" is the same key');
    assert.match(configError({ DKIM_DOMAIN: 'cantho.gov.vn', DKIM_SELECTOR: 'hl2026', DKIM_PRIVATE_KEY: path.join(dir, 'missing.pem') }), /DKIM_PRIVATE_KEY: .*ENOENT/);
    assert.match(configError({ DKIM_DOMAIN: 'cantho.gov.vn', DKIM_SELECTOR: 'hl2026', DKIM_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' }), /DKIM_PRIVATE_KEY: khoá riêng không hợp lệ/);
  });
});
