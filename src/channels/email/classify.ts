/**
 * What an SMTP failure means for the notice, in the channel vocabulary of ../types.ts.
 *
 *   5xx to RCPT TO / DATA        permanent-failure, fallback   the mailbox (or this message) is refused
 *   4xx anywhere                 temporary-failure             greylisting, full mailbox, busy relay
 *   5xx to the greeting, EHLO,   technical-failure, channelDown  the relay refuses *us*: every message
 *     MAIL FROM, or "relay         would fail the same way, and falling back would send every
 *     denied"                      citizen to the counter's call list for a configuration mistake
 *   AUTH refused (EAUTH, 535)    technical-failure, channelDown
 *   TLS impossible (ETLS,        technical-failure, channelDown
 *     requireTLS not offered)
 *   connection refused / reset / technical-failure 'connection'  the outbox retries with backoff
 *     closed mid-message
 *   any timeout                  technical-failure 'timeout'
 */
import type { NodemailerError } from 'nodemailer';
import type { SendResult } from '../types';

const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Node's codes for a certificate it will not trust or a TLS handshake that cannot happen (they arrive as ESOCKET). */
const TLS_ORIGINAL_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY|DECRYPT)_|HOSTNAME_MISMATCH)/;

/** Commands whose refusal concerns this recipient or this message, not our standing with the relay. */
const MESSAGE_COMMANDS = /^(RCPT TO|DATA)\b/;

/** The answer as the attempt record shows it: the command and the server's line, or the error. */
function answerOf(e: NodemailerError): string {
  const line = (e.response ?? e.message ?? String(e)).replace(/\s+/g, ' ').trim();
  const text = e.command && e.response && !/^(API|CONN)$/.test(e.command) ? `${e.command}: ${line}` : line;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/** Classifies anything nodemailer (or the socket under it) threw while sending one message. */
export function classifySmtpError(err: unknown): SendResult {
  const e = (err instanceof Error ? err : new Error(String(err))) as NodemailerError;
  const providerAnswer = answerOf(e);
  const code = e.responseCode;
  const codeClass = code ? `smtp:${code}` : undefined;

  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || e.code === 'EOAUTH2') {
    // 454: the server's authentication backend is busy; the credentials may well be right.
    if (code && code >= 400 && code < 500) return { outcome: 'temporary-failure', errorClass: codeClass, providerAnswer };
    return {
      outcome: 'technical-failure',
      errorClass: codeClass ?? 'auth',
      providerAnswer,
      channelDown: `Máy chủ SMTP từ chối đăng nhập (${providerAnswer}): kiểm tra người dùng và mật khẩu trong SMTP_URL`,
    };
  }
  if (e.code === 'ETLS' || e.code === 'EREQUIRETLS' || TLS_ORIGINAL_CODES.test(e.originalCode ?? '')) {
    return {
      outcome: 'technical-failure',
      errorClass: 'tls',
      providerAnswer,
      channelDown: `Không thiết lập được kết nối mã hoá với máy chủ SMTP (${providerAnswer}): kiểm tra chứng chỉ và requireTLS trong SMTP_URL`,
    };
  }
  if (code && code >= 400 && code < 500) return { outcome: 'temporary-failure', errorClass: codeClass, providerAnswer };
  if (code && code >= 500 && code < 600) {
    // 503 "bad sequence of commands" is about the session, not the message: a new connection fixes it.
    if (e.permanent === false) return { outcome: 'technical-failure', errorClass: codeClass, providerAnswer };
    const relayDenied = /\b5\.7\.\d+\b/.test(providerAnswer) && /\brelay/i.test(providerAnswer);
    if (MESSAGE_COMMANDS.test(e.command ?? '') && !relayDenied) {
      return { outcome: 'permanent-failure', errorClass: codeClass, providerAnswer, fallback: true };
    }
    // A message over the relay's size limit is refused at MAIL FROM (SIZE=) but is this message's fault.
    if (code === 552 && /^MAIL FROM/.test(e.command ?? '')) {
      return { outcome: 'permanent-failure', errorClass: codeClass, providerAnswer, fallback: true };
    }
    return {
      outcome: 'technical-failure',
      errorClass: codeClass,
      providerAnswer,
      channelDown: `Máy chủ SMTP từ chối nhận thư của Hẹn Lại (${providerAnswer}): kiểm tra MAIL_FROM và quyền chuyển tiếp của tài khoản`,
    };
  }
  if (e.code === 'ETIMEDOUT' || e.originalCode === 'ETIMEDOUT' || e.code === 'EABORT') {
    return { outcome: 'technical-failure', errorClass: 'timeout', providerAnswer };
  }
  if (CONNECTION_CODES.has(e.code ?? '') || CONNECTION_CODES.has(e.originalCode ?? '')) {
    return { outcome: 'technical-failure', errorClass: 'connection', providerAnswer };
  }
  return { outcome: 'technical-failure', errorClass: e.code ? `smtp:${e.code}` : 'smtp:unknown', providerAnswer };
}
