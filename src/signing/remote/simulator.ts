/**
 * Remote signing without a provider (no SmartCA settings): nothing leaves the machine, the
 * "phone confirmation" is simulated, and magic citizen ID numbers give each outcome — like the
 * Zalo channel's simulator. Any other ID confirms after `confirmAfterMs`.
 *
 * It keeps no state: the request id carries the outcome, the creation time and the digest, so
 * any process (each with the same key material, e.g. the demo PKCS#12 files) answers a poll the
 * same way, and a settled outcome never changes.
 */
import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { SigningError } from '../errors';
import type { RemoteOutcome, RemoteSigner } from '../signer';
import type { RemoteSigningService } from './smartca';

export interface SimulatorUser {
  userId: string;
  outcome: 'signed' | 'refused' | 'expired' | 'unavailable';
  explanation: string;
}

export const SIGNING_SIMULATOR_USERS: readonly SimulatorUser[] = [
  { userId: '000000000002', outcome: 'refused', explanation: 'người ký từ chối trên ứng dụng' },
  { userId: '000000000003', outcome: 'expired', explanation: 'yêu cầu hết hạn, người ký không xác nhận' },
  { userId: '000000000004', outcome: 'unavailable', explanation: 'dịch vụ ký số không kết nối được' },
];

export interface SimulatorDeps {
  now: () => Date;
  /** The key and chain that sign for `userId` (the demo leader's), or null if the person has none. */
  credentials: (userId: string) => { privateKey: KeyObject; chain: Buffer[] } | null;
  /** How long the simulated confirmation takes (default 3 s). */
  confirmAfterMs?: number;
}

/** PKCS#1 v1.5 over a SHA-256 digest: DigestInfo prefix + digest, type-1 padded by the private key. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export function signSha256DigestRsa(privateKey: KeyObject, digest: Buffer): Buffer {
  if (privateKey.asymmetricKeyType !== 'rsa') throw new SigningError('key-unsupported', 'Mô phỏng ký số từ xa chỉ dùng khóa RSA');
  return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest]));
}

export function createSigningSimulator(deps: SimulatorDeps): RemoteSigningService {
  const delay = deps.confirmAfterMs ?? 3000;
  const magic = new Map(SIGNING_SIMULATOR_USERS.map((u) => [u.userId, u]));
  return {
    simulated: true,
    signer(userId): RemoteSigner {
      const scripted = magic.get(userId);
      const creds = () => {
        const c = deps.credentials(userId);
        if (!c) throw new SigningError('remote-no-certificate', 'Người ký không có chứng thư số tại dịch vụ ký số (mô phỏng)');
        return c;
      };
      return {
        kind: 'remote',
        async certificateChain() {
          if (scripted?.outcome === 'unavailable') throw new SigningError('remote-unavailable', 'Dịch vụ ký số từ xa không kết nối được (mô phỏng); thử lại sau', 503);
          return creds().chain;
        },
        async requestSignature(request) {
          if (scripted?.outcome === 'unavailable') throw new SigningError('remote-unavailable', 'Dịch vụ ký số từ xa không kết nối được (mô phỏng); thử lại sau', 503);
          const created = deps.now().getTime();
          const requestId = `sim:${scripted?.outcome ?? 'signed'}:${created}:${request.digest.toString('hex')}`;
          return { transactionId: `sim-${created}-${request.documentId}`, requestId, documentId: request.documentId };
        },
        async checkRequest(request): Promise<RemoteOutcome> {
          const m = /^sim:(signed|refused|expired):(\d+):([0-9a-f]{64})$/.exec(request.requestId);
          if (!m) throw new SigningError('remote-protocol', 'Mã yêu cầu ký không phải của bộ mô phỏng');
          if (deps.now().getTime() < Number(m[2]) + delay) return { status: 'pending' };
          if (m[1] === 'refused') return { status: 'refused', message: 'Người ký đã từ chối yêu cầu ký trên ứng dụng (mô phỏng)' };
          if (m[1] === 'expired') return { status: 'expired', message: 'Yêu cầu ký đã hết hạn mà người ký chưa xác nhận (mô phỏng)' };
          return { status: 'signed', signature: signSha256DigestRsa(creds().privateKey, Buffer.from(m[3], 'hex')) };
        },
      };
    },
    parseCallback() {
      throw new SigningError('remote-protocol', 'Bộ mô phỏng ký số không gửi thông báo (callback)', 400);
    },
  };
}
