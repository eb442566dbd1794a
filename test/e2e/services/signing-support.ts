import assert from 'node:assert/strict';
import { pdfsig } from '../signing/support';

/** A stored letter as pdfsig sees it: both layers valid, the last covering the whole file. */
export function assertTwoValidSignatures(pdf: Buffer): void {
  const { signatures, output } = pdfsig(pdf);
  assert.equal(signatures.length, 2, output);
  assert.deepEqual(signatures.map((s) => s.field), ['ChuKyLanhDao', 'ChuKyCoQuan']);
  assert.ok(signatures.every((s) => s.valid), output);
  assert.ok(signatures[1].totalDocumentSigned, `the agency's signature covers the whole file\n${output}`);
  const changed = Buffer.from(pdf);
  // A byte of the letter's first page content (inside both signed ranges).
  const at = changed.indexOf('stream') + 40;
  changed[at] ^= 0x01;
  const after = pdfsig(changed);
  assert.ok(after.signatures.length === 2 && after.signatures.every((s) => !s.valid), `one changed byte invalidates both\n${after.output}`);
}

