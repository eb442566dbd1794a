/**
 * PAdES signatures in two phases, so that a remote signer can take minutes:
 *
 * 1. `prepareSignature(pdf, …)` appends an incremental update with the signature field (a
 *    widget on the given page and rectangle, with its appearance) and a signature dictionary
 *    whose /Contents is a zero-filled placeholder; computes the SHA-256 of the bytes /ByteRange
 *    covers, the CMS signed attributes over it, and the digest to sign. The result is plain data
 *    (`serializePrepared` / `parsePrepared`), to be stored while the signer confirms.
 * 2. `completeSignature(prepared, signatureValue)` checks the value against the certificate and
 *    writes the CMS into the placeholder. No other byte changes, so /ByteRange stays right and
 *    nothing follows the signature: the file ends with the section it signed.
 *
 * `signPdf` does both with an immediate signer.
 */
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFString, type PDFRef } from 'pdf-lib';
import { parseCertificate } from './certificates';
import { buildCms, buildSignedAttributes, signatureKindOf, signatureMatches } from './cms';
import { SigningError } from './errors';
import { addAppearance, addEmptyAppearance, addStampAppearance, type Appearance, type Rect, type Stamp } from './pdf/appearance';
import { IncrementalUpdate, refKey } from './pdf/incremental';
import { findPage, mediaBox } from './pdf/reader';
import { pdfText } from './pdf/text-font';
import type { ImmediateSigner } from './signer';
import { pdfDate } from './time';

export interface SignatureInfo {
  /** /Name: the signer (leader's name, or the agency's name). */
  name?: string;
  /** /Reason, e.g. "Phê duyệt" or "Cơ quan: …; thời gian ký: 2026-03-05T09:14:22+07:00". */
  reason?: string;
  /** /Location, e.g. "Cần Thơ". */
  location?: string;
  contactInfo?: string;
}

export interface SignatureField {
  /** Unique field name; default "Signature<n>". */
  fieldName?: string;
  /** Where the signature shows: 0-based page index and rectangle in PDF points. Omitted: invisible. */
  placement?: { page: number; rect: Rect };
  /** What shows in the rectangle (required with `placement`). */
  appearance?: Appearance;
  info?: SignatureInfo;
}

export interface PrepareOptions extends SignatureField {
  /** DER certificates, signer first (from `signer.certificateChain()`). */
  certificateChain: Buffer[];
  /** The claimed signing time: /M and the signing-time attribute. */
  signingTime: Date;
  /**
   * Put signing-time in the CMS signed attributes (default true). ETSI EN 319 142-1 (PAdES
   * baseline) prefers /M alone; Vietnamese validators and SmartCA integrations expect the
   * attribute, which is what signing.md asks for.
   */
  signingTimeAttribute?: boolean;
  /** Bytes reserved for the CMS (default: chain size + room for a 4096-bit signature). */
  reserveBytes?: number;
  /**
   * Text added to the pages in the same update, so covered by this signature (the agency's
   * signature writes the letter's number and date into the blanks the leader signed).
   */
  stamps?: Stamp[];
}

/** Everything needed to finish the signature later; plain data. */
export interface PreparedSignature {
  /** The PDF with the placeholder (the final file differs only inside /Contents). */
  pdf: Buffer;
  byteRange: [number, number, number, number];
  /** SHA-256 of the ByteRange bytes (the messageDigest attribute). */
  documentDigest: Buffer;
  signedAttributes: Buffer;
  /** SHA-256 of `signedAttributes`: what the signer signs. */
  digest: Buffer;
  certificateChain: Buffer[];
  fieldName: string;
}

const PLACEHOLDER_BYTE_RANGE = '/ByteRange [0 0000000000 0000000000 0000000000]';

function existingFieldNames(fields: PDFArray | undefined, update: IncrementalUpdate): string[] {
  const names: string[] = [];
  const walk = (arr: PDFArray | undefined) => {
    for (const item of arr?.asArray() ?? []) {
      const field = update.context.lookup(item);
      if (!(field instanceof PDFDict)) continue;
      const t = field.lookup(PDFName.of('T'));
      if (t instanceof PDFString || t instanceof PDFHexString) names.push(t.decodeText());
      const kids = field.lookup(PDFName.of('Kids'));
      if (kids instanceof PDFArray) walk(kids);
    }
  };
  walk(fields);
  return names;
}

function signatureDictionary(info: SignatureInfo, signingTime: Date, contentsBytes: number): string {
  const text = (key: string, value: string | undefined) => (value ? `/${key} ${pdfText(value).toString()}\n` : '');
  return (
    '<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.CAdES.detached\n' +
    `${PLACEHOLDER_BYTE_RANGE}\n` +
    `/Contents <${'0'.repeat(contentsBytes * 2)}>\n` +
    `/M (${pdfDate(signingTime)})\n` +
    text('Name', info.name) +
    text('Reason', info.reason) +
    text('Location', info.location) +
    text('ContactInfo', info.contactInfo) +
    '/Prop_Build << /App << /Name /Hen#20Lai >> >>\n>>'
  );
}

