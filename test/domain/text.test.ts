import assert from 'node:assert/strict';
import { findForbiddenCharacter, normalizeText, textProblem } from '../../src/domain/text';

describe('the free-text rule', () => {
  it('accepts Vietnamese text, typed decomposed (as macOS does) or composed, and stores it in NFC', () => {
    const decomposed = 'Nguye\u0302\u0303n Tho\u0323 Ánh Tuyết'.normalize('NFD');
    const stored = normalizeText(`  ${decomposed}  `);
    assert.equal(stored, 'Nguyễn Thọ Ánh Tuyết'.normalize('NFC'));
    assert.equal(stored, stored.normalize('NFC'), 'stored text is NFC');
    for (const ok of [stored, 'Công ty TNHH "Mê Kông Xanh"', '12/3 Hòa Bình, P. Ninh Kiều', 'Đ. 30/4 – Q.1', 'O\u0301\u0327 combining marks that do not compose stay']) {
      assert.equal(findForbiddenCharacter(normalizeText(ok)), null, `${JSON.stringify(ok)} must be accepted`);
    }
  });

  const refused: [string, string, number][] = [
    ['NUL', 'An\u0000Bình', 0x00],
    ['BEL', 'An\u0007', 0x07],
    ['TAB inside', 'An\tBình', 0x09],
    ['ESC', 'An\u001b[31m', 0x1b],
    ['DEL', 'An\u007f', 0x7f],
    ['C1 NEL', 'An\u0085Bình', 0x85],
    ['right-to-left override', 'Nguyễn \u202EnA năV', 0x202e],
    ['left-to-right embedding', '\u202AAn', 0x202a],
    ['first strong isolate', 'An\u2068Bình\u2069', 0x2068],
    ['right-to-left mark', 'An\u200FBình', 0x200f],
    ['zero-width space', 'Nguyễn\u200BVăn An', 0x200b],
    ['zero-width non-joiner', 'Nguyễn\u200CVăn', 0x200c],
    ['zero-width joiner', 'Nguyễn\u200DVăn', 0x200d],
    ['word joiner', 'An\u2060Bình', 0x2060],
    ['soft hyphen', 'Bình\u00ADDương', 0xad],
    ['byte order mark inside', 'An\uFEFFBình', 0xfeff],
    ['tag character', 'An\u{E0041}', 0xe0041],
    ['lone surrogate', 'An\uD800Bình', 0xd800],
  ];
  for (const [what, input, codePoint] of refused) {
    it(`refuses ${what} in any field, naming the character`, () => {
      for (const multiline of [false, true]) {
        const found = findForbiddenCharacter(normalizeText(input, { multiline }), { multiline });
        assert.ok(found, `${what} must be refused (multiline: ${multiline})`);
        assert.equal(found.codePoint, codePoint);
        assert.equal(found.kind, 'invisible');
      }
      assert.match(textProblem(input) ?? '', new RegExp(`U\\+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`));
    });
  }

  it('refuses a line break inside a one-line field, and accepts it in a multi-line one (CRLF and CR become LF)', () => {
    for (const lf of ['An\nBình', 'An\r\nBình', 'An\rBình', 'An\u2028Bình', 'An\u2029Bình']) {
      const one = findForbiddenCharacter(normalizeText(lf), {});
      assert.equal(one?.kind, 'line-break', `${JSON.stringify(lf)} in a one-line field`);
      assert.equal(one?.position, 3);
    }
    assert.equal(normalizeText('Dòng 1\r\nDòng 2\rDòng 3', { multiline: true }), 'Dòng 1\nDòng 2\nDòng 3');
    assert.equal(findForbiddenCharacter('Dòng 1\nDòng 2', { multiline: true }), null);
    assert.equal(findForbiddenCharacter(normalizeText('An\u2028Bình', { multiline: true }), { multiline: true })?.codePoint, 0x2028, 'U+2028 is not a line ending we store');
    assert.match(textProblem('An\nBình') ?? '', /một dòng/);
  });

  it('counts the position in characters, not UTF-16 units', () => {
    assert.equal(findForbiddenCharacter('𝐀𝐁\u202E')?.position, 3);
  });

  it('trims line breaks and spaces around the text rather than refusing them', () => {
    assert.equal(normalizeText('\r\n  Nguyễn Văn An \n'), 'Nguyễn Văn An');
  });
});
