/** SMS encoding and segmentation as the network does it (GSM-7 vs UCS-2, 160/153 and 70/67). */
import assert from 'node:assert/strict';
import { asciiVietnamese, isGsm7, smsLength, smsText } from '../../src/documents/sms';

const septets = (s: string) => smsLength(s).units;

describe('documents: SMS splitting (sms.ts)', () => {
  it('160 GSM-7 characters are one SMS; 161 are two parts of 153 + 8', () => {
    const one = smsText('a'.repeat(160));
    assert.equal(one.encoding, 'GSM-7');
    assert.deepEqual(one.segments, ['a'.repeat(160)], '160 plain characters must fit in a single SMS');
    const two = smsText('a'.repeat(161));
    assert.equal(two.encoding, 'GSM-7');
    assert.deepEqual(two.segments.map((s) => s.length), [153, 8], '161 characters need a concatenated message: 153 per part');
  });

  it('extension characters (€ [ ] { } ~ ^ | \\) count two septets and are never split from their escape', () => {
    assert.equal(smsText('€'.repeat(80)).segments.length, 1, '80 × € = 160 septets: one SMS');
    assert.equal(smsText('€'.repeat(81)).segments.length, 2, '81 × € = 162 septets: two parts');
    assert.equal(septets('[x]{y}~^|\\'), 2 + 16, 'eight extension characters cost 16 septets, the two plain ones 2');
    // 152 plain septets + € (2) would be 154 > 153: the € must move whole to the second part.
    const msg = smsText(`${'a'.repeat(152)}€${'b'.repeat(10)}`);
    assert.equal(msg.encoding, 'GSM-7');
    assert.deepEqual(msg.segments, ['a'.repeat(152), `€${'b'.repeat(10)}`], 'the escape sequence for € must not straddle two parts');
    for (const part of msg.segments) assert.ok(septets(part) <= 153, `a part holds at most 153 septets, got ${septets(part)}`);
  });

  it('70 UCS-2 characters are one SMS; 71 are two parts of 67 + 4', () => {
    const one = smsText('ư'.repeat(70));
    assert.equal(one.encoding, 'UCS-2');
    assert.equal(one.segments.length, 1);
    const two = smsText('ư'.repeat(71));
    assert.deepEqual(two.segments.map((s) => s.length), [67, 4]);
  });

  it('never splits a surrogate pair (emoji) across parts', () => {
    const text = `${'ư'.repeat(66)}😀${'a'.repeat(10)}`;
    const { segments } = smsText(text);
    assert.equal(segments.join(''), text, 'the parts together are the message');
    for (const part of segments) {
      const last = part.charCodeAt(part.length - 1);
      assert.ok(!(last >= 0xd800 && last <= 0xdbff), 'a part must not end with half an emoji');
      assert.ok(part.length <= 67);
    }
    assert.equal(segments[0].length, 66, 'the emoji moves whole to the second part');
  });

  it('Vietnamese with diacritics is UCS-2; a few accented Latin letters still fit GSM-7', () => {
    const vi = 'Trung tâm Phục vụ hành chính công xin lỗi: hồ sơ H13.01-260212-0007 hẹn lại ngày 26/03/2026 tại Bộ phận Một cửa.';
    const msg = smsText(vi);
    assert.equal(msg.encoding, 'UCS-2', 'ụ, ồ, ẹ… are not in the GSM-7 alphabet');
    assert.equal(msg.segments.join(''), vi);
    assert.ok(msg.segments.every((s) => s.length <= 67));
    assert.equal(msg.segments.length, Math.ceil(vi.length / 67));
    assert.ok(isGsm7('Hà Nội é è ù ì ò à') === false, '"ộ" makes it UCS-2');
    assert.ok(isGsm7('é è ù ì ò à Ñ Ü'), 'these accented letters are in the GSM 03.38 basic set');
  });

  it('asciiVietnamese() strips diacritics (đ → d) for GSM-7 gateways', () => {
    assert.equal(asciiVietnamese('Đặng Thị Ánh Tuyết – hẹn lại ngày 26/03…'), 'Dang Thi Anh Tuyet - hen lai ngay 26/03...');
    assert.equal(smsText(asciiVietnamese('Hồ sơ của Ông/Bà đã được hẹn lại')).encoding, 'GSM-7');
  });

  it('an empty message has no segment', () => {
    assert.deepEqual(smsText('').segments, []);
  });
});
