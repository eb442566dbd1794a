/**
 * The verification mark printed on a signed letter: its QR code is drawn inline in the letter
 * (one SVG path of the dark modules) and must be, module for module, the QR code of the
 * checking page's address with the letter's code.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import QRCode from 'qrcode';
import { DocumentRenderer } from '../../src/documents/renderer';
import { verificationMark } from '../../src/services/signing/letters';
import { letterData } from '../documents/fixtures';

/** The modules a path of `M x y h w v1 h-w z` rows paints, row by row. */
function paintedModules(size: number, path: string): Uint8Array {
  const grid = new Uint8Array(size * size);
  const rest = path.replace(/M(\d+) (\d+)h(\d+)v1h-\3z/g, (_whole, x: string, y: string, w: string) => {
    for (let i = 0; i < Number(w); i++) grid[Number(y) * size + Number(x) + i] = 1;
    return '';
  });
  assert.equal(rest, '', `the QR path has pieces that are not rows of modules: "${rest.slice(0, 80)}"`);
  return grid;
}

describe('signing: the verification mark', () => {
  it('draws the QR code of the checking page with the code, module for module', async () => {
    const mark = await verificationMark('https://henlai.cantho.gov.vn', 'K7QX9M2PAB');
    assert.equal(mark.code, 'K7QX-9M2P-AB');
    assert.equal(mark.url, 'https://henlai.cantho.gov.vn/xac-thuc');
    const expected = QRCode.create('https://henlai.cantho.gov.vn/xac-thuc?ma=K7QX-9M2P-AB', { errorCorrectionLevel: 'M' }).modules;
    assert.equal(mark.qr.size, expected.size, 'the QR code has the wrong number of modules per side');
    const painted = paintedModules(mark.qr.size, mark.qr.path);
    const wrong = [...painted].findIndex((v, i) => v !== expected.data[i]);
    assert.equal(wrong, -1, `module (${wrong % expected.size}, ${Math.floor(wrong / expected.size)}) differs from the QR code of the checking address`);
  });

  it('is printed inline in the letter, with the code and the checking page', async () => {
    const mark = await verificationMark('https://henlai.cantho.gov.vn', 'K7QX9M2PAB');
    const renderer = new DocumentRenderer({ templatesDir: path.resolve(__dirname, '../../templates') });
    const html = renderer.renderLetter('TTPVHCC', { ...letterData(), verification: mark }).html;
    assert.ok(html.includes(`<path d="${mark.qr.path}"/>`), 'the letter does not carry the QR code path as it was drawn (escaped or missing)');
    assert.ok(html.includes(`viewBox="0 0 ${mark.qr.size} ${mark.qr.size}"`), 'the QR code is not drawn on its own square of modules');
    assert.ok(html.includes('K7QX-9M2P-AB') && html.includes('https://henlai.cantho.gov.vn/xac-thuc'), 'the letter does not print the code and the checking page');
  });
});
