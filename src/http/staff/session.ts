import crypto from 'node:crypto';
import type { CookieOptions, NextFunction, Request, RequestHandler, Response } from 'express';
import type { User } from '../../db/users';
import type { Actor } from '../../domain/actor';
import type { UserService } from '../../services/users';
import { AppError } from '../../errors';

export const SESSION_COOKIE = 'henlai_sid';
/** Double-submit token for the sign-in form, which has no session to bind a token to yet. */
export const LOGIN_COOKIE = 'henlai_login';

declare module 'express-serve-static-core' {
  interface Request {
    staff?: { user: User; actor: Actor; csrfToken: string; sessionId: string };
  }
}

export class CsrfError extends AppError {
  constructor() {
    super(403, 'csrf', 'Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; vui lòng tải lại trang và thử lại');
  }
}

/**
 * Secure whenever the page was reached over HTTPS (directly or through a trusted proxy), and
 * always when the service's public address is https — a proxy that forgets X-Forwarded-Proto
 * must not get the session cookie sent in clear.
 */
export function cookieOptions(req: Request, publicHttps: boolean, maxAgeMs?: number): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: publicHttps || req.secure, path: '/', ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) };
}

/** Reads the session cookie on every page request; a missing or dead session is simply "not signed in". */
export function loadSession(users: UserService): RequestHandler {
  return async (req, _res, next) => {
    const sessionId: unknown = req.cookies?.[SESSION_COOKIE];
    if (typeof sessionId === 'string' && /^[A-Za-z0-9_-]{43}$/.test(sessionId)) {
      const signedIn = await users.fromSession(sessionId);
      if (signedIn) req.staff = { ...signedIn, sessionId };
    }
    next();
  };
}

/** Pages behind sign-in send the person to the sign-in page and back where they were going. */
export const requireStaff: RequestHandler = (req, res, next) => {
  if (req.staff) return next();
  if (req.method === 'GET') return res.redirect(303, `/dang-nhap?next=${encodeURIComponent(req.originalUrl)}`);
  next(new CsrfError());
};

export function staffOf(req: Request): NonNullable<Request['staff']> {
  if (!req.staff) throw new Error('requireStaff must run before this route');
  return req.staff;
}

function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Every state-changing form carries the session's token in `_csrf` (synchronizer token). SameSite
 * cookies already stop most cross-site posts; the token also covers old browsers and same-site
 * subdomains.
 */
export const requireCsrf: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const expected = req.staff?.csrfToken;
  const sent: unknown = req.body?._csrf ?? req.get('x-csrf-token');
  if (!expected || !sameToken(sent, expected)) return next(new CsrfError());
  next();
};

export function checkLoginToken(req: Request): void {
  const cookie: unknown = req.cookies?.[LOGIN_COOKIE];
  if (typeof cookie !== 'string' || !sameToken(req.body?._csrf, cookie)) throw new CsrfError();
}

export function newLoginToken(req: Request, res: Response, publicHttps: boolean): string {
  const token = crypto.randomBytes(24).toString('base64url');
  res.cookie(LOGIN_COOKIE, token, cookieOptions(req, publicHttps, 60 * 60_000));
  return token;
}
