/**
 * The e-mail channel against a real SMTP server on loopback (smtp-server, in-process): what the
 * server received is parsed with mailparser, as a mail client would read it. The letter PDF is a
 * real one, printed once by the shared Chromium renderer, and read back with pdfjs.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { capturingLogger } from '../support/log-capture';
import { createEmailChannel, type EmailChannel } from '../../src/channels/email/channel';
import type { Attachment, OutgoingNotice, SendResult } from '../../src/channels/types';
import { loadConfig, type Config } from '../../src/config';
import { DocumentRenderer } from '../../src/documents/renderer';
import { letterData, noticeData, TEMPLATES_DIR } from '../documents/fixtures';
import { flat, pdfPages } from '../documents/pdf-text';
import { closedPort, silentServer, startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { sharedPdf } from '../support/context';

const FROM = '"Trung tâm Phục vụ hành chính công Cần Thơ" <thongbao@cantho.gov.vn>';
const CITIZEN = 'an.nguyen@example.vn';
const PDF_NAME = 'thu-xin-loi-05-PXL-SXD.pdf';
/** Short timeouts: a failing case must fail in well under the test's own timeout. */
const FAST = 'connectionTimeout=2000&greetingTimeout=2000&socketTimeout=5000&sendTimeout=10000';

function emailSettings(env: Record<string, string>): Config['email'] {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MAIL_FROM: FROM, ...env }).email;
}