function checkRect(rect: Rect, mediaBox: { x: number; y: number; width: number; height: number }): void {
  const [x1, y1, x2, y2] = rect;
  const ok =
    rect.length === 4 &&
    rect.every(Number.isFinite) &&
    x2 > x1 &&
    y2 > y1 &&
    x1 >= mediaBox.x - 0.5 &&
    y1 >= mediaBox.y - 0.5 &&
    x2 <= mediaBox.x + mediaBox.width + 0.5 &&
    y2 <= mediaBox.y + mediaBox.height + 0.5;
  if (!ok) throw new SigningError('pdf-rect-invalid', `Vị trí chữ ký [${rect.join(', ')}] không nằm trong trang (${mediaBox.width} × ${mediaBox.height} pt)`);
}

export async function prepareSignature(pdf: Buffer, options: PrepareOptions): Promise<PreparedSignature> {
  const chain = options.certificateChain;
  if (chain.length === 0) throw new SigningError('p12-no-certificate', 'Thiếu chứng thư số của người ký');
  const signerCert = parseCertificate(chain[0]);
  if (!signatureKindOf(signerCert.publicKey)) throw new SigningError('key-unsupported', 'Khóa của chứng thư số không phải RSA hay ECDSA');

  const update = IncrementalUpdate.open(pdf);
  const { context, catalog, catalogRef } = update;

  // The form: /AcroForm with /Fields and /SigFlags 3 (signatures exist; append only).
  const acroForm = update.editable(catalog, catalogRef, 'AcroForm', () => context.obj({}));
  acroForm.value.set(PDFName.of('SigFlags'), PDFNumber.of(3));
  const fields = update.editable(acroForm.value, acroForm.ref, 'Fields', () => context.obj([])).value;

  const taken = new Set(existingFieldNames(fields, update));
  let fieldName = options.fieldName ?? '';
  if (!fieldName) for (let i = 1; !fieldName || taken.has(fieldName); i++) fieldName = `Signature${i}`;
  if (taken.has(fieldName)) throw new SigningError('field-exists', `Văn bản đã có trường chữ ký "${fieldName}" (đã ký lớp này rồi?)`);

  // The widget (merged with its field) on the page.
  const placement = options.placement;
  const pageIndex = placement?.page ?? 0;
  const page = findPage(context, catalog, Number.isInteger(pageIndex) ? pageIndex : -1);
  if (!page.ref) throw new SigningError('pdf-page-missing', `Tài liệu không có trang ${pageIndex + 1} (có ${page.count} trang)`);
  let rect: Rect = [0, 0, 0, 0];
  let appearanceRef: PDFRef;
  if (placement) {
    checkRect(placement.rect, mediaBox(page.node));
    if (!options.appearance) throw new SigningError('prepared-invalid', 'Chữ ký hiển thị cần hình ảnh hoặc dòng chữ (appearance)');
    rect = placement.rect;
    appearanceRef = await addAppearance(update, options.appearance, rect[2] - rect[0], rect[3] - rect[1]);
  } else {
    appearanceRef = addEmptyAppearance(update);
  }

  const reserve = options.reserveBytes ?? chain.reduce((s, c) => s + c.length, 0) + 512 + 2048;
  const sigRef = update.reserve();
  const sigBody = Buffer.from(signatureDictionary(options.info ?? {}, options.signingTime, reserve), 'latin1');
  update.setRaw(sigRef, sigBody);
  const widget = context.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    T: pdfText(fieldName),
    V: sigRef,
    F: placement ? 4 : 132, // print; invisible ones also hidden
    P: page.ref,
    Rect: rect,
    AP: { N: appearanceRef },
  });
  const widgetRef = update.add(widget);
  fields.push(widgetRef);
  update.editable(page.node, page.ref, 'Annots', () => context.obj([])).value.push(widgetRef);

  for (const stamp of options.stamps ?? []) {
    const target = findPage(context, catalog, stamp.page);
    if (!target.ref) throw new SigningError('pdf-page-missing', `Tài liệu không có trang ${stamp.page + 1} (có ${target.count} trang)`);
    checkRect(stamp.rect, mediaBox(target.node));
    const annotation = context.obj({
      Type: 'Annot',
      Subtype: 'Stamp',
      Rect: stamp.rect,
      F: 4 + 128, // print, locked
      P: target.ref,
      Contents: pdfText(stamp.text),
      AP: { N: await addStampAppearance(update, stamp) },
    });
    update.editable(target.node, target.ref, 'Annots', () => context.obj([])).value.push(update.add(annotation));
  }

  const { bytes, rawOffsets } = update.write();

  // Fill /ByteRange: everything but the hex string of /Contents, '<' and '>' included.
  const sigAt = rawOffsets.get(refKey(sigRef))!;
  const brAt = sigAt + sigBody.indexOf(PLACEHOLDER_BYTE_RANGE);
  const contentsStart = sigAt + sigBody.indexOf('/Contents <') + '/Contents '.length;
  const contentsEnd = contentsStart + reserve * 2 + 2;
  const byteRange: [number, number, number, number] = [0, contentsStart, contentsEnd, bytes.length - contentsEnd];
  const filled = `/ByteRange [${byteRange.join(' ')}`.padEnd(PLACEHOLDER_BYTE_RANGE.length - 1, ' ') + ']';
  bytes.write(filled, brAt, 'latin1');

  const documentDigest = createHash('sha256').update(bytes.subarray(0, contentsStart)).update(bytes.subarray(contentsEnd)).digest();
  const signedAttributes = buildSignedAttributes({
    documentDigest,
    signerCertificate: chain[0],
    signingTime: options.signingTimeAttribute === false ? undefined : options.signingTime,
  });
  return {
    pdf: bytes,
    byteRange,
    documentDigest,
    signedAttributes,
    digest: createHash('sha256').update(signedAttributes).digest(),
    certificateChain: chain,
    fieldName,
  };
}

