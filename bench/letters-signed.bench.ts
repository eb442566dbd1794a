/**
 * Signed letters through the product's own issuing path, next to unsigned letters in the same run.
 *
 *  - unsigned: the issued letter (number and date printed) rendered to PDF, as issuance stores it
 *    for an agency that does not sign (`renderer.render`).
 *  - signed: the letter as the leader approves it (number and date blank, the verification mark
 *    and QR code printed) rendered with its layout located (`renderLocated` with the service's
 *    selectors), the leader's layer (`leaderLayer`: signature image in the block's blank), then
 *    the agency's layer at issuance (`agencyLayer`: seal over the leader's signature, number and
 *    date stamped into their blanks) — both with certificate-file signers opened as the settings
 *    service opens them, and the same prepare / sign / complete steps as LetterSigningService.
 *  - sign only: the two layers alone on PDFs already rendered, one letter after another.
 *
 * Browser warm (both pages of the pool used first), 2 letters at a time (the pool's size). CPU is
 * this process's (process.cpuUsage: the signing work is all here; Chromium's printing is not
 * counted), wall time from performance.now(). The machine's load average is reported beside the
 * figures, since helpers share its 2 cores.
 *
 * Targets: ≥ 40 signed letters/s; signing overhead ≤ 10 ms per letter.
 * Run directly: node --import tsx bench/letters-signed.bench.ts   (BENCH_SIGN_LETTERS, default 120)
 */
import os from 'node:os';
import path from 'node:path';
import { createPdfRenderer } from '../src/documents/pdf';
import { DocumentRenderer } from '../src/documents/renderer';
import type { LetterData } from '../src/documents/types';
import { agencyLayer, leaderLayer, LETTER_SIGNING_SELECTORS, newVerificationCode, verificationMark, type LetterLayout } from '../src/services/signing/letters';
import { completeSignature, createDemoCa, demoSealPng, demoSignaturePng, openCertificateFile, prepareSignature, type ImmediateSigner } from '../src/signing';
import { sampleLetters } from './documents.bench';
import { measure } from './support/cpu';
import { printFigures } from './support/standalone';

