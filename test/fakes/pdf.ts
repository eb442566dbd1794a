import crypto from 'node:crypto';
import type { PdfRenderer } from '../../src/documents/pdf';

/**
 * A PDF renderer without Chromium, for tests that need a letter's PDF to exist but do not read
 * it: starting Chromium and printing would cost those tests seconds and tell them nothing. The
 * bytes are a PDF header, a binary comment line, a line naming the HTML they stand for, and an end-of-file marker — a
 * different letter gives different bytes. Tests that look inside a PDF use the real renderer
 * (`sharedPdf()` in test/support/context.ts).
 */
export class FakePdfRenderer implements PdfRenderer {
  /** The HTML of every render, in order. */
  readonly rendered: string[] = [];

  async render(html: string): Promise<Buffer> {
    this.rendered.push(html);
    const digest = crypto.createHash('sha256').update(html).digest('hex');
    // The second line is binary, as in a real PDF, so that whatever carries these bytes must keep them intact.
    return Buffer.concat([
      Buffer.from('%PDF-1.4\n%'),
      Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]),
      Buffer.from(`\n% henlai test fake: not printed, stands for the letter HTML sha256 ${digest}\n%%EOF\n`),
    ]);
  }

  async close(): Promise<void> {}
}
