/**
 * The CMS (RFC 5652) part of a PAdES signature: the signed attributes a signer signs, and the
 * detached SignedData that goes into the PDF's /Contents.
 *
 * Built with a few lines of DER concatenation (asn1js encodes the primitives) rather than a
 * schema library, because the signed attributes must be embedded byte for byte as they were
 * signed — possibly minutes earlier, by a remote service — and concatenation guarantees it.
 * Parsing (verification) goes through @peculiar/asn1-cms, which keeps the raw signed attributes.
 */
import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { ContentInfo, id_signedData, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { parseCertificate, type CertificateInfo } from './certificates';

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: id_signedData,
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
} as const;

/** Digest algorithm OID → node:crypto name. SHA-1 is deliberately absent: too weak to accept. */
export const DIGESTS: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };

// --- DER building ----------------------------------------------------------------------------

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const ber = (v: asn1js.BaseBlock) => Buffer.from(v.toBER());
const oid = (value: string) => ber(new asn1js.ObjectIdentifier({ value }));
const octets = (b: Buffer) => tlv(0x04, b);
const NULL = Buffer.from([0x05, 0x00]);

/** A DER SET OF: elements sorted by their encodings (X.690 §11.6), as signed attributes must be. */
function setOf(elements: Buffer[]): Buffer {
  return tlv(0x31, ...[...elements].sort(Buffer.compare));
}

function attribute(type: string, value: Buffer): Buffer {
  return seq(oid(type), tlv(0x31, value));
}

function certificateParts(der: Buffer): { issuer: Buffer; serial: Buffer } {
  const info = parseCertificate(der);
  return { issuer: info.issuerDer, serial: info.serialDer };
}

export interface SignedAttributesInput {
  /** SHA-256 of the bytes the PDF's /ByteRange covers. */
  documentDigest: Buffer;
  signerCertificate: Buffer;
  /** Included as the signing-time attribute when given. */
  signingTime?: Date;
}

/**
 * The DER SET OF signed attributes: content-type (data), message-digest, signing-time and the
 * ESS signing-certificate-v2 (RFC 5035: SHA-256 of the signer's certificate, with issuer and
 * serial) that PAdES baseline requires so the signer's certificate cannot be substituted.
 */
export function buildSignedAttributes(input: SignedAttributesInput): Buffer {
  const { issuer, serial } = certificateParts(input.signerCertificate);
  const certHash = createHash('sha256').update(input.signerCertificate).digest();
  // ESSCertIDv2: hashAlgorithm DEFAULT sha256 is omitted (DER); issuerSerial = GeneralNames {[4] Name}.
  const essCertId = seq(octets(certHash), seq(seq(tlv(0xa4, issuer)), serial));
  const attrs = [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.messageDigest, octets(input.documentDigest)),
    attribute(OID.signingCertificateV2, seq(seq(essCertId))),
  ];
  if (input.signingTime) attrs.push(attribute(OID.signingTime, ber(new asn1js.UTCTime({ valueDate: input.signingTime }))));
  return setOf(attrs);
}

export type SignatureKind = 'rsa' | 'ecdsa';

export function signatureKindOf(key: KeyObject): SignatureKind | null {
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  if (key.asymmetricKeyType === 'ec') return 'ecdsa';
  return null;
}

/** Checks a raw signature value (PKCS#1 v1.5 or DER ECDSA) over the signed attributes. */
export function signatureMatches(signedAttributes: Buffer, signature: Buffer, publicKey: KeyObject, hash = 'sha256'): boolean {
  try {
    const key = publicKey.asymmetricKeyType === 'ec' ? { key: publicKey, dsaEncoding: 'der' as const } : publicKey;
    return cryptoVerify(hash, signedAttributes, key, signature);
  } catch {
    return false;
  }
}

/**
 * ContentInfo { signedData: SignedData { v1, {sha256}, {data, detached}, certificates,
 * {SignerInfo v1 (issuer+serial, sha256, [0] signed attributes, algorithm, signature)} } }.
 */
export function buildCms(input: { signedAttributes: Buffer; signature: Buffer; certificateChain: Buffer[] }): Buffer {
  const [signerCert] = input.certificateChain;
  const { issuer, serial } = certificateParts(signerCert);
  const kind = signatureKindOf(parseCertificate(signerCert).publicKey);
  const sha256 = seq(oid(OID.sha256));
  const signatureAlgorithm = kind === 'ecdsa' ? seq(oid(OID.ecdsaWithSHA256)) : seq(oid(OID.rsaEncryption), NULL);
  const signedAttrs = Buffer.from(input.signedAttributes);
  signedAttrs[0] = 0xa0; // [0] IMPLICIT SET OF Attribute
  const signerInfo = seq(ber(new asn1js.Integer({ value: 1 })), seq(issuer, serial), sha256, signedAttrs, signatureAlgorithm, octets(input.signature));
  const signedData = seq(
    ber(new asn1js.Integer({ value: 1 })),
    tlv(0x31, sha256),
    seq(oid(OID.data)),
    tlv(0xa0, ...input.certificateChain),
    tlv(0x31, signerInfo),
  );
  return seq(oid(OID.signedData), tlv(0xa0, signedData));
}

// --- parsing (verification) ------------------------------------------------------------------

export interface ParsedCms {
  /** Raw signed attributes re-tagged as the SET OF that was signed. */
  signedAttributes: Buffer | null;
  attributes: Map<string, Buffer[]>;
  digestAlgorithm: string;
  signatureAlgorithm: string;
  signature: Buffer;
  certificates: CertificateInfo[];
  /** The certificate the SignerInfo names (issuer+serial or subject key id), if embedded. */
  signer: CertificateInfo | null;
  signerInfoCount: number;
}

