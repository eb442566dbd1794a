/**
 * The "certificate file" signer: a PKCS#12 (.p12/.pfx) file and its password, as CAs hand out
 * organisational certificates and as USB-token exports produce them. node-forge decrypts the
 * file (legacy 3DES/RC2 and modern PBES2/AES files alike); the key then lives in a node:crypto
 * KeyObject, so signing is native.
 *
 * Opening checks, in this order, each with its own code: the password (MAC), a private key and
 * the certificate that belongs to it, the key strength (RSA ≥ 2048 bits, or ECDSA P-256/384/521),
 * the validity period at `now`, the key usage, and the subject (see `ExpectedSubject`).
 */
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { parseCertificate, subjectMismatches, vnDate, type CertificateInfo, type ExpectedSubject } from './certificates';
import { SigningError } from './errors';
import type { ImmediateSigner, SigningRequest } from './signer';

export interface CertificateFileOptions {
  /** The time the certificate must be valid at (the caller's clock). */
  now: Date;
  /** Who the certificate must belong to: the leader (CN) or the agency (O, and/or CN). */
  expected?: ExpectedSubject;
  /** Smallest RSA modulus accepted (default 2048). */
  minRsaBits?: number;
}

export interface KeySigner extends ImmediateSigner {
  /** The signer's certificate, parsed (subject, serial, validity). */
  readonly certificate: CertificateInfo;
}

const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const binary = (b: Buffer) => b.toString('binary');
const fromBinary = (s: string) => Buffer.from(s, 'binary');

function readPkcs12(file: Buffer, password: string): forge.pkcs12.Pkcs12Pfx {
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(binary(file));
  } catch {
    throw new SigningError('p12-unreadable', 'Tệp chứng thư số không phải tệp PKCS#12 (.p12/.pfx) hợp lệ');
  }
  try {
    return forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (e) {
    const message = (e as Error).message ?? '';
    if (/MAC could not be verified|wrong password|Invalid password|decrypt/i.test(message)) {
      throw new SigningError('p12-wrong-password', 'Mật khẩu của tệp chứng thư số không đúng');
    }
    throw new SigningError('p12-unreadable', `Không đọc được tệp chứng thư số: ${message}`);
  }
}

function bagsContent(p12: forge.pkcs12.Pkcs12Pfx): { keys: KeyObject[]; certificates: Buffer[] } {
  const keys: KeyObject[] = [];
  const certificates: Buffer[] = [];
  for (const safe of p12.safeContents) {
    for (const bag of safe.safeBags) {
      const raw = (bag as { asn1?: forge.asn1.Asn1 }).asn1;
      if (bag.type === forge.pki.oids.certBag) {
        // RSA certificates come parsed (forge re-encodes them from the captured TBS); others raw.
        const der = bag.cert ? forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes() : raw ? forge.asn1.toDer(raw).getBytes() : null;
        if (der) certificates.push(fromBinary(der));
      } else if (bag.type === forge.pki.oids.pkcs8ShroudedKeyBag || bag.type === forge.pki.oids.keyBag) {
        const pkcs8 = bag.key
          ? forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key as forge.pki.rsa.PrivateKey))).getBytes()
          : raw
            ? forge.asn1.toDer(raw).getBytes()
            : null;
        if (pkcs8) keys.push(createPrivateKey({ key: fromBinary(pkcs8), format: 'der', type: 'pkcs8' }));
      }
    }
  }
  return { keys, certificates };
}

const spki = (key: KeyObject) => (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });

/** Orders `pool` as the chain above `leaf` (issuer first), as far as it goes. */
function chainAbove(leaf: CertificateInfo, pool: CertificateInfo[]): CertificateInfo[] {
  const out: CertificateInfo[] = [];
  let current = leaf;
  while (out.length < pool.length) {
    const issuer = pool.find((c) => c !== current && !out.includes(c) && current.x509.checkIssued(c.x509) && current.x509.verify(c.publicKey));
    if (!issuer) break;
    out.push(issuer);
    current = issuer;
  }
  return out;
}

/** A signer over a key at hand; checks the certificate as a certificate file would. */
export function createKeySigner(privateKey: KeyObject, chainDer: Buffer[], options: CertificateFileOptions): KeySigner {
  return checkedSigner(privateKey, keyChain(privateKey, chainDer), options);
}

/** The certificate of the key and the chain above it, issuer first: what the file holds, whatever the time. */
function keyChain(privateKey: KeyObject, chainDer: Buffer[]): { leaf: CertificateInfo; chain: Buffer[] } {
  const certs = chainDer.map((c) => parseCertificate(c));
  const mine = spki(privateKey);
  const leaf = certs.find((c) => spki(c.publicKey).equals(mine));
  if (!leaf) throw new SigningError('key-certificate-mismatch', 'Khóa bí mật không khớp với chứng thư số nào trong tệp');
  return { leaf, chain: [leaf, ...chainAbove(leaf, certs.filter((c) => c !== leaf))].map((c) => c.der) };
}

