/**
 * X.509 certificates as the signing module sees them: who (subject CN/O, decoded from UTF-8 /
 * BMP strings so Vietnamese names read right), which key, valid when, and whether a chain leads
 * to a trusted root. Parsing goes through @peculiar/asn1-x509; the cryptography (signature over
 * a certificate, public keys) through node:crypto.
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate, id_ce_basicConstraints, id_ce_keyUsage, KeyUsage, KeyUsageFlags, type Name } from '@peculiar/asn1-x509';

const NAME_OIDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.5': 'SERIALNUMBER',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'E',
};

/** A distinguished name: attribute short name (CN, O, OU, …) → values in order. */
export type NameFields = Record<string, string[]>;

export type KeyDescription = { type: 'rsa'; bits: number } | { type: 'ec'; curve: string } | { type: 'other'; name: string };

export interface CertificateInfo {
  der: Buffer;
  subject: NameFields;
  issuer: NameFields;
  /** "CN=Trần Văn Bình, O=Sở Xây dựng thành phố Cần Thơ, …" */
  subjectText: string;
  issuerText: string;
  /** Hex, upper case, as certificate viewers show it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  key: KeyDescription;
  isCa: boolean;
  /** Key usage bits; null when the certificate has no key-usage extension (any use allowed). */
  keyUsage: { digitalSignature: boolean; nonRepudiation: boolean; keyCertSign: boolean } | null;
  fingerprint256: string;
  x509: X509Certificate;
  /** DER of the issuer Name and of the serial INTEGER, as CMS identifies the certificate. */
  issuerDer: Buffer;
  serialDer: Buffer;
}

function nameFields(name: Name): NameFields {
  const out: NameFields = {};
  for (const rdn of name) {
    for (const atv of rdn) {
      const key = NAME_OIDS[atv.type] ?? atv.type;
      (out[key] ??= []).push(atv.value.toString().normalize('NFC'));
    }
  }
  return out;
}

function nameText(fields: NameFields): string {
  return Object.entries(fields)
    .flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`))
    .join(', ');
}

function describeKey(key: KeyObject): KeyDescription {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return { type: 'rsa', bits: d.modulusLength ?? 0 };
  if (key.asymmetricKeyType === 'ec') return { type: 'ec', curve: d.namedCurve ?? 'unknown' };
  return { type: 'other', name: key.asymmetricKeyType ?? 'unknown' };
}

/** Parsed certificates by DER: a signer's chain is parsed on every signature otherwise, and ASN.1 parsing is the slow part. */
const parsed = new Map<string, CertificateInfo>();
const MAX_PARSED = 256;

/** Accepts DER or PEM. Throws when the bytes are not a certificate. The result is shared: do not modify it. */
export function parseCertificate(input: Buffer | string): CertificateInfo {
  const key = typeof input === 'string' ? input : input.toString('base64');
  let info = parsed.get(key);
  if (!info) {
    info = parseUncached(input);
    if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, info);
  }
  return info;
}

function parseUncached(input: Buffer | string): CertificateInfo {
  const x509 = new X509Certificate(input);
  const der = x509.raw;
  const cert = AsnConvert.parse(der, Certificate);
  const tbs = cert.tbsCertificate;
  const subject = nameFields(tbs.subject);
  const issuer = nameFields(tbs.issuer);
  let isCa = false;
  let keyUsage: CertificateInfo['keyUsage'] = null;
  for (const ext of tbs.extensions ?? []) {
    if (ext.extnID === id_ce_basicConstraints) isCa = AsnConvert.parse(ext.extnValue, BasicConstraints).cA;
    if (ext.extnID === id_ce_keyUsage) {
      const flags = AsnConvert.parse(ext.extnValue, KeyUsage).toNumber();
      keyUsage = {
        digitalSignature: (flags & KeyUsageFlags.digitalSignature) !== 0,
        nonRepudiation: (flags & KeyUsageFlags.nonRepudiation) !== 0,
        keyCertSign: (flags & KeyUsageFlags.keyCertSign) !== 0,
      };
    }
  }
  const publicKey = createPublicKey({ key: Buffer.from(AsnConvert.serialize(tbs.subjectPublicKeyInfo)), format: 'der', type: 'spki' });
  return {
    der,
    subject,
    issuer,
    subjectText: nameText(subject),
    issuerText: nameText(issuer),
    serialNumber: x509.serialNumber.toUpperCase(),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    publicKey,
    key: describeKey(publicKey),
    isCa,
    keyUsage,
    fingerprint256: createHash('sha256').update(der).digest('hex'),
    x509,
    issuerDer: Buffer.from(AsnConvert.serialize(tbs.issuer)),
    serialDer: Buffer.from(new asn1js.Integer({ valueHex: tbs.serialNumber }).toBER()),
  };
}

/** Every certificate in a PEM bundle (or one DER certificate). */
export function parseCertificates(input: Buffer | string): CertificateInfo[] {
  const text = Buffer.isBuffer(input) ? input.toString('latin1') : input;
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (pems) return pems.map((p) => parseCertificate(p));
  return [parseCertificate(Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1'))];
}

export function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/**
 * How a certificate is matched to the agency or leader it must belong to: each expected field
 * must equal the certificate subject's attribute of the same name (CN = common name, O =
 * organisation) — one of its values, if it has several — after Unicode NFC, trimming, collapsing
 * inner white space and ignoring case (Vietnamese-aware lower case). Nothing else is compared:
 * not OU, not the serial number, not a partial match ("Sở Xây dựng" does not match "Sở Xây dựng
 * thành phố Cần Thơ"), so a certificate of another unit of the same agency family is refused.
 */
export interface ExpectedSubject {
  /** The leader's full name, or the agency's name for an organisational certificate. */
  commonName?: string;
  /** The agency's name. */
  organization?: string;
}

export function normalizeName(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('vi');
}

/** The fields of `expected` that the certificate does not match (empty: it matches). */
export function subjectMismatches(cert: CertificateInfo, expected: ExpectedSubject): Array<{ field: 'CN' | 'O'; expected: string; actual: string }> {
  const out: Array<{ field: 'CN' | 'O'; expected: string; actual: string }> = [];
  const check = (field: 'CN' | 'O', want: string | undefined) => {
    if (want === undefined) return;
    const have = cert.subject[field] ?? [];
    if (!have.some((v) => normalizeName(v) === normalizeName(want))) out.push({ field, expected: want, actual: have.join(' / ') || '(không có)' });
  };
  check('CN', expected.commonName);
  check('O', expected.organization);
  return out;
}

/** dd/mm/yyyy in Vietnam time, for messages. */
export function vnDate(d: Date): string {
  const v = new Date(d.getTime() + 7 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(v.getUTCDate())}/${p(v.getUTCMonth() + 1)}/${v.getUTCFullYear()}`;
}

