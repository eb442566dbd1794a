/**
 * The verifier on documents as a document-management system could return them: trusted or not,
 * changed after the last signature, signed outside the certificate's validity; and the revision
 * each signature covers, whose text is the letter as drafted.
 */
import assert from 'node:assert/strict';
import { createKeySigner, openCertificateFile, type KeySigner } from '../../../src/signing/certificate-file';
import { createDemoCa } from '../../../src/signing/demo-ca';
import { demoSignaturePng } from '../../../src/signing/demo-images';
import { signPdf } from '../../../src/signing/pades';
import { signedRevision, verifyPdfSignatures } from '../../../src/signing/verify';
import { AGENCY_NAME, demoPki, LEADER_NAME, letterPdf, pdfsig, pdftotextPlain, requirePoppler, SIGNING_TIME, type Pki } from './support';

describe('signing: verifying a signed PDF', function () {
  this.timeout(120_000);
  let pdf: Buffer;
  let pki: Pki;
  let leader: KeySigner;
  let agency: KeySigner;
  let once: Buffer;
  let twice: Buffer;

  before(async function () {
    requirePoppler(this);
    [pdf, pki] = await Promise.all([letterPdf(), demoPki()]);
    leader = openCertificateFile(pki.leader.p12, pki.leader.password, { now: SIGNING_TIME });
    agency = openCertificateFile(pki.agency.p12, pki.agency.password, { now: SIGNING_TIME });
    once = await signPdf(pdf, leader, { signingTime: SIGNING_TIME, placement: { page: 0, rect: [360, 110, 480, 165] }, appearance: { kind: 'image', png: demoSignaturePng() } });
    twice = await signPdf(once, agency, { signingTime: SIGNING_TIME });
  });

  it('reports each signer (subject, serial) and whether the last signature covers the whole file', async () => {
    const r = await verifyPdfSignatures(twice, { trustedRoots: [pki.ca.certificatePem] });
    assert.ok(r.valid, JSON.stringify(r.problems));
    assert.deepEqual(
      r.signatures.map((s) => ({ cn: s.signer?.commonName, o: s.signer?.organization, serial: s.signer?.serialNumber, whole: s.coversWholeFile })),
      [
        { cn: LEADER_NAME, o: AGENCY_NAME, serial: leader.certificate.serialNumber, whole: false },
        { cn: AGENCY_NAME, o: AGENCY_NAME, serial: agency.certificate.serialNumber, whole: true },
      ],
    );
  });

  it('a root that is not trusted: the signatures are intact but not valid, and the reason says why', async () => {
    const stranger = await createDemoCa({ now: SIGNING_TIME, commonName: 'CA lạ' });
    const r = await verifyPdfSignatures(twice, { trustedRoots: [stranger.certificate] });
    assert.ok(!r.valid && r.signatures.every((s) => s.intact && !s.valid));
    assert.deepEqual(r.signatures[0].problems, [{ code: 'chain-untrusted', message: 'Chứng thư gốc "Hẹn Lại Demo CA (DEMO — không có giá trị pháp lý)" không thuộc danh sách CA tin cậy' }]);
  });

  it('anything appended after the last signature is detected, by pdfsig and by us', async () => {
    const appended = Buffer.concat([twice, Buffer.from('1 0 obj\n<< /Title (Đã sửa) >>\nendobj\n', 'utf8')]);
    const report = pdfsig(appended);
    assert.ok(report.signatures.every((s) => s.valid && !s.totalDocumentSigned), `pdfsig: still valid, but no signature covers the whole file:\n${report.output}`);
    const r = await verifyPdfSignatures(appended, { trustedRoots: [pki.ca.certificate] });
    assert.ok(r.signatures.every((s) => s.valid), 'each signature is itself valid');
    assert.ok(!r.lastCoversWholeFile && !r.valid, 'but the document is not');
    assert.deepEqual(r.problems, [{ code: 'modified-after-signing', message: 'Văn bản có nội dung được thêm vào sau chữ ký cuối cùng' }]);
  });

  it('each signature’s revision is the document as it signed it: its text is the drafted letter’s', async () => {
    const r = await verifyPdfSignatures(twice, { trustedRoots: [pki.ca.certificate] });
    const first = signedRevision(twice, r.signatures[0]);
    assert.ok(first.equals(once), 'the leader signed exactly the once-signed file');
    assert.ok(signedRevision(twice, r.signatures[1]).equals(twice), 'the agency signed the whole file');
    const drafted = pdftotextPlain(pdf);
    const signedText = pdftotextPlain(signedRevision(twice, r.signatures[1]));
    for (const line of drafted.split('\n').filter((l) => l.trim())) {
      assert.ok(signedText.includes(line), `the signed revision must contain the drafted line "${line}"`);
    }
  });

  it('a certificate that had expired when it signed is refused, though the signature itself is intact', async () => {
    const shortLived = await pki.ca.issueLeader({ name: LEADER_NAME, agencyName: AGENCY_NAME }, { password: 'p', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-02-28T00:00:00Z') });
    const signer = createKeySigner(shortLived.privateKey, shortLived.chain, { now: new Date('2026-02-01T00:00:00Z') });
    const signed = await signPdf(pdf, signer, { signingTime: SIGNING_TIME });
    assert.ok(pdfsig(signed).signatures[0].valid, 'pdfsig (without certificate checks) finds the signature value right');
    const r = await verifyPdfSignatures(signed, { trustedRoots: [pki.ca.certificate] });
    assert.ok(r.signatures[0].intact && !r.signatures[0].valid);
    assert.equal(r.signatures[0].problems[0].code, 'chain-not-valid-at-time');
    assert.match(r.signatures[0].problems[0].message, /không còn hiệu lực vào thời điểm ký \(hiệu lực 01\/01\/2026–28\/02\/2026\)/);
  });

  it('an unsigned letter has no signature to trust', async () => {
    const r = await verifyPdfSignatures(pdf, { trustedRoots: [pki.ca.certificate] });
    assert.deepEqual(r.signatures, []);
    assert.ok(!r.valid);
    assert.deepEqual(r.problems, [{ code: 'unsigned', message: 'Văn bản không có chữ ký số' }]);
  });
});
