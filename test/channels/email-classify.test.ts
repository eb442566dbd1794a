/**
 * classifySmtpError over the failures a real relay can produce, shaped as nodemailer reports
 * them (code, responseCode, command, permanent). The end-to-end cases against a live server are
 * in email.test.ts; these are the ones an in-process server cannot easily stage.
 */
import assert from 'node:assert/strict';
import { classifySmtpError } from '../../src/channels/email/classify';
import type { SendResult } from '../../src/channels/types';

function smtpError(fields: { code?: string; originalCode?: string; responseCode?: number; command?: string; response?: string; message?: string }): Error {
  const permanent = fields.responseCode ? fields.responseCode >= 500 && fields.responseCode !== 503 : undefined;
  return Object.assign(new Error(fields.message ?? fields.response ?? 'error'), { permanent, ...fields });
}

describe('channels/email: classifying SMTP failures', () => {
  const table: Array<[string, Error, Partial<SendResult> & { down?: boolean }]> = [
    ['550 to RCPT TO: the mailbox does not exist', smtpError({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 User unknown' }), { outcome: 'permanent-failure', errorClass: 'smtp:550', fallback: true, down: false }],
    ['553 to RCPT TO: the address is not accepted', smtpError({ code: 'EENVELOPE', responseCode: 553, command: 'RCPT TO', response: '553 5.1.3 Bad recipient address syntax' }), { outcome: 'permanent-failure', errorClass: 'smtp:553', fallback: true, down: false }],
    ['552 to DATA: message too large for the mailbox', smtpError({ code: 'EMESSAGE', responseCode: 552, command: 'DATA', response: '552 5.2.2 Mailbox full' }), { outcome: 'permanent-failure', errorClass: 'smtp:552', fallback: true, down: false }],
    ['552 to MAIL FROM (SIZE): this message is too large', smtpError({ code: 'EENVELOPE', responseCode: 552, command: 'MAIL FROM', response: '552 5.3.4 Message size exceeds fixed limit' }), { outcome: 'permanent-failure', errorClass: 'smtp:552', fallback: true, down: false }],
    ['421 at the greeting: the relay is busy', smtpError({ code: 'EPROTOCOL', responseCode: 421, command: 'CONN', response: '421 4.3.2 Service not available' }), { outcome: 'temporary-failure', errorClass: 'smtp:421', down: false }],
    ['451 to DATA: local error, try later', smtpError({ code: 'EMESSAGE', responseCode: 451, command: 'DATA', response: '451 4.3.0 Temporary failure' }), { outcome: 'temporary-failure', errorClass: 'smtp:451', down: false }],
    ['452 to RCPT TO: insufficient storage', smtpError({ code: 'EENVELOPE', responseCode: 452, command: 'RCPT TO', response: '452 4.2.2 Mailbox full' }), { outcome: 'temporary-failure', errorClass: 'smtp:452', down: false }],
    ['454 to AUTH: the relay\'s auth backend is unavailable', smtpError({ code: 'EAUTH', responseCode: 454, command: 'AUTH PLAIN', response: '454 4.7.0 Temporary authentication failure' }), { outcome: 'temporary-failure', errorClass: 'smtp:454', down: false }],
    ['535 to AUTH: wrong credentials', smtpError({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', response: '535 5.7.8 Authentication credentials invalid' }), { outcome: 'technical-failure', errorClass: 'smtp:535', down: true }],
    ['credentials the relay never asked for', smtpError({ code: 'EAUTH', command: 'API', message: 'Missing credentials for "PLAIN"' }), { outcome: 'technical-failure', errorClass: 'auth', down: true }],
    ['553 to MAIL FROM: our sender is not allowed', smtpError({ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM', response: '553 5.7.1 Sender address rejected: not owned by user' }), { outcome: 'technical-failure', errorClass: 'smtp:553', down: true }],
    ['554 at the greeting: the relay refuses our address', smtpError({ code: 'EPROTOCOL', responseCode: 554, command: 'CONN', response: '554 5.7.1 Client host rejected' }), { outcome: 'technical-failure', errorClass: 'smtp:554', down: true }],
    ['554 5.7.1 relay access denied to RCPT TO: a configuration mistake, not the citizen', smtpError({ code: 'EENVELOPE', responseCode: 554, command: 'RCPT TO', response: '554 5.7.1 <an@example.vn>: Relay access denied' }), { outcome: 'technical-failure', errorClass: 'smtp:554', down: true }],
    ['503 bad sequence: a session problem a new connection fixes', smtpError({ code: 'EPROTOCOL', responseCode: 503, command: 'RCPT TO', response: '503 5.5.1 Error: need MAIL command' }), { outcome: 'technical-failure', errorClass: 'smtp:503', down: false }],
    ['connection refused', smtpError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:25' }), { outcome: 'technical-failure', errorClass: 'connection', down: false }],
    ['socket closed mid-message', smtpError({ code: 'ECONNECTION', command: 'CONN', message: 'Connection closed unexpectedly' }), { outcome: 'technical-failure', errorClass: 'connection', down: false }],
    ['reset by peer', smtpError({ code: 'ESOCKET', originalCode: 'ECONNRESET', message: 'read ECONNRESET' }), { outcome: 'technical-failure', errorClass: 'connection', down: false }],
    ['broken pipe', smtpError({ code: 'ESOCKET', originalCode: 'EPIPE', message: 'write EPIPE' }), { outcome: 'technical-failure', errorClass: 'connection', down: false }],
    ['relay host name does not resolve', smtpError({ code: 'EDNS', originalCode: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND smtp.example.vn' }), { outcome: 'technical-failure', errorClass: 'connection', down: false }],
    ['greeting never came', smtpError({ code: 'ETIMEDOUT', command: 'CONN', message: 'Greeting never received' }), { outcome: 'technical-failure', errorClass: 'timeout', down: false }],
    ['our own send deadline', smtpError({ code: 'EABORT', message: 'Message sending aborted' }), { outcome: 'technical-failure', errorClass: 'timeout', down: false }],
    ['certificate not trusted', smtpError({ code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', command: 'CONN', message: 'self-signed certificate' }), { outcome: 'technical-failure', errorClass: 'tls', down: true }],
    ['STARTTLS required but not offered', smtpError({ code: 'ETLS', command: 'CONN', message: 'No STARTTLS support' }), { outcome: 'technical-failure', errorClass: 'tls', down: true }],
    ['anything else', new Error('something odd'), { outcome: 'technical-failure', errorClass: 'smtp:unknown', down: false }],
  ];

  for (const [what, err, expected] of table) {
    it(what, () => {
      const r = classifySmtpError(err);
      const { down, ...fields } = expected;
      for (const [k, v] of Object.entries(fields)) {
        assert.deepEqual(r[k as keyof SendResult], v, `${what}: ${k} should be ${JSON.stringify(v)}; got ${JSON.stringify(r)}`);
      }
      assert.equal(Boolean(r.channelDown), down, `${what}: channelDown should be ${down ? 'set' : 'absent'}; got ${JSON.stringify(r)}`);
      if (r.outcome !== 'permanent-failure') assert.equal(r.fallback, undefined, `${what}: only a permanent refusal sends the citizen elsewhere`);
      assert.ok(r.providerAnswer.length > 0 && r.providerAnswer.length <= 300, 'an answer for the attempt record, short');
    });
  }

  it('records the command with the server\'s line', () => {
    const r = classifySmtpError(smtpError({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 <an@example.vn>: Recipient address rejected' }));
    assert.equal(r.providerAnswer, 'RCPT TO: 550 5.1.1 <an@example.vn>: Recipient address rejected');
  });
});
