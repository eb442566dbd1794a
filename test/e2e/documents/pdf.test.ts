/**
 * Real PDFs from the shipped templates through headless Chromium (@sparticuz/chromium), read
 * back with pdfjs-dist: A4, selectable text with correct Vietnamese, page numbers from page 2.
 * One browser for the whole file (before/after hooks); generous timeouts for the first launch,
 * which unpacks Chromium into the temp directory.
 */
import assert from 'node:assert/strict';
import { createPdfRenderer, type PooledPdfRenderer } from '../../../src/documents/pdf';
import { DocumentRenderer } from '../../../src/documents/renderer';
import { HOSTILE_NAME, letterData, TEMPLATES_DIR } from '../../documents/fixtures';
import { letterData as apologyLetterData, letterFields } from '../../../src/documents/apology-letter';
import { AGENCIES } from '../../../src/demo/catalogue';
import type { Agency } from '../../../src/db/agencies';
import type { Dossier } from '../../../src/db/dossiers';
import type { Procedure } from '../../../src/db/procedures';
import { flat, pdfPages, pdftotext } from '../../documents/pdf-text';

const MM = 72 / 25.4;

describe('documents: letter PDF (createPdfRenderer)', function () {
  this.timeout(60_000);
  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  let pdf: PooledPdfRenderer;

  before(() => {
    pdf = createPdfRenderer({ concurrency: 2 });
  });
  after(async () => {
    await pdf?.close();
  });

  for (const [form, title] of [
    ['tt03-2025', 'VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT'],
    ['tt01-2018', 'PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ'],
  ] as const) {
    it(`${form}: a real A4 PDF whose text is the letter's Vietnamese`, async () => {
      const data = letterData({ form });
      const bytes = await pdf.render(renderer.renderLetter('TTPVHCC', data).html);
      assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the output must be a PDF file');
      const pages = await pdfPages(bytes);
      assert.equal(pages.length, 1, `the sample letter fits on one page, got ${pages.length}`);
      for (const page of pages) {
        assert.ok(Math.abs(page.width - 595) <= 1 && Math.abs(page.height - 842) <= 1, `every page must be A4 (595 × 842 pt), got ${page.width} × ${page.height}`);
      }
      const text = pages.map((p) => p.text).join(' ');
      for (const [what, needle] of [
        ['the title', title],
        ['the addressee', 'Kính gửi: Ông/Bà Nguyễn Văn An'],
        ['the new date', 'ngày 26 tháng 3 năm 2026'],
        ['the reason', 'Lý do'],
        ['the reason text', flat(data.delay.reason)],
        ['the place-date line', 'Cần Thơ, ngày 05 tháng 3 năm 2026'],
        ['the national title', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'],
        ['the recipients', '- Lưu: VT, TTPVHCC.'],
        ['the signer', 'Trần Thị Bích Ngọc'],
      ] as const) {
        assert.ok(text.includes(needle), `the PDF text (as pdfjs extracts it, NFC) must contain ${what}: "${needle}"\n--- extracted ---\n${text}`);
      }
      const fonts = [...new Set([...bytes.toString('latin1').matchAll(/\/BaseFont\s*\/[A-Z]{6}\+([A-Za-z-]+)/g)].map((m) => m[1]))].sort();
      assert.deepEqual(fonts, ['Tinos-Bold', 'Tinos-BoldItalic', 'Tinos-Italic', 'Tinos-Regular'], 'the PDF must use only the embedded Tinos faces, no system font');
      const poppler = pdftotext(bytes);
      if (poppler !== null) {
        assert.ok(poppler.includes(title) && poppler.includes('ngày 26 tháng 3 năm 2026'), `pdftotext must read the same Vietnamese:\n${poppler}`);
      }
    });
  }

  it('a ward’s letter: dated at the ward, copies in normal case, filed under its drafting unit, the number row intact', async () => {
    const demo = (code: string, id: number) => ({ ...AGENCIES.find((a) => a.code === code), id, createdAt: 0, updatedAt: 0 }) as Agency;
    const ward = demo('NINHKIEU', 1);
    const centre = { ...demo('TTPVHCC', 2), parentName: 'UBND THÀNH PHỐ CẦN THƠ' };
    const at = (iso: string) => new Date(iso).getTime();
    const dossier = {
      id: 1, code: 'H13.NK-260302-0001', applicantKind: 'person', applicantName: 'Nguyễn Văn An', representativeName: null, phone: '+84912345678',
      address: 'phường Ninh Kiều', acceptedAt: at('2026-03-02T08:00:00+07:00'), clockUnit: 'hours', clockAmount: 8,
    } as Dossier;
    const fields = letterFields(dossier, {
      reason: 'Cần xác minh thêm', responsibleUnit: 'Công chức Tư pháp - Hộ tịch', dueBefore: at('2026-03-03T10:30:00+07:00'),
      newDueAt: at('2026-03-05T17:00:00+07:00'), signerName: 'Đặng Văn Hùng', signerTitle: 'PHÓ CHỦ TỊCH',
    });
    const procedure = { name: 'Chứng thực bản sao từ bản chính' } as Procedure;
    const now = new Date('2026-03-03T09:00:00+07:00');
    const wardPdf = await pdf.render(renderer.renderLetter('NINHKIEU', apologyLetterData({ fields, dossier, agency: ward, receiving: ward, procedure, letterNumber: '03/PXL-UBND', now })).html);
    const centrePdf = await pdf.render(renderer.renderLetter('TTPVHCC', apologyLetterData({ fields, dossier, agency: centre, receiving: centre, procedure, letterNumber: '03/PXL-TTPVHCC', now })).html);
    const poppler = pdftotext(wardPdf) ?? (await pdfPages(wardPdf)).map((p) => p.text).join(' ');
    for (const [what, needle] of [
      ['the ward’s own place name on the place-and-date line', 'Ninh Kiều, ngày 03 tháng 3 năm 2026'],
      ['the original due time of a procedure counted in hours', '10 giờ 30 phút, ngày 03 tháng 3 năm 2026'],
      ['the archive line with the drafting unit', '- Lưu: VT, VP.'],
    ] as const) {
      assert.ok(poppler.includes(needle), `the ward's letter must show ${what}: "${needle}"\n--- pdftotext ---\n${poppler}`);
    }
    const centreText = pdftotext(centrePdf) ?? (await pdfPages(centrePdf)).map((p) => p.text).join(' ');
    assert.ok(centreText.includes('- UBND thành phố Cần Thơ (để báo cáo);'), `a parent typed in capitals is listed in normal case under "Nơi nhận":\n${centreText}`);
    assert.ok(centreText.includes('- Lưu: VT, TNTKQ.'), `the centre files under its drafting unit, not its system code:\n${centreText}`);
    const numberRow = async (bytes: Buffer) => {
      const [page] = await pdfPages(bytes);
      // pdfjs splits lines at accented letters: the number row is the one holding "/PXL-…", the
      // place-and-date line the first from the top holding the year.
      const number = page.items.find((it) => it.str.includes('/PXL-'));
      const place = page.items.filter((it) => it.str.includes('2026')).sort((a, b) => b.y - a.y)[0];
      assert.ok(number && place, `the number and the place-and-date line are on page 1: ${JSON.stringify(page.items.slice(0, 30))}`);
      return { numberY: Math.round(number.y), placeY: Math.round(place.y) };
    };
    const w = await numberRow(wardPdf);
    assert.ok(Math.abs(w.numberY - w.placeY) <= 2, `the number and the place-and-date line share one row: ${JSON.stringify(w)}`);
  });

  it(`shows ${HOSTILE_NAME} as the literal text in the PDF`, async () => {
    const html = renderer.renderLetter('TTPVHCC', letterData({ addressee: { salutation: 'Ông/Bà', name: HOSTILE_NAME, address: null, phone: null, onBehalfOf: null } })).html;
    const text = (await pdfPages(await pdf.render(html))).map((p) => p.text).join(' ');
    assert.ok(text.includes(`Kính gửi: Ông/Bà ${HOSTILE_NAME}`), `the name must print literally, not as bold markup or entities:\n${text.slice(0, 600)}`);
    assert.ok(!text.includes('&lt;') && !text.includes('&amp;'), 'no HTML entity may show in the PDF');
  });

  it('numbers pages from page 2 on, centred in the top margin', async () => {
    const long = letterData();
    long.delay = { ...long.delay, reason: Array.from({ length: 40 }, (_, i) => `Nội dung giải trình số ${i + 1} về việc lấy ý kiến các cơ quan liên quan`).join('; ') };
    const pages = await pdfPages(await pdf.render(renderer.renderLetter('TTPVHCC', long).html));
    assert.ok(pages.length >= 2, `the long letter must run over two pages, got ${pages.length}`);
    const topMargin = (p: (typeof pages)[number]) => p.items.filter((it) => it.y > p.height - 20 * MM);
    assert.deepEqual(topMargin(pages[0]).map((it) => it.str), [], 'page 1 carries no page number (nor anything else) in its top margin');
    for (let n = 2; n <= pages.length; n++) {
      const inMargin = topMargin(pages[n - 1]);
      assert.deepEqual(inMargin.map((it) => it.str), [String(n)], `page ${n} must show "${n}" in its top margin`);
      const centre = (30 * MM + (595 - 15 * MM)) / 2;
      assert.ok(Math.abs(inMargin[0].x - centre) < 15, `the page number must be centred over the text (x ≈ ${centre.toFixed(0)} pt), got ${inMargin[0].x.toFixed(0)}`);
    }
  });

  it('gives the same bytes for the same HTML, with several renders at once', async () => {
    const html = renderer.renderLetter('TTPVHCC', letterData()).html;
    const outs = await Promise.all(Array.from({ length: 5 }, () => pdf.render(html)));
    for (const o of outs.slice(1)) assert.ok(o.equals(outs[0]), 'the PDF must be deterministic: same HTML, same bytes (the print date is fixed)');
    assert.ok(outs[0].toString('latin1').includes("/CreationDate (D:20000101000000+00'00')"), 'the creation date is the fixed one');
  });

  it('puts the page of a located render (signed letters) back in the pool, and the next print is as from a fresh page', async () => {
    const html = renderer.renderLetter('TTPVHCC', letterData()).html;
    const one = createPdfRenderer({ concurrency: 1 });
    const fresh = createPdfRenderer({ concurrency: 1 });
    try {
      const located = await one.renderLocated(html, ['.signer-space']);
      assert.ok(located.boxes[0], 'the signature block is located');
      await one.renderLocated(html, ['.signer-space']);
      const after = await one.render(html);
      assert.equal(one.pagesOpened(), 1, 'one page serves every render: opening a page per signed letter costs more than the signing');
      assert.ok(after.equals(await fresh.render(html)), 'locating leaves nothing behind (media, viewport) that changes the next print');
      assert.deepEqual((await one.renderLocated(html, ['.signer-space'])).boxes, located.boxes, 'and the next location is the same');
    } finally {
      await Promise.all([one.close(), fresh.close()]);
    }
  });

  it('relaunches the browser after a crash, and refuses work after close()', async () => {
    const html = renderer.renderLetter('TTPVHCC', letterData()).html;
    await pdf.render(html);
    await pdf.simulateCrash();
    const again = await pdf.render(html);
    assert.equal(again.subarray(0, 5).toString('latin1'), '%PDF-', 'a render after the browser died must relaunch it and succeed');
    const other = createPdfRenderer({ concurrency: 1 });
    await other.close();
    await assert.rejects(() => other.render(html), /đã đóng/);
  });

  it('uses the executable it is given (HENLAI_CHROMIUM_PATH / executablePath) instead of the bundled one', async () => {
    const elsewhere = createPdfRenderer({ executablePath: '/nonexistent/henlai-chromium' });
    try {
      await assert.rejects(() => elsewhere.render('<p>x</p>'), /nonexistent\/henlai-chromium/, 'a wrong executable path must fail and say which path');
    } finally {
      await elsewhere.close();
    }
  });
});