/**
 * Embeds the signature value. Refuses a value that does not verify with the signer's
 * certificate (a wrong key, a corrupted answer, a forged callback) and a prepared state whose
 * bytes no longer match its digest (damaged in storage).
 */
export function completeSignature(prepared: PreparedSignature, signature: Buffer): Buffer {
  const { pdf, byteRange } = prepared;
  const [, start, end, tail] = byteRange;
  if (end + tail !== pdf.length || pdf[start] !== 0x3c || pdf[end - 1] !== 0x3e) {
    throw new SigningError('prepared-invalid', 'Dữ liệu ký đã chuẩn bị bị hỏng (vị trí chữ ký không khớp tệp)');
  }
  const digest = createHash('sha256').update(pdf.subarray(0, start)).update(pdf.subarray(end)).digest();
  if (!digest.equals(prepared.documentDigest)) throw new SigningError('prepared-invalid', 'Dữ liệu ký đã chuẩn bị bị hỏng (nội dung tệp đã thay đổi)');
  const signer = parseCertificate(prepared.certificateChain[0]);
  if (!signatureMatches(prepared.signedAttributes, signature, signer.publicKey)) {
    throw new SigningError('signature-mismatch', `Giá trị chữ ký nhận được không khớp với chứng thư số của "${signer.subject.CN?.[0] ?? signer.subjectText}"`);
  }
  const cms = buildCms({ signedAttributes: prepared.signedAttributes, signature, certificateChain: prepared.certificateChain });
  const room = (end - start - 2) / 2;
  if (cms.length > room) throw new SigningError('signature-too-large', `Chữ ký (${cms.length} byte) lớn hơn chỗ đã dành (${room} byte)`);
  const out = Buffer.from(pdf);
  out.write(cms.toString('hex').toUpperCase(), start + 1, 'latin1');
  return out;
}

/** The prepared state as JSON text (binary fields in base64), to store while a remote signer confirms. */
export function serializePrepared(p: PreparedSignature): string {
  return JSON.stringify({
    v: 1,
    pdf: p.pdf.toString('base64'),
    byteRange: p.byteRange,
    documentDigest: p.documentDigest.toString('base64'),
    signedAttributes: p.signedAttributes.toString('base64'),
    digest: p.digest.toString('base64'),
    certificateChain: p.certificateChain.map((c) => c.toString('base64')),
    fieldName: p.fieldName,
  });
}

export function parsePrepared(text: string): PreparedSignature {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (o.v !== 1) throw new Error(`version ${String(o.v)}`);
    const b = (k: string) => Buffer.from(String(o[k]), 'base64');
    const byteRange = o.byteRange as number[];
    if (!Array.isArray(byteRange) || byteRange.length !== 4 || !byteRange.every(Number.isInteger)) throw new Error('byteRange');
    return {
      pdf: b('pdf'),
      byteRange: byteRange as [number, number, number, number],
      documentDigest: b('documentDigest'),
      signedAttributes: b('signedAttributes'),
      digest: b('digest'),
      certificateChain: (o.certificateChain as string[]).map((c) => Buffer.from(c, 'base64')),
      fieldName: String(o.fieldName),
    };
  } catch (e) {
    throw new SigningError('prepared-invalid', `Dữ liệu ký đã chuẩn bị không đọc được: ${(e as Error).message}`);
  }
}

/** Prepare, sign with a key at hand, complete. */
export async function signPdf(pdf: Buffer, signer: ImmediateSigner, options: Omit<PrepareOptions, 'certificateChain'>): Promise<Buffer> {
  const prepared = await prepareSignature(pdf, { ...options, certificateChain: await signer.certificateChain() });
  const signature = await signer.signDigest({ digest: prepared.digest, signedAttributes: prepared.signedAttributes });
  return completeSignature(prepared, signature);
}
