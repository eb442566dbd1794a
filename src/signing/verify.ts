/**
 * Verification of every signature in a PDF — for a signed letter coming back from a
 * document-management system, and for the public verification page.
 *
 * For each signature dictionary (found through the form fields and among all objects):
 * - the /ByteRange is well formed, starts at 0 and leaves out exactly the /Contents hex string;
 * - the CMS parses, its message-digest equals the digest of the covered bytes, and its signature
 *   verifies with the embedded signer certificate (and the ESS signing-certificate-v2 hash, when
 *   present, names that certificate);
 * - the certificate chains to one of the trusted roots and every certificate of the chain was
 *   valid at the signing time (the signing-time attribute, else /M: both claimed by the signer —
 *   there is no time-stamp token; revocation is not checked).
 * Then whether the last signature covers the whole file (nothing appended after it). Each
 * signature's revision (the bytes it signed) can be taken out with `signedRevision`, so the
 * caller can check that the letter's text is the one it drafted.
 */
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString, type PDFObject } from 'pdf-lib';
import { parseCertificate, validateChain, type CertificateInfo } from './certificates';
import { attributeOctets, attributeTime, DIGESTS, essCertHash, OID, parseCms, signatureMatches } from './cms';

export interface Problem {
  code: string;
  /** Vietnamese, for the person reading the verification page. */
  message: string;
}

export interface SignerSummary {
  commonName: string | null;
  organization: string | null;
  subject: string;
  issuer: string;
  /** Hex, upper case. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

export interface VerifiedSignature {
  /** 0-based, in the order the signatures were made (by the end of their byte range). */
  index: number;
  fieldName: string | null;
  subFilter: string | null;
  byteRange: number[];
  /** Length of the revision this signature covers (`signedRevision`). */
  revisionLength: number;
  coversWholeFile: boolean;
  signingTime: Date | null;
  signer: SignerSummary | null;
  certificate: CertificateInfo | null;
  /** The covered bytes are the signed ones and the signature value verifies. */
  intact: boolean;
  /** Intact, and the certificate chains to a trusted root and was valid at the signing time. */
  valid: boolean;
  problems: Problem[];
}

export interface VerificationResult {
  signatures: VerifiedSignature[];
  /** The last signature covers every byte of the file. */
  lastCoversWholeFile: boolean;
  /** At least one signature, every one valid, and the last covers the whole file. */
  valid: boolean;
  problems: Problem[];
}

export interface VerifyOptions {
  /** DER or PEM certificates of the roots to trust (the demo root in development). */
  trustedRoots: Array<Buffer | string>;
}

interface FoundSignature {
  dict: PDFDict;
  fieldName: string | null;
}

function text(obj: PDFObject | undefined): string | null {
  return obj instanceof PDFString || obj instanceof PDFHexString ? obj.decodeText() : null;
}

function findSignatures(doc: PDFDocument): FoundSignature[] {
  const ctx = doc.context;
  const byDict = new Map<PDFDict, FoundSignature>();
  const walk = (arr: PDFArray | undefined, prefix: string | null, depth: number) => {
    if (!arr || depth > 16) return;
    for (const item of arr.asArray()) {
      const field = ctx.lookup(item);
      if (!(field instanceof PDFDict)) continue;
      const own = text(field.lookup(PDFName.of('T')));
      const name = own === null ? prefix : prefix ? `${prefix}.${own}` : own;
      const v = field.lookup(PDFName.of('V'));
      if (v instanceof PDFDict && v.has(PDFName.of('ByteRange'))) byDict.set(v, { dict: v, fieldName: name });
      const kids = field.lookup(PDFName.of('Kids'));
      if (kids instanceof PDFArray) walk(kids, name, depth + 1);
    }
  };
  const acroForm = doc.catalog.lookup(PDFName.of('AcroForm'));
  if (acroForm instanceof PDFDict) {
    const fields = acroForm.lookup(PDFName.of('Fields'));
    if (fields instanceof PDFArray) walk(fields, null, 0);
  }
  // Signature dictionaries no field points to any more still signed a revision: report them too.
  for (const [, obj] of ctx.enumerateIndirectObjects()) {
    if (obj instanceof PDFDict && !byDict.has(obj) && obj.has(PDFName.of('ByteRange')) && obj.has(PDFName.of('Contents'))) {
      byDict.set(obj, { dict: obj, fieldName: null });
    }
  }
  return [...byDict.values()];
}

