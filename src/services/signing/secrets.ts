import crypto from 'node:crypto';
import { SigningError } from '../../signing';

/**
 * The signing secrets kept in the database (a PKCS#12 password, a remote-signing service
 * password) are sealed with AES-256-GCM under a key derived from SIGNING_SECRET_KEY: a copy of
 * the database alone does not open the agency's certificate. They are never shown again: the
 * admin pages only say whether one is set.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    this.key = crypto.createHash('sha256').update(`henlai-signing-secrets:${secretKey}`).digest();
  }

  seal(secrets: Record<string, string>): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string | null): Record<string, string> {
    if (!sealed) return {};
    try {
      const raw = Buffer.from(sealed.replace(/^v1:/, ''), 'base64');
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Record<string, string>;
    } catch {
      throw new SigningError('secret-unreadable', 'Không giải mã được mật khẩu chứng thư số đã lưu: SIGNING_SECRET_KEY đã thay đổi? Hãy nhập lại mật khẩu trong trang quản trị ký số', 500);
    }
  }
}
