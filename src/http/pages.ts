import type { Request, Response } from 'express';
import { ACTIONS, ROLE_LABELS, can, type Action, type UserRole } from '../domain/access';
import { AppError } from '../errors';
import type { PageData, ViewRenderer } from './views';

/** The staff menu; an entry shows only to roles that can use what it leads to. */
const NAV: { key: string; href: string; label: string; action: Action }[] = [
  { key: 'dashboard', href: '/tong-quan', label: 'Tổng quan', action: 'dossier.read' },
  { key: 'dossiers', href: '/ho-so', label: 'Hồ sơ', action: 'dossier.read' },
  { key: 'apologies', href: '/thu-xin-loi', label: 'Thư xin lỗi', action: 'dossier.read' },
  { key: 'messages', href: '/tin-nhan', label: 'Tin nhắn', action: 'dossier.read' },
  { key: 'reports', href: '/bao-cao', label: 'Báo cáo', action: 'report.read' },
  { key: 'admin', href: '/quan-tri', label: 'Quản trị', action: 'registry.manage' },
];

/** Short confirmations after a redirect (?ok=…), so that a reload does not post the form again. */
const FLASH: Record<string, string> = {
  'signed-out': 'Đã đăng xuất.',
  'event-recorded': 'Đã ghi nhận cập nhật hồ sơ.',
  'apology-drafted': 'Đã soạn thư xin lỗi; thư chờ lãnh đạo duyệt.',
  'apology-approved': 'Đã duyệt và ban hành thư xin lỗi; thông báo đang được gửi cho người dân.',
  'apology-cancelled': 'Đã huỷ bản nháp thư xin lỗi.',
  'apology-revised': 'Đã sửa bản nháp; thư chờ lãnh đạo duyệt.',
  'apology-returned': 'Đã trả lại bản nháp cho người soạn kèm ý kiến.',
  'apology-resent': 'Đã tạo thông báo gửi lại cho người dân; việc gửi lại được ghi tên người yêu cầu.',
  'message-retried': 'Đã đưa tin nhắn vào hàng đợi gửi lại.',
  'message-cancelled': 'Đã huỷ tin nhắn.',
  'message-called': 'Đã ghi nhận: đã liên hệ người dân.',
  saved: 'Đã lưu.',
  'token-revoked': 'Đã thu hồi mã truy cập; mọi yêu cầu dùng mã này từ nay bị từ chối.',
  'zalo-grant-reset': 'Đã cấp lại quyền gửi tin Zalo OA bằng refresh token mới.',
  acknowledged: 'Cảm ơn ông/bà đã xác nhận.',
};

/**
 * A list page's filters as the form sent them: trimmed, empty ones dropped, repeated ones joined
 * with commas (the API's list syntax), the flash key left out.
 */
export function filterValues(query: Request['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    const value = Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v.trim() : '';
    if (value && k !== 'ok') out[k] = value;
  }
  return out;
}

export function flashOf(req: Request): string | null {
  const key = typeof req.query.ok === 'string' ? req.query.ok : '';
  return FLASH[key] ?? null;
}

/** Renders a staff page with what every page shows: who is signed in, the menu, the form token. */
export function staffPage(views: ViewRenderer, req: Request, res: Response, view: string, data: PageData & { nav?: string }, status = 200): void {
  const staff = req.staff;
  const me = staff && {
    fullName: staff.user.fullName,
    username: staff.user.username,
    roleLabel: ROLE_LABELS[staff.user.role as UserRole],
  };
  const permissions = staff ? Object.fromEntries(ACTIONS.map((a) => [a, can(staff.actor.role, a)])) : {};
  const nav = staff ? NAV.filter((n) => can(staff.actor.role, n.action)).map((n) => ({ ...n, active: n.key === data.nav })) : [];
  const html = views.render(view, { ...data, me, nav, can: permissions, csrf: staff?.csrfToken, flash: flashOf(req) }, 'staff');
  sendPage(res, html, status);
}

/** Citizen pages: no menu, no session. */
export function citizenPage(views: ViewRenderer, req: Request, res: Response, view: string, data: PageData, status = 200): void {
  sendPage(res, views.render(view, { ...data, flash: flashOf(req) }, 'citizen'), status);
}

function sendPage(res: Response, html: string, status: number): void {
  res.status(status).set('Cache-Control', 'private, no-store').type('text/html; charset=utf-8').send(html);
}

/**
 * What a refused form shows: each field's message next to the field, anything else at the top.
 * Only the service's own errors are shown; anything unexpected goes to the error handler.
 */
export function formErrors(err: unknown): { status: number; errors: Record<string, string>; message: string } | null {
  if (!(err instanceof AppError) || err.status >= 500 || err.status === 401 || err.status === 403 || err.status === 404) return null;
  const errors: Record<string, string> = {};
  for (const f of err.fields) errors[f.field] ??= f.message;
  return { status: err.status, errors, message: err.message };
}

/** The error page: inside the staff frame for a signed-in person, plain otherwise. */
export function errorPage(views: ViewRenderer, req: Request, res: Response, status: number, message: string): void {
  const data = { title: status === 404 ? 'Không tìm thấy' : 'Không thực hiện được', status, message };
  if (req.staff) staffPage(views, req, res, 'error', data, status);
  else citizenPage(views, req, res, 'error', data, status);
}

/**
 * An issued or previewed letter: a complete document with its own <style> and embedded font, so
 * that the stored HTML is exactly what was signed. Inline styles are allowed on this response
 * only; scripts, as everywhere, only from our own static files (the print button's).
 */
export function sendLetterHtml(res: Response, html: string): void {
  res
    .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; font-src data:; img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
    .set('Cache-Control', 'private, no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}

/**
 * The letter's print view with a print button: shown only once the app's script runs (without
 * JavaScript the browser's own print command is the way), never printed. Added when served, so
 * the stored letter stays exactly what was signed.
 */
export function withPrintButton(html: string): string {
  const button =
    '<style>.print-button{display:block;margin:0 auto 6mm;font:14pt sans-serif;padding:6pt 18pt;cursor:pointer}.print-button[hidden]{display:none}@media print{.print-button{display:none!important}}</style>' +
    '<button type="button" class="print-button" data-print hidden>In thư</button><script src="/static/app.js" defer></script>';
  return html.replace(/<body[^>]*>/i, (tag) => `${tag}${button}`);
}
