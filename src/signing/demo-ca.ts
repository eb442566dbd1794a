/**
 * A demo certification authority, so that `npm install && npm start` shows signed letters with
 * nothing to set up: a root, an organisational certificate per agency and a personal one per
 * leader, as PKCS#12 files with passwords. Every subject says "DEMO — không có giá trị pháp lý"
 * (OU), so no one mistakes a demo letter for a legally signed one; `verifyPdfSignatures` trusts
 * the demo root only when the caller passes it as a trusted root.
 *
 * Keys come from node:crypto (native RSA key generation: most of the time, 0.1–0.3 s of CPU per
 * key on the 2-core machine; issue certificates concurrently, the key generation runs on libuv's
 * thread pool); certificates are built with @peculiar/asn1-x509 and signed with node:crypto;
 * node-forge writes the PKCS#12 (key encrypted with AES-256, forge's default PBKDF2 and MAC,
 * ~30 ms).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
} from '@peculiar/asn1-x509';
import { toPem } from './certificates';
import { forgeRsaKey } from './certificate-file';
import { OID } from './cms';

const generate = promisify(generateKeyPair);

export const DEMO_MARK = 'DEMO — không có giá trị pháp lý';

type KeyType = 'rsa' | 'ec';

export interface IssuedCertificate {
  /** The PKCS#12 file (key, certificate, CA chain); RSA keys only. */
  p12: Buffer;
  password: string;
  /** DER. */
  certificate: Buffer;
  /** DER, the certificate first, then the demo root. */
  chain: Buffer[];
  privateKey: KeyObject;
}

export interface IssueOptions {
  password: string;
  /** Default: the CA's `now`. */
  notBefore?: Date;
  /** Default: three years after notBefore. */
  notAfter?: Date;
  /** 'ec' gives a P-256 key (no .p12: node-forge writes RSA keys only; use `privateKey`). */
  keyType?: KeyType;
  /** RSA modulus (default 2048; smaller only to test the "key too weak" refusal). */
  rsaBits?: number;
}

export interface DemoCa {
  certificate: Buffer;
  certificatePem: string;
  /** To keep the CA across runs (the demo data directory), with `openDemoCa`. */
  privateKeyPem: string;
  /** An organisational certificate: CN = O = the agency's name. */
  issueAgency(agencyName: string, options: IssueOptions): Promise<IssuedCertificate>;
  /** A personal certificate: CN = the leader's name, O = the agency, T = the title. */
  issueLeader(person: { name: string; agencyName: string; title?: string }, options: IssueOptions): Promise<IssuedCertificate>;
}

const UTF8_TYPES = new Set(['2.5.4.3', '2.5.4.10', '2.5.4.11', '2.5.4.12', '2.5.4.7', '2.5.4.8']);

function name(fields: Array<[string, string]>): Name {
  return new Name(
    fields.map(
      ([type, value]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type, value: new AttributeValue(UTF8_TYPES.has(type) ? { utf8String: value.normalize('NFC') } : { printableString: value }) }),
        ]),
    ),
  );
}

const CN = '2.5.4.3';
const O = '2.5.4.10';
const OU = '2.5.4.11';
const T = '2.5.4.12';
const C = '2.5.4.6';

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function keyId(publicKey: KeyObject): Buffer {
  const info = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  return createHash('sha1').update(Buffer.from(info.subjectPublicKey)).digest();
}

function signatureAlgorithm(key: KeyObject): AlgorithmIdentifier {
  return key.asymmetricKeyType === 'ec'
    ? new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSHA256 })
    : new AlgorithmIdentifier({ algorithm: OID.sha256WithRSA, parameters: null });
}

interface CertificateSpec {
  subject: Name;
  issuer: Name;
  publicKey: KeyObject;
  issuerKey: KeyObject;
  issuerKeyId: Buffer;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
}

/** A certificate serial number from random bytes, as the bytes of a DER INTEGER's content. */
export function certificateSerial(random: Buffer): ArrayBuffer {
  const serial = Buffer.from(random);
  // Positive and never a leading zero byte: DER allows one only before a byte with its top bit
  // set, and OpenSSL refuses a certificate whose serial carries a needless one.
  serial[0] = (serial[0] & 0x7f) | 0x40;
  return serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.length);
}

