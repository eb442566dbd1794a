import assert from 'node:assert/strict';
import { agencyNameInText, dateInWords, formatNumber, instantInWords, letterNumber, phoneAsWritten, placeDateLine, shortDate, weekdayDate } from '../../src/domain/vn-format';
import { ymdToDay } from '../../src/domain/time';

describe('domain/vn-format: how Vietnamese administration writes dates and numbers', () => {
  const cases: [number, number, number, string][] = [
    [2026, 3, 5, 'ngày 05 tháng 3 năm 2026'],
    [2026, 2, 15, 'ngày 15 tháng 02 năm 2026'],
    [2026, 1, 9, 'ngày 09 tháng 01 năm 2026'],
    [2026, 12, 31, 'ngày 31 tháng 12 năm 2026'],
    [2026, 10, 1, 'ngày 01 tháng 10 năm 2026'],
  ];
  for (const [y, m, d, words] of cases) {
    it(`${d}/${m}/${y} is written "${words}" (leading zero for days below 10 and for months 1 and 2 only)`, () => {
      assert.equal(dateInWords(ymdToDay(y, m, d)), words);
    });
  }

  it('writes the place-and-date line, short dates, weekdays and instants', () => {
    assert.equal(placeDateLine('Cần Thơ', ymdToDay(2026, 3, 5)), 'Cần Thơ, ngày 05 tháng 3 năm 2026');
    assert.equal(shortDate(ymdToDay(2026, 3, 5)), '05/03/2026');
    assert.equal(weekdayDate(ymdToDay(2026, 3, 19)), 'Thứ Năm, 19/03/2026');
    assert.equal(weekdayDate(ymdToDay(2026, 3, 22)), 'Chủ nhật, 22/03/2026');
    assert.equal(instantInWords(new Date('2026-02-12T02:30:00Z')), '09 giờ 30 phút, ngày 12 tháng 02 năm 2026');
  });

  it('numbers letters "05/PXL-TTPVHCC" and groups thousands with dots', () => {
    assert.equal(letterNumber(5, 'PXL-TTPVHCC'), '05/PXL-TTPVHCC');
    assert.equal(letterNumber(123, 'PXL-SXD'), '123/PXL-SXD');
    assert.equal(formatNumber(169055), '169.055');
    assert.equal(formatNumber(8.2, 1), '8,2');
  });

  it('writes a phone number as people in Vietnam write it: a mobile in 4-3-3 groups with its leading 0', () => {
    assert.equal(phoneAsWritten('+84912345678'), '0912 345 678');
    assert.equal(phoneAsWritten('0912345678'), '0912 345 678');
    assert.equal(phoneAsWritten('84 912.345.678'), '0912 345 678');
    assert.equal(phoneAsWritten('0292 3820 000'), '0292 3820 000', 'a landline is left as written');
    assert.equal(phoneAsWritten('+1 555 0100'), '+1 555 0100', 'a foreign number is left as written');
  });

  it('writes an agency named in capitals in normal case inside a sentence or a list (NĐ 30: "- UBND thành phố Cần Thơ;"), keeping abbreviations', () => {
    assert.equal(agencyNameInText('UBND THÀNH PHỐ CẦN THƠ'), 'UBND thành phố Cần Thơ');
    assert.equal(agencyNameInText('ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM'), 'Ủy ban nhân dân tỉnh Quảng Nam');
    assert.equal(agencyNameInText('UBND XÃ PHONG ĐIỀN'), 'UBND xã Phong Điền');
    assert.equal(agencyNameInText('SỞ XÂY DỰNG'), 'Sở Xây dựng');
    assert.equal(agencyNameInText('VĂN PHÒNG HĐND VÀ UBND THÀNH PHỐ HỒ CHÍ MINH'), 'Văn phòng HĐND và UBND thành phố Hồ Chí Minh');
    assert.equal(agencyNameInText('UBND thành phố Cần Thơ'), 'UBND thành phố Cần Thơ', 'a name already in normal case is kept as typed');
    assert.equal(agencyNameInText(''), '');
  });
});