const TEMPLATES_DIR = path.resolve(__dirname, '../templates');
const LETTERS = Number(process.env.BENCH_SIGN_LETTERS ?? 120);
const CONCURRENCY = 2;
const NOW = new Date('2026-03-05T02:14:22Z');
const AGENCY = { name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ', placeName: 'Cần Thơ' };
const LEADER = 'Trần Thị Bích Ngọc';


const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export async function benchLettersSigned(): Promise<Record<string, number | string>> {
  const ca = await createDemoCa({ now: NOW });
  const [agencyFile, leaderFile] = await Promise.all([
    ca.issueAgency(AGENCY.name, { password: 'a' }),
    ca.issueLeader({ name: LEADER, agencyName: AGENCY.name }, { password: 'l' }),
  ]);
  const agencySigner: ImmediateSigner = openCertificateFile(agencyFile.p12, 'a', { now: NOW, expected: { organization: AGENCY.name } });
  const leaderSigner: ImmediateSigner = openCertificateFile(leaderFile.p12, 'l', { now: NOW, expected: { commonName: LEADER } });
  const [leaderChain, agencyChain] = await Promise.all([leaderSigner.certificateChain(), agencySigner.certificateChain()]);
  const image = demoSignaturePng();
  const seal = demoSealPng();

  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  const letters = sampleLetters(50);
  const blank = '\u00a0'.repeat(10);
  // What issuance prints for an agency that does not sign, and what the leader signs.
  const issuedHtml = letters.map((d) => renderer.renderLetter('TTPVHCC', d).html);
  const leaderHtml = await Promise.all(
    letters.map(async (d: LetterData) =>
      renderer.renderLetter('TTPVHCC', {
        ...d,
        issuer: { ...d.issuer, letterNumber: `${blank}/PXL-TTPVHCC` },
        placeDateLine: `Cần Thơ, ngày${blank}tháng${blank}năm 2026`,
        verification: await verificationMark('https://henlai.cantho.gov.vn', newVerificationCode()),
      }).html,
    ),
  );

  /** The two layers of LetterSigningService.signLeader and sealAtIssue, certificate files. */
  const signBoth = async (unsigned: Buffer, layout: LetterLayout, i: number): Promise<Buffer> => {
    const first = await prepareSignature(unsigned, { ...leaderLayer(layout, { name: LEADER, agency: AGENCY, image, now: NOW }), certificateChain: leaderChain });
    const leaderSigned = completeSignature(first, await leaderSigner.signDigest(first));
    const issued = { numberLine: `Số: ${(i % 99) + 1}/PXL-TTPVHCC`, placeDateLine: 'Cần Thơ, ngày 05 tháng 3 năm 2026' };
    const second = await prepareSignature(leaderSigned, { ...agencyLayer(layout, { agency: AGENCY, seal, now: NOW, issued }), certificateChain: agencyChain });
    return completeSignature(second, await agencySigner.signDigest(second));
  };
  const pdf = createPdfRenderer({ concurrency: CONCURRENCY });
  const renderLocated = pdf.renderLocated;
  if (!renderLocated) throw new Error('the PDF renderer does not locate the signature block');
  const located = (html: string) => renderLocated(html, LETTER_SIGNING_SELECTORS);
  const layoutOf = (boxes: Array<LetterLayout['number'] | null>): LetterLayout => {
    const [number, date, leader] = boxes;
    if (!number || !date || !leader) throw new Error('the letter template has no room for the number, date or signature');
    return { number, date, leader };
  };

  try {
    // Warm: both pages of the pool, both render paths, the signing code and keys.
    await Promise.all([0, 1].map((i) => pdf.render(issuedHtml[i])));
    const warm = await Promise.all([0, 1].map((i) => located(leaderHtml[i])));
    for (const [i, w] of warm.entries()) await signBoth(w.pdf, layoutOf(w.boxes), i);

    const unsigned = await measure(LETTERS, CONCURRENCY, (i) => pdf.render(issuedHtml[i % issuedHtml.length]));
    let bytes = 0;
    const signed = await measure(LETTERS, CONCURRENCY, async (i) => {
      const r = await located(leaderHtml[i % leaderHtml.length]);
      bytes = (await signBoth(r.pdf, layoutOf(r.boxes), i)).length;
    });
    const printed = await Promise.all(leaderHtml.slice(0, 10).map((h) => located(h)));
    const signOnly = await measure(LETTERS, 1, (i) => {
      const r = printed[i % printed.length];
      return signBoth(r.pdf, layoutOf(r.boxes), i);
    });

    const [load1, load5] = os.loadavg();
    return {
      unsigned_per_s: round(LETTERS / (unsigned.ms / 1000), 1),
      signed_per_s: round(LETTERS / (signed.ms / 1000), 1),
      signed_ratio: round(unsigned.ms / signed.ms),
      overhead_ms_per_letter: round((signed.ms - unsigned.ms) / LETTERS),
      overhead_cpu_ms_per_letter: round((signed.cpuMs - unsigned.cpuMs) / LETTERS),
      sign_ms_per_letter: round(signOnly.ms / LETTERS),
      sign_cpu_ms_per_letter: round(signOnly.cpuMs / LETTERS),
      unsigned_cpu_ms_per_letter: round(unsigned.cpuMs / LETTERS),
      signed_cpu_ms_per_letter: round(signed.cpuMs / LETTERS),
      unsigned_cpu_with_chromium_ms_per_letter: unsigned.treeMs === null ? 'n/a' : round(unsigned.treeMs / LETTERS, 1),
      signed_cpu_with_chromium_ms_per_letter: signed.treeMs === null ? 'n/a' : round(signed.treeMs / LETTERS, 1),
      signed_pdf_kb: Math.round(bytes / 1024),
      load_1m: round(load1),
      load_5m: round(load5),
      cpus: os.cpus().length,
    };
  } finally {
    await pdf.close();
  }
}

if (require.main === module) printFigures(benchLettersSigned);