function buildCertificate(spec: CertificateSpec): Buffer {
  const algorithm = signatureAlgorithm(spec.issuerKey);
  const usage = spec.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation;
  const tbs = new TBSCertificate({
    version: 2,
    serialNumber: certificateSerial(randomBytes(16)),
    signature: algorithm,
    issuer: spec.issuer,
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: spec.subject,
    subjectPublicKeyInfo: AsnConvert.parse(spec.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions([
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: spec.ca })),
      extension(id_ce_keyUsage, true, new KeyUsage(usage)),
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(spec.publicKey))),
      extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(spec.issuerKeyId) })),
    ]),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = cryptoSign('sha256', tbsDer, spec.issuerKey);
  return Buffer.from(AsnConvert.serialize(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.length) })));
}

async function newKey(type: KeyType = 'rsa', rsaBits = 2048): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return type === 'ec' ? generate('ec', { namedCurve: 'P-256' }) : generate('rsa', { modulusLength: rsaBits });
}

function pkcs12(key: KeyObject, chain: Buffer[], password: string, friendlyName: string): Buffer {
  const certs = chain.map((der) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary'))));
  const asn1 = forge.pkcs12.toPkcs12Asn1(forgeRsaKey(key), certs, password, { algorithm: 'aes256', friendlyName, generateLocalKeyId: true });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

const YEAR_MS = 365.25 * 86400_000;

function makeCa(root: { key: KeyObject; certificate: Buffer; subject: Name; keyId: Buffer; now: Date }): DemoCa {
  const issue = async (subjectFields: Array<[string, string]>, friendly: string, options: IssueOptions): Promise<IssuedCertificate> => {
    const keys = await newKey(options.keyType, options.rsaBits);
    const notBefore = options.notBefore ?? root.now;
    const certificate = buildCertificate({
      subject: name(subjectFields),
      issuer: root.subject,
      publicKey: keys.publicKey,
      issuerKey: root.key,
      issuerKeyId: root.keyId,
      notBefore,
      notAfter: options.notAfter ?? new Date(notBefore.getTime() + 3 * YEAR_MS),
      ca: false,
    });
    const chain = [certificate, root.certificate];
    return {
      p12: options.keyType === 'ec' ? Buffer.alloc(0) : pkcs12(keys.privateKey, chain, options.password, friendly),
      password: options.password,
      certificate,
      chain,
      privateKey: keys.privateKey,
    };
  };
  return {
    certificate: root.certificate,
    certificatePem: toPem(root.certificate),
    privateKeyPem: root.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    issueAgency(agencyName, options) {
      return issue([[C, 'VN'], [O, agencyName], [OU, DEMO_MARK], [CN, agencyName]], agencyName, options);
    },
    issueLeader(person, options) {
      const fields: Array<[string, string]> = [[C, 'VN'], [O, person.agencyName], [OU, DEMO_MARK]];
      if (person.title) fields.push([T, person.title]);
      fields.push([CN, person.name]);
      return issue(fields, person.name, options);
    },
  };
}

const ROOT_NAME = `Hẹn Lại Demo CA (${DEMO_MARK})`;

/** A new demo root (valid 10 years from `now`). */
export async function createDemoCa(options: { now: Date; commonName?: string }): Promise<DemoCa> {
  const keys = await newKey('rsa');
  const subject = name([[C, 'VN'], [O, 'Hẹn Lại'], [OU, DEMO_MARK], [CN, options.commonName ?? ROOT_NAME]]);
  const id = keyId(keys.publicKey);
  const certificate = buildCertificate({
    subject,
    issuer: subject,
    publicKey: keys.publicKey,
    issuerKey: keys.privateKey,
    issuerKeyId: id,
    notBefore: new Date(options.now.getTime() - 86400_000),
    notAfter: new Date(options.now.getTime() + 10 * YEAR_MS),
    ca: true,
  });
  return makeCa({ key: keys.privateKey, certificate, subject, keyId: id, now: options.now });
}

/** The demo root kept from an earlier run (its certificate and key PEM). */
export function openDemoCa(saved: { certificatePem: string; privateKeyPem: string; now: Date }): DemoCa {
  const key = createPrivateKey(saved.privateKeyPem);
  const certificate = Buffer.from(saved.certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const tbs = AsnConvert.parse(certificate, Certificate).tbsCertificate;
  return makeCa({ key, certificate, subject: tbs.subject, keyId: keyId(createPublicKey(key)), now: saved.now });
}
