/**
 * The certificate-file signer refuses every unusable PKCS#12 with its own code and a Vietnamese
 * message, and accepts a usable one; an ECDSA P-256 key signs a letter pdfsig accepts.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { createKeySigner, openCertificateFile } from '../../../src/signing/certificate-file';
import { signPdf } from '../../../src/signing/pades';
import { verifyPdfSignatures } from '../../../src/signing/verify';
import { AGENCY_NAME, demoPki, LEADER_NAME, letterPdf, pdfsig, requirePoppler, SIGNING_TIME, type Pki } from './support';

type Coded = Error & { code?: string; status?: number };
const withCode = (code: string, message?: RegExp | string) => (e: Coded) => {
  assert.equal(e.code, code, `expected error code ${code}, got ${e.code}: ${e.message}`);
  if (typeof message === 'string') assert.equal(e.message, message);
  else if (message) assert.match(e.message, message);
  return true;
};

describe('signing: certificate file (PKCS#12) signer', function () {
  this.timeout(120_000);
  let pki: Pki;
  before(async () => {
    pki = await demoPki();
  });

  it('opens the leader’s and the agency’s files and names who they belong to', () => {
    const leader = openCertificateFile(pki.leader.p12, pki.leader.password, { now: SIGNING_TIME, expected: { commonName: LEADER_NAME, organization: AGENCY_NAME } });
    assert.equal(leader.certificate.subject.CN?.[0], LEADER_NAME);
    assert.match(leader.certificate.subjectText, /OU=DEMO — không có giá trị pháp lý/, 'a demo certificate says so in its subject');
    const agency = openCertificateFile(pki.agency.p12, pki.agency.password, { now: SIGNING_TIME, expected: { organization: AGENCY_NAME } });
    assert.equal(agency.certificate.subject.O?.[0], AGENCY_NAME);
  });

  it('a wrong password', () => {
    assert.throws(() => openCertificateFile(pki.leader.p12, 'sai-mat-khau', { now: SIGNING_TIME }), withCode('p12-wrong-password', 'Mật khẩu của tệp chứng thư số không đúng'));
  });

  it('a file opened before is checked again on every opening: password, validity at that time, subject', async () => {
    // Opening decrypts the file once per process (the watcher signs every letter with the same file);
    // what was decrypted must never stand in for the checks of a later opening.
    const file = await pki.ca.issueLeader({ name: LEADER_NAME, agencyName: AGENCY_NAME }, { password: 'p', notAfter: new Date('2026-06-30T16:59:59Z') });
    assert.doesNotThrow(() => openCertificateFile(file.p12, 'p', { now: SIGNING_TIME, expected: { commonName: LEADER_NAME } }), 'the right password opens it');
    assert.throws(() => openCertificateFile(file.p12, 'sai-mat-khau', { now: SIGNING_TIME }), withCode('p12-wrong-password'), 'a wrong password is refused even after the right one opened the file');
    assert.throws(() => openCertificateFile(file.p12, 'p', { now: new Date('2026-07-01T00:00:00Z') }), withCode('certificate-expired'), 'validity is checked at each opening’s own time');
    assert.throws(() => openCertificateFile(file.p12, 'p', { now: SIGNING_TIME, expected: { commonName: 'Nguyễn Văn Bình' } }), withCode('certificate-subject-mismatch'), 'the subject is checked at each opening');
    const first = openCertificateFile(file.p12, 'p', { now: SIGNING_TIME });
    const again = openCertificateFile(file.p12, 'p', { now: SIGNING_TIME });
    assert.deepEqual(await again.certificateChain(), await first.certificateChain(), 'the same file gives the same chain');
  });

  it('a file that is not PKCS#12', () => {
    assert.throws(() => openCertificateFile(Buffer.from('%PDF-1.4 not a certificate'), 'x', { now: SIGNING_TIME }), withCode('p12-unreadable', /không phải tệp PKCS#12/));
  });

  it('an expired certificate and one not yet valid', async () => {
    const expired = await pki.ca.issueLeader({ name: LEADER_NAME, agencyName: AGENCY_NAME }, { password: 'p', notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2025-12-31T16:59:59Z') });
    assert.throws(() => openCertificateFile(expired.p12, 'p', { now: SIGNING_TIME }), withCode('certificate-expired', 'Chứng thư số đã hết hạn ngày 31/12/2025'));
    const future = await pki.ca.issueLeader({ name: LEADER_NAME, agencyName: AGENCY_NAME }, { password: 'p', notBefore: new Date('2026-04-01T00:00:00Z') });
    assert.throws(() => openCertificateFile(future.p12, 'p', { now: SIGNING_TIME }), withCode('certificate-not-yet-valid', 'Chứng thư số chưa có hiệu lực (từ ngày 01/04/2026)'));
  });

  it('a certificate of someone else: the subject CN/O must match, ignoring case, spacing and Unicode form only', () => {
    const open = (expected: { commonName?: string; organization?: string }) => () => openCertificateFile(pki.leader.p12, pki.leader.password, { now: SIGNING_TIME, expected });
    assert.throws(open({ commonName: 'Nguyễn Văn Bình' }), withCode('certificate-subject-mismatch', `Chứng thư số không thuộc người/cơ quan ký: tên (CN) là "${LEADER_NAME}", cần "Nguyễn Văn Bình"`));
    assert.throws(open({ organization: 'Sở Xây dựng thành phố Cần Thơ' }), withCode('certificate-subject-mismatch', /cơ quan \(O\) là "Trung tâm Phục vụ hành chính công thành phố Cần Thơ"/));
    assert.throws(open({ organization: 'Trung tâm Phục vụ hành chính công' }), withCode('certificate-subject-mismatch'), 'a part of the name is not the name');
    assert.doesNotThrow(open({ commonName: '  trần   THỊ bích ngọc '.normalize('NFD'), organization: AGENCY_NAME.toUpperCase() }), 'case, spaces and decomposed diacritics do not matter');
  });

  it('a file with the certificate but no private key', () => {
    const certs = pki.leader.chain.map((der) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary'))));
    const p12 = Buffer.from(forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(null, certs, 'p', { algorithm: '3des' })).getBytes(), 'binary');
    assert.throws(() => openCertificateFile(p12, 'p', { now: SIGNING_TIME }), withCode('p12-no-private-key', /không chứa khóa bí mật/));
  });

  it('a key too weak (RSA 1024)', async () => {
    const weak = await pki.ca.issueLeader({ name: LEADER_NAME, agencyName: AGENCY_NAME }, { password: 'p', rsaBits: 1024 });
    assert.throws(() => openCertificateFile(weak.p12, 'p', { now: SIGNING_TIME }), withCode('key-too-weak', 'Khóa RSA 1024 bit quá yếu (tối thiểu 2048 bit)'));
  });

  it('a key that belongs to no certificate of the chain', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.throws(() => createKeySigner(other, pki.leader.chain, { now: SIGNING_TIME }), withCode('key-certificate-mismatch'));
  });

  describe('ECDSA P-256', () => {
    before(function () {
      requirePoppler(this);
    });
    it('signs a letter that pdfsig and our verifier accept', async () => {
      const ec = await pki.ca.issueLeader({ name: LEADER_NAME, agencyName: AGENCY_NAME }, { password: 'p', keyType: 'ec' });
      const signer = createKeySigner(ec.privateKey, ec.chain, { now: SIGNING_TIME });
      assert.deepEqual(signer.certificate.key, { type: 'ec', curve: 'prime256v1' });
      const signed = await signPdf(await letterPdf(), signer, { signingTime: SIGNING_TIME });
      const report = pdfsig(signed);
      assert.ok(report.signatures.length === 1 && report.signatures[0].valid, report.output);
      assert.ok((await verifyPdfSignatures(signed, { trustedRoots: [pki.ca.certificate] })).valid, 'our verifier accepts the ECDSA signature');
    });
  });
});
