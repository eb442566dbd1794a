import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Services } from '../../compose';
import { AppError } from '../../errors';
import { formErrors, staffPage } from '../pages';
import { parse } from '../validate';
import type { ViewRenderer } from '../views';
import { checkLoginToken, cookieOptions, LOGIN_COOKIE, newLoginToken, requireCsrf, requireStaff, SESSION_COOKIE, staffOf } from './session';
import { dashboardPage } from './dashboard';
import type { PageGroup } from './index';

const signInForm = z.object({
  username: z.string().trim().min(1, 'Cần tên đăng nhập').max(64),
  password: z.string().min(1, 'Cần mật khẩu').max(256),
  next: z.string().optional(),
  _csrf: z.string().optional(),
});

/** Only a path on this site may follow sign-in; anything else would make the form an open redirect. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/tong-quan';
}

/**
 * The staff application's own pages: sign-in, sign-out and the dashboard. The other page groups
 * register on the same router through `registerStaffPages`, behind sign-in and the form token.
 */
export function staffRouter(s: Services, views: ViewRenderer, groups: PageGroup[]): Router {
  const r = Router();
  const publicHttps = s.config.publicBaseUrl.startsWith('https:');

  const signInPage = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    staffPage(views, req, res, 'staff/sign-in', { title: 'Đăng nhập', loginToken: newLoginToken(req, res, publicHttps), next: safeNext(req.query.next), ...extra }, status);

  r.get('/', (req, res) => res.redirect(303, req.staff ? '/tong-quan' : '/dang-nhap'));
  r.get('/dang-nhap', (req, res) => {
    if (req.staff) return res.redirect(303, safeNext(req.query.next));
    signInPage(req, res);
  });
  r.post('/dang-nhap', async (req, res) => {
    checkLoginToken(req);
    const values = { username: typeof req.body?.username === 'string' ? req.body.username : '' };
    try {
      const form = parse(signInForm, req.body);
      // The client's address as TRUST_PROXY lets Express read it; the socket's when it has none.
      const { sessionId } = await s.signIn.attempt(form.username, form.password, req.ip ?? req.socket.remoteAddress ?? '');
      res.clearCookie(LOGIN_COOKIE, { path: '/' });
      res.cookie(SESSION_COOKIE, sessionId, cookieOptions(req, publicHttps, s.config.auth.sessionMs));
      res.redirect(303, safeNext(form.next));
    } catch (err) {
      const shown = err instanceof AppError && err.status === 401 ? { status: 401, errors: {}, message: err.message } : formErrors(err);
      if (!shown) throw err;
      signInPage(req, res, { values, errors: shown.errors, error: shown.message, next: safeNext(req.body?.next) }, shown.status);
    }
  });

  // A signed-out visitor at an address no staff page has (a mistyped citizen link, say) gets the
  // public 404, which leads to the look-up, instead of the staff sign-in. Filled from the routes
  // registered below, so a new staff page is covered without a list to keep.
  const staffSections = new Set<string>();
  r.use((req, _res, next) => (req.staff || staffSections.has(sectionOf(req.path)) ? next() : next('router')));
  r.use(requireStaff, requireCsrf);
  r.post('/dang-xuat', async (req, res) => {
    await s.users.signOut(staffOf(req).sessionId);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/dang-nhap?ok=signed-out');
  });
  r.get('/tong-quan', dashboardPage(s, views));
  for (const register of groups) register(r);
  for (const layer of r.stack as { route?: { path?: unknown } }[]) {
    for (const path of [layer.route?.path].flat()) if (typeof path === 'string') staffSections.add(sectionOf(path));
  }
  return r;
}

/** "/ho-so/:code/thu" → "ho-so": the first segment of a path, which names a staff section. */
function sectionOf(path: string): string {
  return path.split('/')[1] ?? '';
}
