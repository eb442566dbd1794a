/**
 * Why a notice did not reach the citizen, in words counter staff can repeat on the phone. The
 * channels record a machine class per attempt (src/channels/zalo/client.ts, channel.ts,
 * src/channels/email/classify.ts, the dispatcher's 'exception'); this turns it into a sentence.
 * Pure: the class in, the sentence out.
 */

const ZALO: Record<string, string> = {
  '-118': 'Số điện thoại chưa đăng ký Zalo',
  '-108': 'Số điện thoại không hợp lệ với Zalo',
  '-114': 'Người dân không dùng Zalo thường xuyên, đã từ chối tin hoặc dùng Zalo phiên bản cũ',
  '-119': 'Tài khoản Zalo của người dân không nhận được tin',
  '-139': 'Người dân đã từ chối nhận tin Zalo của cơ quan',
  '-140': 'Tài khoản Zalo của người dân không nhận được tin từ cơ quan này',
  '-141': 'Tài khoản Zalo của người dân không nhận được tin',
  '-115': 'Tài khoản gửi tin Zalo của cơ quan đã hết tiền: cần nạp thêm',
  '-124': 'Kết nối Zalo của cơ quan đã hết hạn: quản trị viên cần cấp lại',
  '-133': 'Zalo không gửi tin ban đêm: tin sẽ được gửi sau 6 giờ sáng',
  '-144': 'Cơ quan đã dùng hết số tin Zalo trong ngày: tin sẽ được gửi vào ngày mai',
  '-147': 'Mẫu tin Zalo đã hết số lượt gửi trong ngày: tin sẽ được gửi vào ngày mai',
  '-109': 'Mẫu tin Zalo chưa đúng: quản trị viên cần kiểm tra thiết lập',
  '-131': 'Mẫu tin Zalo chưa được Zalo duyệt: quản trị viên cần kiểm tra',
  '-1121': 'Nội dung tin dài hơn mức Zalo cho phép',
  '-1122': 'Nội dung tin thiếu thông tin mà mẫu Zalo yêu cầu',
  '-100': 'Zalo gặp lỗi không rõ nguyên nhân: hệ thống sẽ tự gửi lại',
  'local-phone': 'Số điện thoại không phải số di động Việt Nam',
  'local-length': 'Nội dung tin dài hơn mức Zalo cho phép',
  'local-params': 'Nội dung tin thiếu thông tin mà mẫu Zalo yêu cầu',
  'local-kind': 'Loại tin này không gửi được qua Zalo',
  grant: 'Kết nối Zalo của cơ quan đã hết hạn: quản trị viên cần cấp lại',
  unreadable: 'Zalo trả lời không rõ ràng: hệ thống sẽ tự gửi lại',
};

const OTHER: Record<string, string> = {
  timeout: 'Nhà cung cấp không trả lời kịp: hệ thống sẽ tự gửi lại (tin có thể đã tới nơi)',
  connection: 'Không kết nối được với nhà cung cấp: hệ thống sẽ tự gửi lại',
  auth: 'Máy chủ thư điện tử từ chối tài khoản gửi của cơ quan: quản trị viên cần kiểm tra',
  tls: 'Không kết nối an toàn được với máy chủ thư điện tử: quản trị viên cần kiểm tra',
  exception: 'Hệ thống Hẹn Lại gặp lỗi khi gửi: sẽ tự gửi lại',
  interrupted: 'Việc gửi bị gián đoạn giữa chừng: tin có thể đã tới người dân',
};

/** The class at the head of a notice's `last_error` ("zalo:-118: …", "smtp:550: …"). */
export function errorClassOf(lastError: string | null): string | null {
  if (!lastError) return null;
  const at = lastError.indexOf(': ');
  return (at < 0 ? lastError : lastError.slice(0, at)).trim() || null;
}

/** The plain-Vietnamese reason for an error class; null when there was no error. */
export function noticeReason(errorClass: string | null): string | null {
  if (!errorClass) return null;
  if (errorClass.startsWith('zalo:')) {
    const code = errorClass.slice(5);
    return ZALO[code] ?? `Zalo từ chối gửi tin (mã ${code})`;
  }
  const smtp = /^smtp:(\d{3})$/.exec(errorClass);
  if (smtp) {
    const code = Number(smtp[1]);
    if (code >= 400 && code < 500) return 'Hộp thư của người dân tạm thời không nhận thư: hệ thống sẽ tự gửi lại';
    if (code === 552) return 'Thư quá lớn so với mức hộp thư người dân nhận được';
    return 'Địa chỉ thư điện tử không tồn tại hoặc từ chối nhận thư';
  }
  if (errorClass.startsWith('smtp:')) return 'Máy chủ thư điện tử gặp lỗi: hệ thống sẽ tự gửi lại';
  if (errorClass === 'onestop:no-target') return 'Nguồn hồ sơ đã tắt hoặc chưa có địa chỉ nhận ngày hẹn mới: quản trị viên cần kiểm tra';
  if (errorClass.startsWith('onestop:')) return `Hệ thống một cửa từ chối cập nhật ngày hẹn (mã ${errorClass.slice(8)})`;
  const http = /^http:(\d{3})$/.exec(errorClass);
  if (http) {
    return Number(http[1]) >= 500 ? 'Máy chủ của nhà cung cấp gặp sự cố: hệ thống sẽ tự gửi lại' : 'Nhà cung cấp từ chối yêu cầu: quản trị viên cần kiểm tra';
  }
  return OTHER[errorClass] ?? `Lỗi khác (mã ${errorClass})`;
}

/** Why a notice waits or failed; one waiting on the counter's list has no error: the channel itself is the reason. */
export function waitingReason(channel: string, status: string, lastError: string | null): string | null {
  const reason = noticeReason(errorClassOf(lastError));
  if (reason) return reason;
  if (channel === 'print' && status === 'created') return 'Không gửi được qua Zalo hay thư điện tử: cần gọi điện hoặc in thư trao cho người dân';
  return null;
}
