/**
 * Who may do what. Pure: the use cases ask `can(role, action)` before they act, so the rule is
 * the same whether the request came from a page, the API or the command line.
 */
export const USER_ROLES = ['counter', 'officer', 'leader', 'supervisor', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];
/** Besides people: API tokens (other systems) and the service's own workers. */
export type Role = UserRole | 'integration' | 'system';

export const ROLE_LABELS: Record<UserRole, string> = {
  counter: 'Cán bộ một cửa',
  officer: 'Cán bộ xử lý hồ sơ',
  leader: 'Lãnh đạo',
  supervisor: 'Giám sát',
  admin: 'Quản trị hệ thống',
};

export const ACTIONS = [
  'dossier.read',
  'dossier.create',
  'dossier.event',
  'apology.draft',
  'apology.approve',
  'apology.cancel',
  'message.manage',
  'report.read',
  'registry.manage',
  'channel.manage',
  'user.manage',
  'token.manage',
  'interop.manage',
] as const;
export type Action = (typeof ACTIONS)[number];

export const ACTION_LABELS: Record<Action, string> = {
  'dossier.read': 'xem hồ sơ',
  'dossier.create': 'tiếp nhận hồ sơ',
  'dossier.event': 'cập nhật tiến độ hồ sơ',
  'apology.draft': 'soạn thư xin lỗi',
  'apology.approve': 'duyệt và ký thư xin lỗi',
  'apology.cancel': 'huỷ thư xin lỗi',
  'message.manage': 'gửi lại, huỷ tin nhắn, ghi nhận đã gọi điện',
  'report.read': 'xem báo cáo',
  'registry.manage': 'quản lý cơ quan, thủ tục, lịch làm việc',
  'channel.manage': 'quản lý kênh gửi tin (Zalo OA, thư điện tử)',
  'user.manage': 'quản lý tài khoản',
  'token.manage': 'quản lý mã truy cập API',
  'interop.manage': 'cấu hình liên thông với hệ thống một cửa',
};

const EVERYONE: readonly Role[] = ['counter', 'officer', 'leader', 'supervisor', 'admin', 'integration', 'system'];
const MACHINES: readonly Role[] = ['integration', 'system'];

// Counter staff receive and hand back; officers process; only a leader signs; a supervisor
// reads across agencies and changes nothing; an administrator runs the installation but does
// not decide dossiers.
const GRANTS: Record<Action, readonly Role[]> = {
  'dossier.read': EVERYONE,
  'dossier.create': ['counter', ...MACHINES],
  'dossier.event': ['counter', 'officer', 'leader', ...MACHINES],
  'apology.draft': ['counter', 'officer', 'leader', ...MACHINES],
  'apology.approve': ['leader', ...MACHINES],
  'apology.cancel': ['officer', 'leader', ...MACHINES],
  'message.manage': ['counter', 'officer', 'leader', ...MACHINES],
  'report.read': ['leader', 'supervisor', 'admin', ...MACHINES],
  'registry.manage': ['admin', ...MACHINES],
  'channel.manage': ['admin', 'system'],
  'user.manage': ['admin', 'system'],
  'token.manage': ['admin', 'system'],
  'interop.manage': ['admin', ...MACHINES],
};

export function can(role: Role, action: Action): boolean {
  return GRANTS[action].includes(role);
}

/** Roles whose reading is not limited to their own agency (writing still is). */
export function readsAllAgencies(role: Role): boolean {
  return role === 'supervisor' || role === 'admin';
}
