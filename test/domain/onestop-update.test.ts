import assert from 'node:assert/strict';
import { appointmentUpdate, onestopDate } from '../../src/domain/onestop-update';

describe('the appointment update told to a one-stop system', () => {
  it('writes dates as yyyyMMddHHmmss in Vietnam time, whatever the instant’s zone', () => {
    assert.equal(onestopDate(new Date('2026-03-17T10:00:00Z')), '20260317170000');
    assert.equal(onestopDate(new Date('2026-12-31T17:30:05Z')), '20270101003005', 'past midnight in Vietnam is the next day');
  });

  it('carries the dossier, both dates, the reason, the letter and what it replaces', () => {
    const body = appointmentUpdate({
      key: 'apology:9:onestop:IGATE',
      dossierCode: 'H13.01-260212-0007',
      dueBefore: Date.parse('2026-03-10T17:00:00+07:00'),
      newDueAt: Date.parse('2026-03-17T17:00:00+07:00'),
      reason: 'Hồ sơ cần thẩm định thêm tại hiện trường',
      letterNumber: '02/PXL-SXD',
      letterUrl: 'https://henlai.example.vn/c/tok/letter.pdf',
      issuedAt: Date.parse('2026-03-09T08:00:00+07:00'),
      extension: 2,
      replaces: '01/PXL-SXD',
    });
    assert.deepEqual(body, {
      MaThongBao: 'apology:9:onestop:IGATE',
      LoaiThongBao: 'HenLaiNgayTra',
      MaHoSo: 'H13.01-260212-0007',
      NgayHenTraTruoc: '20260310170000',
      NgayHenTraMoi: '20260317170000',
      LyDo: 'Hồ sơ cần thẩm định thêm tại hiện trường',
      SoVanBan: '02/PXL-SXD',
      DuongDanVanBan: 'https://henlai.example.vn/c/tok/letter.pdf',
      NgayBanHanh: '20260309080000',
      LanHenLai: 2,
      ThayTheVanBan: '01/PXL-SXD',
    });
  });
});
