/**
 * Signed letters: render (warm Chromium) + the leader's signature + the agency's signature with
 * certificate-file signers, against unsigned PDFs rendered in the same run, and the signing work
 * alone. Each figure comes with CPU milliseconds per letter — this process and its Chromium
 * children, read from /proc — because on a shared machine letters per second depend on the
 * neighbours, while CPU per letter does not much.
 *
 * Targets: ≥ 40 signed letters/s on the 2-core machine; signing overhead ≤ 10 ms per letter.
 * Run directly: node --import tsx bench/signing.bench.ts   (BENCH_SIGN_LETTERS, default 120)
 */
import path from 'node:path';
import { createPdfRenderer } from '../src/documents/pdf';
import { DocumentRenderer } from '../src/documents/renderer';
import { openCertificateFile, type KeySigner } from '../src/signing/certificate-file';
import { createDemoCa } from '../src/signing/demo-ca';
import { demoSealPng, demoSignaturePng } from '../src/signing/demo-images';
import { agencySignature, leaderSignature, sealRect } from '../src/signing/layers';
import { signPdf } from '../src/signing/pades';
import type { Rect } from '../src/signing/pdf/appearance';
import { sampleLetters } from './documents.bench';
import { measure } from './support/cpu';
import { printFigures } from './support/standalone';

const TEMPLATES_DIR = path.resolve(__dirname, '../templates');
const LETTERS = Number(process.env.BENCH_SIGN_LETTERS ?? 120);
const CONCURRENCY = 2;
/** The signature block of the sample letter (between "PHÓ GIÁM ĐỐC" and the name), in points. */
const BLOCK: Rect = [360, 104, 488, 171];
const NOW = new Date('2026-03-05T02:14:22Z');


export async function benchSigning(): Promise<Record<string, number | string>> {
  const ca = await createDemoCa({ now: NOW });
  const agencyName = 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ';
  const [agencyFile, leaderFile] = await Promise.all([
    ca.issueAgency(agencyName, { password: 'a' }),
    ca.issueLeader({ name: 'Trần Thị Bích Ngọc', agencyName }, { password: 'l' }),
  ]);
  const agency: KeySigner = openCertificateFile(agencyFile.p12, 'a', { now: NOW });
  const leader: KeySigner = openCertificateFile(leaderFile.p12, 'l', { now: NOW });
  const signatureImage = demoSignaturePng();
  const sealImage = demoSealPng();
  const sign = async (pdf: Buffer): Promise<Buffer> => {
    const once = await signPdf(pdf, leader, { signingTime: NOW, ...leaderSignature({ page: 0, rect: BLOCK, name: 'Trần Thị Bích Ngọc', signatureImage, signingTime: NOW }) });
    return signPdf(once, agency, { signingTime: NOW, ...agencySignature({ page: 0, rect: sealRect(BLOCK), agencyName, sealImage, signingTime: NOW }) });
  };

  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  const htmls = sampleLetters(50).map((d) => renderer.renderLetter('TTPVHCC', d).html);
  const pdf = createPdfRenderer({ concurrency: CONCURRENCY });
  try {
    // Warm the browser's pages and the signing caches (fonts, images, certificates, JIT).
    const warm = await Promise.all(htmls.slice(0, 4).map((h) => pdf.render(h)));
    for (const w of warm) await sign(w);

    const unsigned = await measure(LETTERS, CONCURRENCY, (i) => pdf.render(htmls[i % htmls.length]));
    let bytes = 0;
    const signed = await measure(LETTERS, CONCURRENCY, async (i) => {
      bytes = (await sign(await pdf.render(htmls[i % htmls.length]))).length;
    });
    // The signing work alone, one letter after another, on PDFs already printed.
    const printed = await Promise.all(htmls.slice(0, 20).map((h) => pdf.render(h)));
    const signOnly = await measure(LETTERS, 1, (i) => sign(printed[i % printed.length]));

    const per = (m: { ms: number }) => m.ms / LETTERS;
    const cpuPer = (m: { treeMs: number | null }) => (m.treeMs === null ? 'n/a' : Number((m.treeMs / LETTERS).toFixed(1)));
    return {
      pdf_per_s: Number((LETTERS / (unsigned.ms / 1000)).toFixed(1)),
      pdf_cpu_ms: cpuPer(unsigned),
      signed_per_s: Number((LETTERS / (signed.ms / 1000)).toFixed(1)),
      signed_cpu_ms: cpuPer(signed),
      sign_ms_per_letter: Number(per(signOnly).toFixed(2)),
      sign_cpu_ms_per_letter: cpuPer(signOnly),
      overhead_ms_per_letter: Number(((signed.ms - unsigned.ms) / LETTERS).toFixed(2)),
      overhead_cpu_ms_per_letter: signed.treeMs === null || unsigned.treeMs === null ? 'n/a' : Number(((signed.treeMs - unsigned.treeMs) / LETTERS).toFixed(1)),
      signed_pdf_kb: Math.round(bytes / 1024),
    };
  } finally {
    await pdf.close();
  }
}

if (require.main === module) printFigures(benchSigning);