function toAddresses(to: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(to) ? to : to ? [to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
}

describe('channels/email: the e-mail channel against a real SMTP server', function () {
  this.timeout(60_000);
  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  let letterPdf: Buffer;
  let smtp: FakeSmtp | null = null;
  let channel: EmailChannel | null = null;
  const tmpDirs: string[] = [];

  before(async () => {
    const data = letterData({ issuer: { ...letterData().issuer, letterNumber: '05/PXL-SXD' } });
    letterPdf = await sharedPdf().render(renderer.renderLetter('SXD', data).html);
  });

  afterEach(async () => {
    await channel?.close();
    await smtp?.close();
    channel = null;
    smtp = null;
    for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  function tmpDir(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-email-'));
    tmpDirs.push(d);
    return d;
  }

  function apologyNotice(overrides: Partial<OutgoingNotice> = {}, r: DocumentRenderer = renderer): OutgoingNotice {
    const n = r.renderNotice('SXD', noticeData({ letterNumber: '05/PXL-SXD' }));
    return {
      id: 42,
      businessKey: `apology:7:email:${CITIZEN}`,
      kind: 'new_appointment',
      audience: 'citizen',
      channel: 'email',
      recipient: CITIZEN,
      payload: { subject: n.emailSubject, html: n.emailHtml, text: n.emailText, templateVersion: n.templateVersion },
      apologyId: 7,
      dossierId: 3,
      attempts: 0,
      ...overrides,
    };
  }

  function digestNotice(): OutgoingNotice {
    return {
      id: 99,
      businessKey: 'digest:2:2026-03-02',
      kind: 'at_risk_digest',
      audience: 'staff',
      channel: 'email',
      recipient: 'sxd@cantho.example.vn',
      payload: {
        subject: '[Hẹn Lại] 2 hồ sơ sắp đến hạn hoặc quá hạn — Sở Xây dựng thành phố Cần Thơ — 02/03/2026',
        text: 'Kính gửi Sở Xây dựng thành phố Cần Thơ,\n\n- H13.01-260212-0007 — Nguyễn Văn An — hạn 17:00 03/03/2026 — sắp đến hạn\n',
      },
      apologyId: null,
      dossierId: null,
      attempts: 0,
    };
  }

  const letter = async (): Promise<Attachment[]> => [{ filename: PDF_NAME, contentType: 'application/pdf', content: letterPdf }];

  async function relay(options: Parameters<typeof startFakeSmtp>[0] = {}, query = FAST, credentials = ''): Promise<{ smtp: FakeSmtp; channel: EmailChannel }> {
    smtp = await startFakeSmtp(options);
    channel = createEmailChannel({ config: emailSettings({ SMTP_URL: smtp.url(query, credentials) }), dataDir: tmpDir() });
    return { smtp, channel };
  }

  function assertOutcome(result: SendResult, expected: Partial<SendResult>, what: string): void {
    for (const [k, v] of Object.entries(expected)) {
      assert.deepEqual(result[k as keyof SendResult], v, `${what}: expected ${k} = ${JSON.stringify(v)}, the channel answered ${JSON.stringify(result)}`);
    }
  }

  it('sends the apology: exact Vietnamese subject, HTML with inline styles, text alternative, the letter PDF, stable headers', async () => {
    const { smtp, channel } = await relay();
    const notice = apologyNotice();
    const result = await channel.send(notice, letter);
    assert.equal(channel.simulated, false, 'a channel with a relay is not a simulator');
    assertOutcome(result, { outcome: 'sent' }, 'a message the relay accepted');
    assert.match(result.providerAnswer, /^250 .*OK: queued as FAKE1/, 'the attempt records the relay\'s "250" line');

    const got = await smtp.next();
    assert.equal(got.from, 'thongbao@cantho.gov.vn', 'envelope sender is MAIL_FROM\'s address');
    assert.deepEqual(got.to, [CITIZEN], 'envelope recipient is the citizen, and only the citizen');
    const raw = got.raw.toString('latin1');
    assert.match(raw, /^Subject: =\?UTF-8\?[BQ]\?/im, 'the Subject header travels RFC 2047-encoded (8-bit headers are not safe on every relay)');
    assert.ok(!/[\x80-\uffff]/.test(raw.split(/\r?\n\r?\n/)[0]), 'the header block is pure ASCII');

    const mail: ParsedMail = await simpleParser(got.raw);
    assert.equal(mail.subject, notice.payload.subject, 'the decoded subject is exactly the rendered Vietnamese subject');
    assert.equal(mail.from?.value[0].address, 'thongbao@cantho.gov.vn');
    assert.equal(mail.from?.value[0].name, 'Trung tâm Phục vụ hành chính công Cần Thơ', 'the From display name survives in Vietnamese');
    assert.deepEqual(toAddresses(mail.to), [CITIZEN]);
    assert.equal(mail.messageId, result.providerMessageId, 'providerMessageId is the Message-ID the message carries');
    assert.match(String(mail.messageId), /^<henlai-notice-42-[0-9a-f]{12}@cantho\.gov\.vn>$/, 'Message-ID: notice id, business-key hash, From domain');
    assert.equal(mail.headers.get('x-henlai-notice'), '42');
    assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');

    const html = mail.html || '';
    assert.ok(html.includes('Kính gửi Nguyễn Văn An'), 'the HTML body greets the citizen by name');
    assert.ok(html.includes('26/03/2026'), 'the HTML body gives the new date');
    assert.match(html, /<td style="[^"]*font-family:Arial/, 'the HTML body is styled with style attributes');
    assert.ok(!/<style[\s>]/i.test(html), 'no <style> block: mail clients drop them');
    assert.ok(mail.text?.includes('Ngày hẹn trả kết quả mới: 26/03/2026'), `the text alternative carries the new date:\n${mail.text}`);
    assert.equal(mail.text?.trim(), String(notice.payload.text).trim(), 'the text alternative is the rendered text, unchanged');

    assert.equal(mail.attachments.length, 1, 'exactly one attachment: the letter');
    const pdf = mail.attachments[0];
    assert.equal(pdf.filename, PDF_NAME);
    assert.equal(pdf.contentType, 'application/pdf');
    assert.ok(pdf.content.equals(letterPdf), 'the attached bytes are the letter PDF, unaltered');
    const text = (await pdfPages(pdf.content)).map((p) => p.text).join(' ');
    assert.ok(text.includes('ngày 26 tháng 3 năm 2026'), `the attached letter gives the new date in Vietnamese; pdfjs read:\n${text}`);
    assert.ok(text.includes(flat('Kính gửi: Ông/Bà Nguyễn Văn An')), 'the attached letter is addressed to the citizen');
  });

  it('gives a retried notice the same Message-ID, and another notice a different one', async () => {
    const { smtp, channel } = await relay();
    const first = await channel.send(apologyNotice(), letter);
    const retry = await channel.send(apologyNotice({ attempts: 1 }), letter);
    const other = await channel.send(apologyNotice({ id: 43, businessKey: 'apology:8:email:an.nguyen@example.vn' }), letter);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await simpleParser((await smtp.next()).raw)).messageId);
    assert.equal(ids[0], ids[1], 'the second attempt of notice 42 must carry the first attempt\'s Message-ID');
    assert.equal(first.providerMessageId, retry.providerMessageId);
    assert.notEqual(ids[2], ids[0], 'notice 43 needs its own Message-ID');
    assert.equal(other.providerMessageId, ids[2]);
  });

  it('inlines an agency template\'s <style> rules into style attributes (juice)', async () => {
    const overrides = tmpDir();
    const shipped = fs.readFileSync(path.join(TEMPLATES_DIR, 'notices/email.html.hbs'), 'utf8');
    const own = shipped
      .replace('</head>', '<style>.greeting { color: #0b5394; font-weight: bold; } @media (max-width: 480px) { .greeting { font-size: 18px; } }</style>\n</head>')
      .replace('<p style="margin:0 0 12px;">Kính gửi', '<p class="greeting" style="margin:0 0 12px;">Kính gửi');
    fs.mkdirSync(path.join(overrides, 'SXD/notices'), { recursive: true });
    fs.writeFileSync(path.join(overrides, 'SXD/notices/email.html.hbs'), own);
    const agencyRenderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR, overridesDir: overrides });
    const notice = apologyNotice({}, agencyRenderer);
    assert.match(String(notice.payload.html), /<style>\.greeting/, 'precondition: the agency\'s HTML has a stylesheet');

    const { smtp, channel } = await relay();
    assertOutcome(await channel.send(notice, letter), { outcome: 'sent' }, 'the agency-styled notice');
    const html = (await simpleParser((await smtp.next()).raw)).html || '';
    assert.match(html, /<p class="greeting" style="[^"]*color: ?#0b5394;[^"]*font-weight: ?bold;[^"]*margin: ?0 0 12px;?[^"]*">Kính gửi Nguyễn Văn An/, `the .greeting rule must be inlined beside the existing inline style:\n${html.slice(0, 2000)}`);
    assert.ok(!html.includes('.greeting { color'), 'the inlined rule no longer sits in a <style> block');
    assert.match(html, /@media \(max-width: ?480px\)/, 'a media query cannot be inlined and stays for the clients that honour it');
  });

  it('sends a staff digest as text only, without asking for attachments', async () => {
    const { smtp, channel } = await relay();
    const notice = digestNotice();
    let asked = 0;
    const result = await channel.send(notice, async () => {
      asked++;
      return [];
    });
    assertOutcome(result, { outcome: 'sent' }, 'the digest');
    assert.equal(asked, 0, 'a digest carries no file: attachments() must not be called');
    const mail = await simpleParser((await smtp.next()).raw);
    assert.equal(mail.subject, notice.payload.subject);
    assert.equal(mail.html, false, 'the digest has no HTML part');
    assert.equal(mail.text?.trim(), String(notice.payload.text).trim());
    assert.equal(mail.attachments.length, 0);
    assert.deepEqual(toAddresses(mail.to), ['sxd@cantho.example.vn']);
    assert.equal(mail.headers.get('x-henlai-notice'), '99');
  });

  it('a recipient the server refuses for good (550) is a permanent failure that falls back to the counter', async () => {
    const { smtp, channel } = await relay({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
      },
    });
    const result = await channel.send(apologyNotice(), letter);
    assertOutcome(result, { outcome: 'permanent-failure', errorClass: 'smtp:550', fallback: true }, 'RCPT TO refused with 550');
    assert.match(result.providerAnswer, /RCPT TO: 550 5\.1\.1 Mailbox unavailable/, 'the attempt records the command and the server\'s line');
    assert.equal(result.channelDown, undefined, 'one refused mailbox says nothing about the channel');
    assert.equal(smtp.received.length, 0);
  });

  it('logs a refusal without the citizen\'s address, even when the server\'s answer quotes it', async () => {
    smtp = await startFakeSmtp({
      onRcptTo(address, _session, callback) {
        callback(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected`), { responseCode: 550 }));
      },
    });
    const { logger, lines } = capturingLogger('info');
    channel = createEmailChannel({ config: emailSettings({ SMTP_URL: smtp.url(FAST) }), dataDir: tmpDir(), logger });
    const result = await channel.send(apologyNotice(), letter);
    assert.match(result.providerAnswer, new RegExp(CITIZEN.replace(/[.]/g, '\\.')), 'the attempt row (staff-only, in the database) keeps the server\'s whole answer');
    assert.ok(lines.length > 0, 'the refusal is logged');
    const leaked = lines.filter((l) => l.toLowerCase().includes(CITIZEN.toLowerCase()));
    assert.deepEqual(leaked, [], 'a log line carries the citizen\'s e-mail address (personal data must never reach the logs)');
  });

  it('a recipient refused for now (450) is a temporary failure, retried later, no fallback', async () => {
    const { channel } = await relay({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('4.2.1 Mailbox busy, try again later'), { responseCode: 450 }));
      },
    });
    const result = await channel.send(apologyNotice(), letter);
    assertOutcome(result, { outcome: 'temporary-failure', errorClass: 'smtp:450', fallback: undefined, channelDown: undefined }, 'RCPT TO refused with 450');
  });

  it('a message refused after DATA (554, content) is a permanent failure', async () => {
    const { channel } = await relay({
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('5.7.1 Message rejected as spam'), { responseCode: 554 })));
      },
    });
    assertOutcome(await channel.send(apologyNotice(), letter), { outcome: 'permanent-failure', errorClass: 'smtp:554', fallback: true }, 'DATA refused with 554');
  });

  it('a relay that is down (connection refused) is a technical failure', async () => {
    const port = await closedPort();
    channel = createEmailChannel({ config: emailSettings({ SMTP_URL: `smtp://127.0.0.1:${port}?${FAST}` }), dataDir: tmpDir() });
    const result = await channel.send(apologyNotice(), letter);
    assertOutcome(result, { outcome: 'technical-failure', errorClass: 'connection', channelDown: undefined, fallback: undefined }, 'nobody listening');
    assert.match(result.providerAnswer, /ECONNREFUSED|connect/i, `the answer says the connection was refused: ${result.providerAnswer}`);
  });

  it('a relay that drops the connection in the middle of the message is a technical failure, not re-sent behind the outbox\'s back', async () => {
    let sessions = 0;
    const fake: FakeSmtp = await startFakeSmtp({
      onConnect(_session, callback) {
        sessions++;
        callback();
      },
      onData(stream, session) {
        stream.once('data', () => fake.dropConnection(session));
        stream.resume();
      },
    });
    smtp = fake;
    channel = createEmailChannel({ config: emailSettings({ SMTP_URL: fake.url(FAST) }), dataDir: tmpDir() });
    const result = await channel.send(apologyNotice(), letter);
    assertOutcome(result, { outcome: 'technical-failure', errorClass: 'connection' }, 'the socket destroyed during DATA');
    assert.equal(fake.received.length, 0, 'the server kept nothing');
    assert.equal(sessions, 1, 'the pool must not reconnect and re-send on its own: retries belong to the outbox');
  });

  it('a relay that never greets is a technical failure of class timeout', async () => {
    const silent = await silentServer();
    try {
      channel = createEmailChannel({ config: emailSettings({ SMTP_URL: `smtp://127.0.0.1:${silent.port}?greetingTimeout=300&connectionTimeout=2000` }), dataDir: tmpDir() });
      assertOutcome(await channel.send(apologyNotice(), letter), { outcome: 'technical-failure', errorClass: 'timeout' }, 'no 220 greeting');
    } finally {
      await channel?.close();
      channel = null;
      await silent.close();
    }
  });

  it('refused credentials (535) take the channel down instead of failing each citizen', async () => {
    const { smtp, channel } = await relay(
      {
        authMethods: ['PLAIN', 'LOGIN'],
        allowInsecureAuth: true,
        authOptional: false,
        onAuth(_auth, _session, callback) {
          callback(new Error('Invalid username or password'));
        },
      },
      FAST,
      'henlai:sai%40mat-khau',
    );
    const result = await channel.send(apologyNotice(), letter);
    assertOutcome(result, { outcome: 'technical-failure', errorClass: 'smtp:535', fallback: undefined }, 'AUTH refused');
    assert.ok(result.channelDown && /đăng nhập/.test(result.channelDown), `channelDown must say the login was refused: ${JSON.stringify(result)}`);
    assert.ok(!result.providerAnswer.includes('mat-khau') && !(result.channelDown ?? '').includes('mat-khau'), 'the password never appears in what is recorded');
    assert.equal(smtp.received.length, 0);
  });

  it('logs in with the URL\'s credentials (percent-decoded) when the relay asks for them', async () => {
    let seen: { user?: string | null; pass?: string | null } = {};
    const { smtp, channel } = await relay(
      {
        authMethods: ['PLAIN', 'LOGIN'],
        allowInsecureAuth: true,
        authOptional: false,
        onAuth(auth, _session, callback) {
          seen = { user: auth.username, pass: auth.password };
          callback(null, { user: auth.username });
        },
      },
      FAST,
      'henlai:p%40ss%3Aw%2Frd',
    );
    assertOutcome(await channel.send(apologyNotice(), letter), { outcome: 'sent' }, 'authenticated send');
    assert.deepEqual(seen, { user: 'henlai', pass: 'p@ss:w/rd' });
    assert.equal((await smtp.next()).user, 'henlai');
  });

  it('upgrades with STARTTLS when the relay offers it', async () => {
    // smtp-server's built-in self-signed certificate: the client must be told to accept it.
    const { smtp, channel } = await relay({ disabledCommands: [] }, `${FAST}&tls.rejectUnauthorized=false`);
    assertOutcome(await channel.send(apologyNotice(), letter), { outcome: 'sent' }, 'send over STARTTLS');
    assert.equal((await smtp.next()).secure, true, 'the message must have travelled over TLS');
  });

  it('a certificate that cannot be verified, or requireTLS without STARTTLS on offer, takes the channel down', async () => {
    // smtp-server's built-in certificate is self-signed (and, by now, expired).
    const { channel } = await relay({ disabledCommands: [] });
    const untrusted = await channel.send(apologyNotice(), letter);
    assertOutcome(untrusted, { outcome: 'technical-failure', errorClass: 'tls' }, 'untrusted certificate, verification on');
    assert.ok(untrusted.channelDown, 'a certificate problem concerns every message');
    await channel.close();
    await smtp?.close();

    const second = await relay({}, `${FAST}&requireTLS=true`);
    const clear = await second.channel.send(apologyNotice(), letter);
    assertOutcome(clear, { outcome: 'technical-failure', errorClass: 'tls' }, 'requireTLS against a relay without STARTTLS');
    assert.ok(clear.channelDown);
    assert.equal(second.smtp.received.length, 0, 'nothing may go out in clear when TLS is required');
  });

  it('signs with DKIM when configured', async () => {
    const dir = tmpDir();
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = path.join(dir, 'dkim.pem');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    smtp = await startFakeSmtp();
    channel = createEmailChannel({
      config: emailSettings({ SMTP_URL: smtp.url(FAST), DKIM_DOMAIN: 'cantho.gov.vn', DKIM_SELECTOR: 'henlai2026', DKIM_PRIVATE_KEY: keyFile }),
      dataDir: dir,
    });
    assertOutcome(await channel.send(apologyNotice(), letter), { outcome: 'sent' }, 'signed send');
    const mail = await simpleParser((await smtp.next()).raw);
    const sig = mail.headerLines.find((h) => h.key === 'dkim-signature')?.line ?? '';
    assert.match(sig, /\bd=cantho\.gov\.vn;/, `DKIM-Signature must name the domain: ${sig}`);
    assert.match(sig, /\bs=henlai2026;/, 'and the selector');
    assert.match(sig.replace(/\s+/g, ''), /h=[^;]*From[^;]*/i, 'and sign the From header');
  });

  it('refuses what cannot become an e-mail without contacting the relay', async () => {
    const { smtp, channel } = await relay();
    const bad = await channel.send(apologyNotice({ recipient: 'an.nguyen@example.vn, ke.gian@example.com' }), letter);
    assertOutcome(bad, { outcome: 'permanent-failure', errorClass: 'address', fallback: true }, 'an address list in the recipient');
    const noHtml = apologyNotice();
    delete noHtml.payload.html;
    assertOutcome(await channel.send(noHtml, letter), { outcome: 'permanent-failure', errorClass: 'payload', fallback: true }, 'an apology notice without HTML');
    const noPdf = await channel.send(apologyNotice(), async () => {
      throw new Error('Chromium crashed');
    });
    assertOutcome(noPdf, { outcome: 'technical-failure', errorClass: 'attachment' }, 'the letter PDF could not be produced');
    assert.match(noPdf.providerAnswer, /Chromium crashed/);
    assert.equal(smtp.received.length, 0, 'none of these may reach the relay');
  });
});

describe('channels/email: the .eml outbox without SMTP_URL', () => {
  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  let dataDir: string;
  let channel: EmailChannel | null = null;
  const pdf = Buffer.from('%PDF-1.4\n% not a real letter: the outbox only carries it\n%%EOF\n');

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-outbox-'));
  });
  afterEach(async () => {
    await channel?.close();
    channel = null;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  function notice(): OutgoingNotice {
    const n = renderer.renderNotice('SXD', noticeData());
    return {
      id: 7,
      businessKey: `apology:3:email:${CITIZEN}`,
      kind: 'new_appointment',
      audience: 'citizen',
      channel: 'email',
      recipient: CITIZEN,
      payload: { subject: n.emailSubject, html: n.emailHtml, text: n.emailText },
      apologyId: 3,
      dossierId: 1,
      attempts: 0,
    };
  }

  it('writes a parseable .eml named after the notice, with the attachment, and says it was only written', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir }).email;
    assert.equal(config.smtp, null, 'no SMTP_URL: no relay');
    channel = createEmailChannel({ config, dataDir });
    assert.equal(channel.simulated, true, 'the outbox is a local sink: nothing leaves the machine');
    const n = notice();
    const result = await channel.send(n, async () => [{ filename: PDF_NAME, contentType: 'application/pdf', content: pdf }]);
    assert.equal(result.outcome, 'sent', JSON.stringify(result));
    assert.match(result.providerAnswer, /^Đã ghi tệp .*notice-7-[0-9a-f]{12}\.eml/, result.providerAnswer);
    assert.match(result.providerAnswer, /không được gửi ra ngoài/, 'the record must not suggest the citizen got it');

    const outbox = path.join(dataDir, 'outbox');
    const files = fs.readdirSync(outbox);
    assert.deepEqual(files.filter((f) => !f.endsWith('.eml')), [], `no temporary file may be left behind: ${files.join(', ')}`);
    assert.equal(files.length, 1);
    const raw = fs.readFileSync(path.join(outbox, files[0]));
    assert.ok(raw.includes('\r\n'), 'the file holds the message as it would travel: CRLF line ends');
    const mail = await simpleParser(raw);
    assert.equal(mail.subject, n.payload.subject);
    assert.equal(mail.messageId, result.providerMessageId);
    assert.deepEqual(toAddresses(mail.to), [CITIZEN]);
    assert.ok((mail.html || '').includes('Nguyễn Văn An'));
    assert.equal(mail.attachments.length, 1);
    assert.equal(mail.attachments[0].filename, PDF_NAME);
    assert.ok(mail.attachments[0].content.equals(pdf), 'the attachment is carried byte for byte');

    const again = await channel.send({ ...n, attempts: 1 }, async () => [{ filename: PDF_NAME, contentType: 'application/pdf', content: pdf }]);
    assert.equal(again.providerMessageId, result.providerMessageId, 'a retry is the same message');
    assert.deepEqual(fs.readdirSync(outbox), files, 'a retry replaces the same file rather than adding another');
  });

  it('a folder it cannot write to is a technical failure, not a lost notice', async () => {
    fs.writeFileSync(path.join(dataDir, 'outbox'), 'a file where the folder should be');
    channel = createEmailChannel({ config: loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir }).email, dataDir });
    const result = await channel.send(notice(), async () => [{ filename: PDF_NAME, contentType: 'application/pdf', content: pdf }]);
    assert.equal(result.outcome, 'technical-failure', JSON.stringify(result));
    assert.equal(result.errorClass, 'outbox');
  });
});
