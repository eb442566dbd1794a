/**
 * Documents: apology letters rendered to HTML per second through DocumentRenderer.renderLetter
 * (data check, NFC, strict template, cache check of every template file), against the bare
 * compiled template run on the same data — their ratio is the pipeline's overhead — and PDFs
 * per second with the browser warm, at concurrency 1–4 (best reported).
 *
 * Targets: ≥ 5,000 letters/s to HTML; ≥ 40 PDFs/s on the 2-core machine.
 * Run directly: node --import tsx bench/documents.bench.ts
 */
import path from 'node:path';
import { createPdfRenderer } from '../src/documents/pdf';
import { DocumentRenderer } from '../src/documents/renderer';
import type { LetterData } from '../src/documents/types';
import { printFigures } from './support/standalone';

const TEMPLATES_DIR = path.resolve(__dirname, '../templates');
const HTML_SECONDS = 2;
const PDF_COUNT = 120;
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Hoàng', 'Võ', 'Đặng', 'Bùi', 'Đỗ'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Thanh', 'Hữu', 'Đức', 'Thu'];
const GIVEN = ['An', 'Bình', 'Châu', 'Dũng', 'Hạnh', 'Khoa', 'Linh', 'Phương', 'Quân', 'Tuyết'];

/** Letters that differ in name, code and dates, so nothing is measured on one cached string. */
export function sampleLetters(n: number): LetterData[] {
  const out: LetterData[] = [];
  for (let i = 0; i < n; i++) {
    const day = 1 + (i % 28);
    const dd = String(day).padStart(2, '0');
    out.push({
      form: i % 5 === 0 ? 'tt01-2018' : 'tt03-2025',
      issuer: { parentName: 'Ủy ban nhân dân thành phố Cần Thơ', name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ', letterNumber: `${String((i % 99) + 1).padStart(2, '0')}/PXL-TTPVHCC` },
      placeDateLine: `Cần Thơ, ngày ${dd} tháng 3 năm 2026`,
      addressee: {
        salutation: 'Ông/Bà',
        name: `${FAMILY[i % 10]} ${MIDDLE[i % 8]} ${GIVEN[(i * 7) % 10]}`,
        address: `${(i % 200) + 1} đường 30 Tháng 4, phường Ninh Kiều, thành phố Cần Thơ`,
        phone: `09${String(10_000_000 + i).slice(-8)}`,
        onBehalfOf: i % 7 === 0 ? 'Công ty TNHH Xây dựng Hoàng Long' : null,
      },
      dossier: {
        code: `H13.01-2602${dd}-${String(i).padStart(4, '0')}`,
        procedureName: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
        acceptedAt: `09 giờ 30 phút, ngày ${dd} tháng 02 năm 2026`,
        originalDue: `ngày ${dd} tháng 3 năm 2026`,
      },
      delay: {
        responsibleUnit: 'Sở Xây dựng thành phố Cần Thơ',
        reason: 'Cần lấy ý kiến thẩm định bổ sung của cơ quan quản lý đê điều',
        newDue: `ngày ${dd} tháng 4 năm 2026`,
        returnPlace: 'Bộ phận Một cửa, số 2 Hòa Bình, phường Ninh Kiều',
      },
      signature: { onBehalf: 'KT. GIÁM ĐỐC', title: 'PHÓ GIÁM ĐỐC', name: 'Trần Thị Bích Ngọc' },
      recipients: ['Văn phòng UBND thành phố (để b/c)', 'Sở Xây dựng'],
      archive: 'TTPVHCC',
    });
  }
  return out;
}

/** Calls `fn(i)` for about `seconds` seconds (after a warm-up); returns calls per second. */
function perSecond(seconds: number, fn: (i: number) => void): number {
  for (let i = 0; i < 2_000; i++) fn(i);
  let i = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let k = 0; k < 500; k++) fn(i++);
    elapsed = process.hrtime.bigint() - start;
  }
  return i / (Number(elapsed) / 1e9);
}

export async function benchDocuments(): Promise<Record<string, number | string>> {
  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  const letters = sampleLetters(1_000);
  const n = letters.length;

  let sink = 0;
  const htmlPerS = perSecond(HTML_SECONDS, (i) => {
    sink += renderer.renderLetter('TTPVHCC', letters[i % n]).html.length;
  });
  // The bare template gets the same (already NFC) data; one form only, like most letters.
  const bare = { 'tt03-2025': renderer.bareTemplate('TTPVHCC', 'letters/tt03-2025'), 'tt01-2018': renderer.bareTemplate('TTPVHCC', 'letters/tt01-2018') };
  const barePerS = perSecond(HTML_SECONDS, (i) => {
    const d = letters[i % n];
    sink += bare[d.form](d).length;
  });

  const sample = renderer.renderLetter('TTPVHCC', letters[1]).html;
  const figures: Record<string, number | string> = {
    letters_html_per_s: Math.round(htmlPerS),
    bare_template_per_s: Math.round(barePerS),
    pipeline_overhead: Number((barePerS / htmlPerS).toFixed(2)),
    letter_html_kb: Math.round(Buffer.byteLength(sample) / 1024),
  };

  const htmls = letters.slice(0, 50).map((d) => renderer.renderLetter('TTPVHCC', d).html);
  let best = { concurrency: 0, perS: 0 };
  for (const concurrency of [1, 2, 3, 4]) {
    const pdf = createPdfRenderer({ concurrency });
    try {
      const t0 = performance.now();
      const first = await pdf.render(htmls[0]);
      if (concurrency === 1) {
        figures.pdf_first_ms = Math.round(performance.now() - t0);
        figures.pdf_kb = Math.round(first.length / 1024);
      }
      await Promise.all(htmls.slice(0, concurrency * 2).map((h) => pdf.render(h))); // warm every page of the pool
      const start = performance.now();
      await Promise.all(Array.from({ length: PDF_COUNT }, (_, i) => pdf.render(htmls[i % htmls.length])));
      const perS = PDF_COUNT / ((performance.now() - start) / 1000);
      figures[`pdf_per_s_c${concurrency}`] = Number(perS.toFixed(1));
      if (perS > best.perS) best = { concurrency, perS };
    } finally {
      await pdf.close();
    }
  }
  figures.pdf_per_s = Number(best.perS.toFixed(1));
  figures.pdf_best_concurrency = best.concurrency;
  if (sink === 42) process.stderr.write(''); // keep the results alive
  return figures;
}

if (require.main === module) printFigures(benchDocuments);