/** Parses /Contents (trailing zero padding allowed). Throws on anything that is not a CMS SignedData. */
export function parseCms(contents: Buffer): ParsedCms {
  const parsed = asn1js.fromBER(contents);
  if (parsed.offset === -1) throw new Error(parsed.result.error || 'not DER');
  const exact = contents.subarray(0, parsed.offset);
  const info = AsnConvert.parse(exact, ContentInfo);
  if (info.contentType !== id_signedData) throw new Error(`content type ${info.contentType} is not signedData`);
  const sd = AsnConvert.parse(info.content, SignedData);
  const certificates = (sd.certificates ?? []).filter((c) => c.certificate).map((c) => parseCertificate(Buffer.from(AsnConvert.serialize(c.certificate!))));
  const si = sd.signerInfos[0];
  if (!si) throw new Error('no SignerInfo');
  let signer: CertificateInfo | null = null;
  if (si.sid.issuerAndSerialNumber) {
    const wantIssuer = Buffer.from(AsnConvert.serialize(si.sid.issuerAndSerialNumber.issuer));
    const wantSerial = Buffer.from(si.sid.issuerAndSerialNumber.serialNumber);
    signer = certificates.find((c) => c.issuerDer.equals(wantIssuer) && c.serialDer.equals(ber(new asn1js.Integer({ valueHex: wantSerial })))) ?? null;
  } else if (si.sid.subjectKeyIdentifier) {
    const ski = Buffer.from(si.sid.subjectKeyIdentifier.buffer).toString('hex');
    signer = certificates.find((c) => subjectKeyIdOf(c) === ski) ?? null;
  }
  const signedAttributes = si.signedAttrs ? rawSignedAttributes(exact) : null;
  const attributes = new Map<string, Buffer[]>();
  for (const a of si.signedAttrs ?? []) attributes.set(a.attrType, a.attrValues.map((v) => Buffer.from(v)));
  return {
    signedAttributes,
    attributes,
    digestAlgorithm: si.digestAlgorithm.algorithm,
    signatureAlgorithm: si.signatureAlgorithm.algorithm,
    signature: Buffer.from(si.signature.buffer),
    certificates,
    signer,
    signerInfoCount: sd.signerInfos.length,
  };
}

/**
 * The first SignerInfo's signed attributes exactly as encoded (re-tagged as a SET OF): what the
 * signature covers. @peculiar/asn1-schema keeps no raw bytes for a repeated field, so this walks
 * the asn1js tree: ContentInfo → [0] → SignedData → signerInfos (its last SET) → SignerInfo → [0].
 */
function rawSignedAttributes(contentInfo: Buffer): Buffer | null {
  const root = asn1js.fromBER(contentInfo).result as asn1js.Sequence;
  const explicit = root.valueBlock.value[1] as asn1js.Constructed;
  const signedData = explicit.valueBlock.value[0] as asn1js.Sequence;
  const parts = signedData.valueBlock.value;
  const signerInfos = parts[parts.length - 1] as asn1js.Set;
  const signerInfo = signerInfos.valueBlock.value[0] as asn1js.Sequence;
  const tagged = signerInfo.valueBlock.value.find((e) => e.idBlock.tagClass === 3 && e.idBlock.tagNumber === 0);
  if (!tagged) return null;
  const raw = Buffer.from(tagged.valueBeforeDecodeView);
  raw[0] = 0x31;
  return raw;
}

function subjectKeyIdOf(cert: CertificateInfo): string | null {
  const tbs = AsnConvert.parse(cert.der, Certificate).tbsCertificate;
  const ext = tbs.extensions?.find((e) => e.extnID === '2.5.29.14');
  if (!ext) return null;
  const inner = asn1js.fromBER(ext.extnValue.buffer).result as asn1js.OctetString;
  return Buffer.from(inner.valueBlock.valueHexView).toString('hex');
}

/** The value of a single-valued attribute, decoded: OCTET STRING → bytes, time → Date. */
export function attributeOctets(value: Buffer): Buffer | null {
  const r = asn1js.fromBER(value).result;
  return r instanceof asn1js.OctetString ? Buffer.from(r.valueBlock.valueHexView) : null;
}

export function attributeTime(value: Buffer): Date | null {
  const r = asn1js.fromBER(value).result;
  if (r instanceof asn1js.UTCTime || r instanceof asn1js.GeneralizedTime) return r.toDate();
  return null;
}

/** The certificate hash of the first ESSCertIDv2 of a signing-certificate-v2 value, with its algorithm. */
export function essCertHash(value: Buffer): { algorithm: string; hash: Buffer } | null {
  const r = asn1js.fromBER(value).result;
  if (!(r instanceof asn1js.Sequence)) return null;
  const certs = r.valueBlock.value[0];
  if (!(certs instanceof asn1js.Sequence)) return null;
  const first = certs.valueBlock.value[0];
  if (!(first instanceof asn1js.Sequence)) return null;
  let algorithm: string = OID.sha256;
  for (const part of first.valueBlock.value) {
    if (part instanceof asn1js.Sequence && part.valueBlock.value[0] instanceof asn1js.ObjectIdentifier) {
      algorithm = part.valueBlock.value[0].valueBlock.toString();
    }
    if (part instanceof asn1js.OctetString) return { algorithm, hash: Buffer.from(part.valueBlock.valueHexView) };
  }
  return null;
}
