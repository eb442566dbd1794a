import assert from 'node:assert/strict';
import { errorClassOf, noticeReason } from '../../../src/http/staff/notice-reason';

describe('staff pages: why a notice failed, in plain Vietnamese', () => {
  const table: [string | null, string | null][] = [
    [null, null],
    ['zalo:-118', 'Số điện thoại chưa đăng ký Zalo'],
    ['zalo:-108', 'Số điện thoại không hợp lệ với Zalo'],
    ['zalo:-139', 'Người dân đã từ chối nhận tin Zalo của cơ quan'],
    ['zalo:-124', 'Kết nối Zalo của cơ quan đã hết hạn: quản trị viên cần cấp lại'],
    ['zalo:grant', 'Kết nối Zalo của cơ quan đã hết hạn: quản trị viên cần cấp lại'],
    ['zalo:-133', 'Zalo không gửi tin ban đêm: tin sẽ được gửi sau 6 giờ sáng'],
    ['zalo:local-phone', 'Số điện thoại không phải số di động Việt Nam'],
    ['zalo:-999', 'Zalo từ chối gửi tin (mã -999)'],
    ['smtp:550', 'Địa chỉ thư điện tử không tồn tại hoặc từ chối nhận thư'],
    ['smtp:452', 'Hộp thư của người dân tạm thời không nhận thư: hệ thống sẽ tự gửi lại'],
    ['smtp:552', 'Thư quá lớn so với mức hộp thư người dân nhận được'],
    ['smtp:EENVELOPE', 'Máy chủ thư điện tử gặp lỗi: hệ thống sẽ tự gửi lại'],
    ['http:502', 'Máy chủ của nhà cung cấp gặp sự cố: hệ thống sẽ tự gửi lại'],
    ['http:401', 'Nhà cung cấp từ chối yêu cầu: quản trị viên cần kiểm tra'],
    ['timeout', 'Nhà cung cấp không trả lời kịp: hệ thống sẽ tự gửi lại (tin có thể đã tới nơi)'],
    ['connection', 'Không kết nối được với nhà cung cấp: hệ thống sẽ tự gửi lại'],
    ['auth', 'Máy chủ thư điện tử từ chối tài khoản gửi của cơ quan: quản trị viên cần kiểm tra'],
    ['exception', 'Hệ thống Hẹn Lại gặp lỗi khi gửi: sẽ tự gửi lại'],
    ['interrupted', 'Việc gửi bị gián đoạn giữa chừng: tin có thể đã tới người dân'],
    ['onestop:no-target', 'Nguồn hồ sơ đã tắt hoặc chưa có địa chỉ nhận ngày hẹn mới: quản trị viên cần kiểm tra'],
    ['onestop:3', 'Hệ thống một cửa từ chối cập nhật ngày hẹn (mã 3)'],
    ['la-lam', 'Lỗi khác (mã la-lam)'],
  ];
  for (const [errorClass, expected] of table) {
    it(`${errorClass ?? '(no error)'} → ${expected ?? 'nothing'}`, () => {
      assert.equal(noticeReason(errorClass), expected);
    });
  }

  it('reads the class at the head of last_error, as the dispatcher writes it', () => {
    assert.equal(errorClassOf('zalo:-118: Số điện thoại chưa có tài khoản Zalo'), 'zalo:-118');
    assert.equal(errorClassOf('smtp:550: RCPT TO: 550 5.1.1 no such user'), 'smtp:550');
    assert.equal(errorClassOf('timeout'), 'timeout');
    assert.equal(errorClassOf(null), null);
    assert.equal(errorClassOf(''), null);
  });
});
