/**
 * The two signature layers on a real letter printed by the project's renderer, checked by
 * poppler's pdfsig (an independent verifier) and by our own verifier, which must agree with it.
 */
import assert from 'node:assert/strict';
import { PDFDocument } from 'pdf-lib';
import { openCertificateFile, type KeySigner } from '../../../src/signing/certificate-file';
import { demoSealPng, demoSignaturePng } from '../../../src/signing/demo-images';
import { agencySignature, agencyTextRect, leaderSignature, sealRect, MM } from '../../../src/signing/layers';
import { completeSignature, parsePrepared, prepareSignature, serializePrepared, signPdf } from '../../../src/signing/pades';
import { verifyPdfSignatures } from '../../../src/signing/verify';
import { AGENCY_NAME, demoPki, LEADER_NAME, letterPdf, pdfsig, requirePoppler, SIGNING_TIME, signatureBlock, words, type Pki } from './support';

describe('signing: PAdES signatures on a letter (pdfsig as the independent verifier)', function () {
  this.timeout(120_000);
  let pdf: Buffer;
  let pki: Pki;
  let leader: KeySigner;
  let agency: KeySigner;
  let block: [number, number, number, number];

  before(async function () {
    requirePoppler(this);
    [pdf, pki] = await Promise.all([letterPdf(), demoPki()]);
    leader = openCertificateFile(pki.leader.p12, pki.leader.password, { now: SIGNING_TIME, expected: { commonName: LEADER_NAME } });
    agency = openCertificateFile(pki.agency.p12, pki.agency.password, { now: SIGNING_TIME, expected: { organization: AGENCY_NAME } });
    block = signatureBlock(pdf);
  });

  async function twoLayers(source: Buffer, images: boolean): Promise<{ first: Buffer; second: Buffer }> {
    const first = await signPdf(source, leader, {
      signingTime: SIGNING_TIME,
      ...leaderSignature({ page: 0, rect: block, name: LEADER_NAME, agencyName: AGENCY_NAME, signatureImage: images ? demoSignaturePng() : null, signingTime: SIGNING_TIME, location: 'Cần Thơ' }),
    });
    const later = new Date(SIGNING_TIME.getTime() + 60_000);
    const second = await signPdf(first, agency, {
      signingTime: later,
      ...agencySignature({ page: 0, rect: images ? sealRect(block) : agencyTextRect(594.96, 841.92), agencyName: AGENCY_NAME, sealImage: images ? demoSealPng() : null, signingTime: later, location: 'Cần Thơ' }),
    });
    return { first, second };
  }

  for (const images of [true, false]) {
    it(`${images ? 'blue signature and red seal images' : 'text appearances'}: pdfsig finds two valid signatures, the last one covering the whole file`, async () => {
      const { first, second } = await twoLayers(pdf, images);
      assert.ok(first.subarray(0, pdf.length).equals(pdf), 'the first signature must only append to the letter (incremental update)');
      assert.ok(second.subarray(0, first.length).equals(first), 'the second signature must only append to the once-signed file');

      const report = pdfsig(second);
      assert.equal(report.signatures.length, 2, `pdfsig must list 2 signatures:\n${report.output}`);
      const [s1, s2] = report.signatures;
      assert.ok(s1.valid && s2.valid, `both signatures must be valid for pdfsig (the second must not break the first):\n${report.output}`);
      assert.equal(s1.commonName, LEADER_NAME, `signature 1 is the leader's:\n${s1.raw}`);
      assert.equal(s2.commonName, AGENCY_NAME, `signature 2 is the agency's:\n${s2.raw}`);
      assert.ok(!s1.totalDocumentSigned && s2.totalDocumentSigned, `only the last signature covers the total document:\n${report.output}`);
      assert.match(s1.raw, /Signature Type: ETSI\.CAdES\.detached/);
      assert.match(s1.raw, /Signing Hash Algorithm: SHA-256/);

      const ours = await verifyPdfSignatures(second, { trustedRoots: [pki.ca.certificate] });
      assert.deepEqual(
        ours.signatures.map((s) => [s.fieldName, s.signer?.commonName, s.valid]),
        [
          ['ChuKyLanhDao', LEADER_NAME, true],
          ['ChuKyCoQuan', AGENCY_NAME, true],
        ],
        `our verifier must agree with pdfsig: ${JSON.stringify(ours.signatures.map((s) => s.problems))}`,
      );
      assert.ok(ours.valid && ours.lastCoversWholeFile, 'the document as a whole verifies');
      assert.equal(ours.signatures[1].signer?.serialNumber, agency.certificate.serialNumber, 'the verifier reports which certificate (serial) signed');
      assert.equal(ours.signatures[0].signingTime?.toISOString(), SIGNING_TIME.toISOString(), 'the signing time is the one signed');
    });
  }

  it('signing moves nothing on the page: every word of the letter keeps its place (pdftotext -bbox)', async () => {
    for (const images of [true, false]) {
      const { second } = await twoLayers(pdf, images);
      const before = words(pdf).words;
      const after = words(second).words;
      const missing = before.filter((w) => !after.some((a) => a.text === w.text && Math.abs(a.xMin - w.xMin) < 0.01 && Math.abs(a.yMin - w.yMin) < 0.01));
      assert.deepEqual(missing, [], `words of the letter moved or vanished after signing (${images ? 'images' : 'text'})`);
      const extra = after.filter((a) => !before.some((w) => a.text === w.text && Math.abs(a.xMin - w.xMin) < 0.01 && Math.abs(a.yMin - w.yMin) < 0.01)).map((w) => w.text);
      if (images) assert.deepEqual(extra, [], 'image appearances add no text');
      else {
        // The two appearances overlap (the seal's over the signature's left third), so pdftotext
        // interleaves their lines: check the words, each with its diacritics.
        for (const needle of [`Ký bởi: ${LEADER_NAME}`, `Cơ quan: ${AGENCY_NAME}`, 'Thời gian ký: 05.03.2026 09:14:22 +07:00', '09:15:22']) {
          const absent = needle.split(' ').filter((w) => !extra.includes(w));
          assert.deepEqual(absent, [], `the text appearances must show "${needle}" (pdftotext read: ${extra.join(' ')})`);
        }
      }
    }
  });

  it('one changed byte makes both pdfsig and our verifier fail', async () => {
    const { second } = await twoLayers(pdf, true);
    const producer = second.indexOf('Skia/PDF');
    assert.ok(producer > 0, 'the letter names its producer (Skia/PDF)');
    const tampered = Buffer.from(second);
    tampered[producer] = 'X'.charCodeAt(0);
    const report = pdfsig(tampered);
    assert.equal(report.signatures.length, 2, report.output);
    assert.ok(report.signatures.every((s) => !s.valid), `pdfsig must call both signatures invalid after the change:\n${report.output}`);
    const ours = await verifyPdfSignatures(tampered, { trustedRoots: [pki.ca.certificate] });
    assert.ok(!ours.valid, 'our verifier must refuse the changed document');
    assert.deepEqual(
      ours.signatures.map((s) => s.problems.map((p) => p.code)),
      [['digest-mismatch'], ['digest-mismatch']],
      'each signature reports that the content changed',
    );
    assert.equal(ours.signatures[0].problems[0].message, 'Nội dung văn bản đã bị thay đổi sau khi ký (giá trị băm không khớp)');

    // A changed byte inside the agency's signature value (the end of its CMS, before the zero padding).
    const cms = Buffer.from(second);
    const [, b, c] = ours.signatures[1].byteRange;
    const cmsHexEnd = b + 1 + cms.toString('latin1', b + 1, c - 1).replace(/0+$/, '').length;
    cms[cmsHexEnd - 10] = cms[cmsHexEnd - 10] === 0x41 ? 0x42 : 0x41;
    assert.ok(!pdfsig(cms).signatures[1].valid, 'pdfsig: a changed signature value is invalid');
    const ours2 = await verifyPdfSignatures(cms, { trustedRoots: [pki.ca.certificate] });
    assert.ok(ours2.signatures[0].valid && !ours2.signatures[1].valid, 'ours: the first stays valid, the changed one is not');
    assert.deepEqual(ours2.signatures[1].problems.map((p) => p.code), ['signature-invalid']);
  });

  it('a PDF with a cross-reference stream and object streams (not Chromium-made) is signed twice too', async () => {
    const doc = await PDFDocument.load(pdf);
    const compact = Buffer.from(await doc.save({ useObjectStreams: true }));
    assert.ok(compact.includes('/ObjStm') && compact.includes('/XRef'), 'the fixture uses object streams and an xref stream');
    const { second } = await twoLayers(compact, false);
    assert.ok(second.subarray(0, compact.length).equals(compact), 'the update is appended');
    const tail = second.subarray(compact.length).toString('latin1');
    assert.match(tail, /\/Type \/XRef/, 'after an xref stream, the update writes an xref stream too');
    const report = pdfsig(second);
    assert.deepEqual(
      report.signatures.map((s) => [s.valid, s.totalDocumentSigned]),
      [
        [true, false],
        [true, true],
      ],
      report.output,
    );
    assert.ok((await verifyPdfSignatures(second, { trustedRoots: [pki.ca.certificate] })).valid, 'our verifier agrees');
  });

  it('an invisible signature (no placement) is valid and draws nothing', async () => {
    const signed = await signPdf(pdf, agency, { signingTime: SIGNING_TIME, info: { name: AGENCY_NAME } });
    const report = pdfsig(signed);
    assert.ok(report.signatures.length === 1 && report.signatures[0].valid && report.signatures[0].totalDocumentSigned, report.output);
  });

  it('prepare / store / complete: the prepared state survives JSON and completes to the same file as signing at once', async () => {
    const field = leaderSignature({ page: 0, rect: block, name: LEADER_NAME, signatureImage: demoSignaturePng(), signingTime: SIGNING_TIME });
    const chain = await leader.certificateChain();
    const prepared = await prepareSignature(pdf, { ...field, signingTime: SIGNING_TIME, certificateChain: chain });
    const stored = parsePrepared(serializePrepared(prepared));
    const signature = await leader.signDigest({ digest: stored.digest, signedAttributes: stored.signedAttributes });
    const later = completeSignature(stored, signature);
    const atOnce = await signPdf(pdf, leader, { ...field, signingTime: SIGNING_TIME });
    assert.ok(later.equals(atOnce), 'two-phase signing gives byte for byte the file that one-step signing gives (RSA PKCS#1 v1.5 is deterministic)');
    assert.equal(later.length, prepared.pdf.length, 'completing only fills the placeholder');
  });

  it('completing refuses a signature value that does not belong to the certificate, and a damaged prepared state', async () => {
    const prepared = await prepareSignature(pdf, { signingTime: SIGNING_TIME, certificateChain: await leader.certificateChain() });
    const otherKey = await agency.signDigest({ digest: prepared.digest, signedAttributes: prepared.signedAttributes });
    assert.throws(() => completeSignature(prepared, otherKey), (e: Error & { code?: string }) => e.code === 'signature-mismatch' && /không khớp với chứng thư số/.test(e.message));
    const damaged = { ...prepared, pdf: Buffer.from(prepared.pdf) };
    damaged.pdf[10] ^= 1;
    const good = await leader.signDigest({ digest: prepared.digest, signedAttributes: prepared.signedAttributes });
    assert.throws(() => completeSignature(damaged, good), (e: Error & { code?: string }) => e.code === 'prepared-invalid');
  });

  it('refuses a page that does not exist and a rectangle outside the page, with Vietnamese messages', async () => {
    const chain = await leader.certificateChain();
    await assert.rejects(
      prepareSignature(pdf, { signingTime: SIGNING_TIME, certificateChain: chain, placement: { page: 3, rect: [0, 0, 10, 10] }, appearance: { kind: 'text', lines: ['x'] } }),
      (e: Error & { code?: string }) => e.code === 'pdf-page-missing' && e.message === 'Tài liệu không có trang 4 (có 1 trang)',
    );
    await assert.rejects(
      prepareSignature(pdf, { signingTime: SIGNING_TIME, certificateChain: chain, placement: { page: 0, rect: [500, 800, 700, 900] }, appearance: { kind: 'text', lines: ['x'] } }),
      (e: Error & { code?: string }) => e.code === 'pdf-rect-invalid' && /không nằm trong trang/.test(e.message),
    );
  });

  it('refuses to sign the same layer twice (its field exists already)', async () => {
    const field = leaderSignature({ page: 0, rect: block, name: LEADER_NAME, signatureImage: demoSignaturePng(), signingTime: SIGNING_TIME });
    const once = await signPdf(pdf, leader, { ...field, signingTime: SIGNING_TIME });
    await assert.rejects(signPdf(once, leader, { ...field, signingTime: SIGNING_TIME }), (e: Error & { code?: string }) => e.code === 'field-exists' && e.message.includes('"ChuKyLanhDao"'));
  });

  it('the seal is real size and covers the left third of the signature', () => {
    const leaderRect: [number, number, number, number] = [350, 120, 470, 170];
    const seal = sealRect(leaderRect, 36);
    assert.ok(Math.abs(seal[2] - seal[0] - 36 * MM) < 1e-9 && Math.abs(seal[3] - seal[1] - 36 * MM) < 1e-9, 'a 36 mm square');
    assert.equal(seal[2], 350 + 40, 'its right edge is one third into the signature');
    assert.equal((seal[1] + seal[3]) / 2, 145, 'centred vertically on the signature');
  });
});
