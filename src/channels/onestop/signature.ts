import crypto from 'node:crypto';

/**
 * How Hẹn Lại signs the calls it makes to a one-stop system (docs/interop-outbound.md): an
 * HMAC-SHA256, under the source's shared secret, of the Unix timestamp, a dot and the exact body
 * bytes. The timestamp is signed so that a captured call cannot be replayed later with a fresh
 * one; the body carries the idempotency key (MaThongBao), so the key is signed as well.
 */
export const HEADERS = {
  timestamp: 'x-henlai-timestamp',
  signature: 'x-henlai-signature',
  idempotencyKey: 'x-henlai-idempotency-key',
} as const;

export function signBody(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex')}`;
}