/** The checks that depend on when and for whom the key signs, then the signer. */
function checkedSigner(privateKey: KeyObject, { leaf, chain }: { leaf: CertificateInfo; chain: Buffer[] }, options: CertificateFileOptions): KeySigner {
  checkKeyStrength(leaf, options.minRsaBits ?? 2048);
  checkValidity(leaf, options.now);
  if (leaf.keyUsage && !leaf.keyUsage.digitalSignature && !leaf.keyUsage.nonRepudiation) {
    throw new SigningError('certificate-not-for-signing', 'Chứng thư số này không được cấp để ký số (thiếu mục đích "chữ ký số")');
  }
  if (options.expected) checkSubject(leaf, options.expected);
  return {
    kind: 'immediate',
    certificate: leaf,
    async certificateChain() {
      return chain;
    },
    async signDigest(request: SigningRequest) {
      if (!createHash('sha256').update(request.signedAttributes).digest().equals(request.digest)) {
        throw new SigningError('prepared-invalid', 'Giá trị băm cần ký không khớp với thuộc tính ký');
      }
      return cryptoSign('sha256', request.signedAttributes, privateKey.asymmetricKeyType === 'ec' ? { key: privateKey, dsaEncoding: 'der' } : privateKey);
    },
  };
}

/**
 * Decrypted files, by the file and password's hash. node-forge spends ~20 ms of CPU decrypting
 * one (PBKDF2 and 3DES in JavaScript), and issuing opens the agency's file for every letter; what
 * is cached is only what the file itself yields — the key, its certificate and the chain above
 * it (matching them costs ~0.5 ms of key exports and signature checks). Every check of when and
 * for whom the key signs runs again at each opening, and a wrong password hashes to another
 * entry, so it still reaches the MAC check and is refused.
 */
interface FileContent {
  key: KeyObject;
  certificates: { leaf: CertificateInfo; chain: Buffer[] };
}
const decrypted = new Map<string, FileContent>();
const MAX_DECRYPTED = 32;

function decryptOnce(file: Buffer, password: string): FileContent {
  const id = createHash('sha256').update(file).update('\0').update(password, 'utf8').digest('base64');
  let content = decrypted.get(id);
  if (!content) {
    const { keys, certificates } = bagsContent(readPkcs12(file, password));
    if (keys.length === 0) throw new SigningError('p12-no-private-key', 'Tệp chứng thư số không chứa khóa bí mật (chỉ có chứng thư): không thể ký');
    if (certificates.length === 0) throw new SigningError('p12-no-certificate', 'Tệp chứng thư số không chứa chứng thư');
    content = { key: keys[0], certificates: keyChain(keys[0], certificates) };
    if (decrypted.size >= MAX_DECRYPTED) decrypted.delete(decrypted.keys().next().value!);
    decrypted.set(id, content);
  }
  return content;
}

/** Opens a PKCS#12 file; throws SigningError with a precise code when it cannot be used. */
export function openCertificateFile(file: Buffer, password: string, options: CertificateFileOptions): KeySigner {
  const { key, certificates } = decryptOnce(file, password);
  return checkedSigner(key, certificates, options);
}

function checkKeyStrength(cert: CertificateInfo, minRsaBits: number): void {
  const k = cert.key;
  if (k.type === 'rsa' && k.bits < minRsaBits) {
    throw new SigningError('key-too-weak', `Khóa RSA ${k.bits} bit quá yếu (tối thiểu ${minRsaBits} bit)`);
  }
  if (k.type === 'ec' && !EC_CURVES.has(k.curve)) throw new SigningError('key-too-weak', `Đường cong ${k.curve} không được chấp nhận (cần P-256, P-384 hoặc P-521)`);
  if (k.type === 'other') throw new SigningError('key-unsupported', `Loại khóa ${k.name} không được hỗ trợ (cần RSA hoặc ECDSA)`);
}

function checkValidity(cert: CertificateInfo, now: Date): void {
  if (now.getTime() > cert.notAfter.getTime()) {
    throw new SigningError('certificate-expired', `Chứng thư số đã hết hạn ngày ${vnDate(cert.notAfter)}`);
  }
  if (now.getTime() < cert.notBefore.getTime()) {
    throw new SigningError('certificate-not-yet-valid', `Chứng thư số chưa có hiệu lực (từ ngày ${vnDate(cert.notBefore)})`);
  }
}

function checkSubject(cert: CertificateInfo, expected: ExpectedSubject): void {
  const problems = subjectMismatches(cert, expected);
  if (problems.length === 0) return;
  const label = { CN: 'tên (CN)', O: 'cơ quan (O)' } as const;
  const detail = problems.map((p) => `${label[p.field]} là "${p.actual}", cần "${p.expected}"`).join('; ');
  throw new SigningError('certificate-subject-mismatch', `Chứng thư số không thuộc người/cơ quan ký: ${detail}`);
}

/** Helper for the node-forge PKCS#12 writer (demo CA): a node KeyObject as a forge RSA key. */
export function forgeRsaKey(key: KeyObject): forge.pki.rsa.PrivateKey {
  return forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }).toString());
}