function parsePdfDate(value: string | null): Date | null {
  const m = value && /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?/.exec(value);
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', tz = 'Z'] = m;
  const offset = tz === 'Z' ? 'Z' : `${tz.slice(0, 3)}:${tz.replace(/'/g, '').slice(3, 5)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date;
}

function summary(c: CertificateInfo): SignerSummary {
  return {
    commonName: c.subject.CN?.[0] ?? null,
    organization: c.subject.O?.[0] ?? null,
    subject: c.subjectText,
    issuer: c.issuerText,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
  };
}

const HEX = /^[0-9A-Fa-f\s]*$/;

function hashForSignatureAlgorithm(signatureAlgorithm: string, digestAlgorithm: string): string | null {
  const table: Record<string, string> = {
    [OID.sha256WithRSA]: 'sha256',
    [OID.sha384WithRSA]: 'sha384',
    [OID.sha512WithRSA]: 'sha512',
    [OID.ecdsaWithSHA256]: 'sha256',
    [OID.ecdsaWithSHA384]: 'sha384',
    [OID.ecdsaWithSHA512]: 'sha512',
  };
  if (table[signatureAlgorithm]) return table[signatureAlgorithm];
  if (signatureAlgorithm === OID.rsaEncryption || signatureAlgorithm === OID.ecPublicKey) return DIGESTS[digestAlgorithm] ?? null;
  return null;
}

function verifyOne(pdf: Buffer, found: FoundSignature, roots: CertificateInfo[]): Omit<VerifiedSignature, 'index'> {
  const problems: Problem[] = [];
  const fail = (code: string, message: string) => problems.push({ code, message });
  const dict = found.dict;
  const subFilter = (dict.lookup(PDFName.of('SubFilter')) as PDFName | undefined)?.decodeText?.() ?? null;
  const brObj = dict.lookup(PDFName.of('ByteRange'));
  const byteRange = brObj instanceof PDFArray ? brObj.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : NaN)) : [];
  const base = {
    fieldName: found.fieldName,
    subFilter,
    byteRange,
    revisionLength: 0,
    coversWholeFile: false,
    signingTime: null as Date | null,
    signer: null as SignerSummary | null,
    certificate: null as CertificateInfo | null,
    intact: false,
    valid: false,
    problems,
  };

  if (subFilter !== 'ETSI.CAdES.detached' && subFilter !== 'adbe.pkcs7.detached') {
    fail('subfilter-unsupported', `Định dạng chữ ký "${subFilter ?? '(không có)'}" không được hỗ trợ (cần ETSI.CAdES.detached)`);
    return base;
  }
  const [a, b, c, d] = byteRange;
  const wellFormed = byteRange.length === 4 && byteRange.every((n) => Number.isInteger(n) && n >= 0) && a === 0 && b > 0 && c > b && c + d <= pdf.length;
  if (!wellFormed || pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e || !HEX.test(pdf.subarray(b + 1, c - 1).toString('latin1'))) {
    fail('byte-range-invalid', 'Phạm vi ký (/ByteRange) không hợp lệ: không xác định được phần văn bản đã ký');
    return base;
  }
  base.revisionLength = c + d;
  base.coversWholeFile = c + d === pdf.length;

  let cms: ReturnType<typeof parseCms>;
  try {
    cms = parseCms(Buffer.from(pdf.subarray(b + 1, c - 1).toString('latin1').replace(/\s/g, ''), 'hex'));
  } catch (e) {
    fail('cms-unreadable', `Không đọc được dữ liệu chữ ký (CMS): ${(e as Error).message}`);
    return base;
  }
  const cert = cms.signer;
  base.certificate = cert;
  base.signer = cert ? summary(cert) : null;
  const signingTimeAttr = cms.attributes.get(OID.signingTime)?.[0];
  base.signingTime = (signingTimeAttr && attributeTime(signingTimeAttr)) ?? parsePdfDate(text(dict.lookup(PDFName.of('M'))) ?? null);

  if (cms.signerInfoCount !== 1) fail('cms-signers', `Dữ liệu chữ ký có ${cms.signerInfoCount} người ký, cần đúng 1`);
  const digestName = DIGESTS[cms.digestAlgorithm];
  if (!digestName) {
    fail('digest-algorithm-weak', 'Thuật toán băm của chữ ký không được chấp nhận (cần SHA-256 trở lên)');
    return base;
  }
  const digest = createHash(digestName).update(pdf.subarray(0, b)).update(pdf.subarray(c, c + d)).digest();
  let intact = true;
  if (cms.signedAttributes) {
    const md = cms.attributes.get(OID.messageDigest)?.[0];
    const value = md ? attributeOctets(md) : null;
    if (!value || !value.equals(digest)) {
      intact = false;
      fail('digest-mismatch', 'Nội dung văn bản đã bị thay đổi sau khi ký (giá trị băm không khớp)');
    }
  }
  if (!cert) {
    fail('signer-certificate-missing', 'Chữ ký không kèm chứng thư số của người ký');
    return base;
  }
  const hash = hashForSignatureAlgorithm(cms.signatureAlgorithm, cms.digestAlgorithm);
  const signedBytes = cms.signedAttributes ?? Buffer.concat([pdf.subarray(0, b), pdf.subarray(c, c + d)]);
  if (!hash || !signatureMatches(signedBytes, cms.signature, cert.publicKey, hash)) {
    intact = false;
    fail('signature-invalid', 'Chữ ký số không hợp lệ: giá trị chữ ký không khớp với chứng thư số');
  }
  const ess = cms.attributes.get(OID.signingCertificateV2)?.[0];
  if (ess) {
    const ref = essCertHash(ess);
    const algo = ref ? DIGESTS[ref.algorithm] : undefined;
    if (!ref || !algo || !createHash(algo).update(cert.der).digest().equals(ref.hash)) {
      intact = false;
      fail('signing-certificate-mismatch', 'Chứng thư số kèm theo không phải chứng thư đã ký (thuộc tính signing-certificate-v2 không khớp)');
    }
  }
  base.intact = intact;

  const at = base.signingTime ?? new Date(NaN);
  if (!base.signingTime) fail('signing-time-missing', 'Chữ ký không có thời gian ký');
  else {
    const pool = cms.certificates.filter((x) => x !== cert);
    const chain = validateChain(cert, pool, roots, at);
    if (!chain.ok) fail(chain.code, chain.message);
  }
  base.valid = intact && problems.length === 0;
  return base;
}

export async function verifyPdfSignatures(pdf: Buffer, options: VerifyOptions): Promise<VerificationResult> {
  const roots = options.trustedRoots.flatMap((r) => {
    const pem = typeof r === 'string' ? r : r.toString('latin1');
    return pem.includes('-----BEGIN') ? [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => parseCertificate(m[0])) : [parseCertificate(r as Buffer)];
  });
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { updateMetadata: false, parseSpeed: Infinity, ignoreEncryption: true });
  } catch (e) {
    return { signatures: [], lastCoversWholeFile: false, valid: false, problems: [{ code: 'pdf-unreadable', message: `Không đọc được tệp PDF: ${(e as Error).message}` }] };
  }
  const found = findSignatures(doc).map((f) => verifyOne(pdf, f, roots));
  found.sort((x, y) => x.revisionLength - y.revisionLength);
  const signatures = found.map((s, index) => ({ index, ...s }));
  const problems: Problem[] = [];
  if (signatures.length === 0) problems.push({ code: 'unsigned', message: 'Văn bản không có chữ ký số' });
  const last = signatures[signatures.length - 1];
  const lastCoversWholeFile = !!last && last.coversWholeFile;
  if (last && !lastCoversWholeFile) problems.push({ code: 'modified-after-signing', message: 'Văn bản có nội dung được thêm vào sau chữ ký cuối cùng' });
  return { signatures, lastCoversWholeFile, valid: problems.length === 0 && signatures.every((s) => s.valid), problems };
}

/** The bytes a signature signed: the document as it was when that signature was made. */
export function signedRevision(pdf: Buffer, signature: Pick<VerifiedSignature, 'revisionLength'>): Buffer {
  if (!(signature.revisionLength > 0 && signature.revisionLength <= pdf.length)) throw new RangeError('signature has no valid revision');
  return pdf.subarray(0, signature.revisionLength);
}