export type ChainProblemCode = 'chain-incomplete' | 'chain-untrusted' | 'chain-signature-invalid' | 'chain-not-ca' | 'chain-not-valid-at-time';

export type ChainResult =
  | { ok: true; path: CertificateInfo[] }
  | { ok: false; code: ChainProblemCode; message: string; path: CertificateInfo[] };

const MAX_CHAIN = 8;

function validAt(cert: CertificateInfo, at: Date): boolean {
  return cert.notBefore.getTime() <= at.getTime() && at.getTime() <= cert.notAfter.getTime();
}

/**
 * Builds the path signer → … → one of `trustedRoots`, taking intermediates from `pool` (the
 * certificates embedded in the signature), and checks each link: the issuer's signature on the
 * certificate, the issuer being a CA, and every certificate being valid at `at` (the signing
 * time: a signature made while the certificate was valid stays valid — the chain model used for
 * documents that are kept for years). Revocation is not checked (no OCSP/CRL access here).
 */
export function validateChain(signer: CertificateInfo, pool: CertificateInfo[], trustedRoots: CertificateInfo[], at: Date): ChainResult {
  const path: CertificateInfo[] = [signer];
  const trusted = new Set(trustedRoots.map((c) => c.fingerprint256));
  let current = signer;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (!validAt(current, at)) {
      return {
        ok: false,
        code: 'chain-not-valid-at-time',
        message: `Chứng thư "${current.subject.CN?.[0] ?? current.subjectText}" không còn hiệu lực vào thời điểm ký (hiệu lực ${vnDate(current.notBefore)}–${vnDate(current.notAfter)})`,
        path,
      };
    }
    if (trusted.has(current.fingerprint256)) return { ok: true, path };
    const candidates = [...trustedRoots, ...pool].filter((c) => c.fingerprint256 !== current.fingerprint256 && current.x509.checkIssued(c.x509));
    if (candidates.length === 0) {
      const selfSigned = current.x509.checkIssued(current.x509);
      return selfSigned
        ? { ok: false, code: 'chain-untrusted', message: `Chứng thư gốc "${current.subject.CN?.[0] ?? current.subjectText}" không thuộc danh sách CA tin cậy`, path }
        : { ok: false, code: 'chain-incomplete', message: `Không tìm thấy chứng thư của tổ chức cấp "${current.issuerText}" trong chữ ký hay danh sách CA tin cậy`, path };
    }
    const issuer = candidates.find((c) => current.x509.verify(c.publicKey));
    if (!issuer) return { ok: false, code: 'chain-signature-invalid', message: `Chữ ký của tổ chức cấp trên chứng thư "${current.subjectText}" không hợp lệ`, path };
    if (!issuer.isCa) return { ok: false, code: 'chain-not-ca', message: `Chứng thư "${issuer.subjectText}" không phải chứng thư của tổ chức cung cấp dịch vụ chứng thực`, path };
    path.push(issuer);
    current = issuer;
  }
  return { ok: false, code: 'chain-incomplete', message: 'Chuỗi chứng thư quá dài', path };
}
