import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { AgencyRepository } from '../db/agencies';
import type { SessionRepository, User, UserInput, UserRepository } from '../db/users';
import { isUniqueViolation } from '../db/connection';
import { USER_ROLES, type UserRole } from '../domain/access';
import { normalizeText, textProblem } from '../domain/text';
import { normalizeEmail } from '../domain/contact';
import { ConflictError, NotFoundError, ValidationError, type FieldProblem } from '../errors';
import { realTimeOf, type Clock } from '../clock';
import { actsFor, type Actor } from '../domain/actor';
import { authorize, authorizeFor } from './authorize';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

// N=2^cost, r=8 (OWASP's scrypt minimum is 2^17 with r=8 or 2^15 with r=8,p=3; we take p=3 and
// production's cost is at least 15): ~0.1 s per check on a counter server — slow for a guesser,
// invisible to a person. The parameters are stored with the hash, so a check costs what the hash did.
const SCRYPT = { r: 8, p: 3, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 10;

/** `cost` is log2 of scrypt's N: the `PASSWORD_HASH_COST` setting (config.auth.passwordHashCost). */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = crypto.randomBytes(16);
  const N = 2 ** cost;
  const key = await scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...SCRYPT, N });
  return ['scrypt', N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return crypto.timingSafeEqual(actual, expected);
}

export const hashSessionId = (id: string): string => crypto.createHash('sha256').update(id).digest('hex');

export interface SignedIn {
  user: User;
  actor: Actor;
  csrfToken: string;
}

export interface UserServiceDeps {
  users: UserRepository;
  sessions: SessionRepository;
  agencies: AgencyRepository;
  clock: Clock;
  settings: { sessionMs: number; passwordHashCost: number };
}

export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  static actorOf(user: User): Actor {
    return { name: user.fullName, agencyId: user.agencyId, role: user.role, userId: user.id };
  }

  /** The person behind a session cookie, or null when the session is unknown, expired or the account disabled. */
  async fromSession(sessionId: string): Promise<SignedIn | null> {
    // A session's life is counted in real time, as at sign-in (a replay's virtual clock leaps days).
    const now = realTimeOf(this.deps.clock).now().getTime();
    const idHash = hashSessionId(sessionId);
    const session = await this.deps.sessions.live(idHash, now);
    if (!session) return null;
    const user = await this.deps.users.byId(session.userId);
    if (!user || !user.active) return null;
    // Extending on every request would make each page view a write; once a minute is enough.
    if (now - session.lastSeenAt > 60_000) await this.deps.sessions.extend(idHash, now, now + this.deps.settings.sessionMs);
    return { user, actor: UserService.actorOf(user), csrfToken: session.csrfToken };
  }

  async signOut(sessionId: string): Promise<void> {
    await this.deps.sessions.remove(hashSessionId(sessionId));
  }

  /** The accounts this administrator manages: every one for an installation-wide administrator, else its own agency's. */
  async list(actor: Actor): Promise<User[]> {
    authorize(actor, 'user.manage');
    return (await this.deps.users.list()).filter((u) => actsFor(actor, u.agencyId));
  }

  /** An account outside the administrator's agency is answered like a missing one. */
  async get(id: number, actor: Actor): Promise<User> {
    authorize(actor, 'user.manage');
    const user = await this.deps.users.byId(id);
    if (!user || !actsFor(actor, user.agencyId)) throw new NotFoundError(`Không có tài khoản số ${id}`);
    return user;
  }

  async create(input: UserInput & { agencyCode?: string | null }, password: string, actor: Actor): Promise<User> {
    authorize(actor, 'user.manage');
    const clean = await this.validated(input, password, true);
    authorizeFor(actor, 'user.manage', clean.agencyId);
    try {
      return await this.deps.users.insert(clean, await hashPassword(password, this.deps.settings.passwordHashCost), this.deps.clock.now().getTime());
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('user-exists', `Tên đăng nhập "${clean.username}" đã có`);
      throw err;
    }
  }

  async update(id: number, input: UserInput & { agencyCode?: string | null }, newPassword: string | null, actor: Actor): Promise<User> {
    const current = await this.get(id, actor);
    const clean = await this.validated(input, newPassword ?? '', newPassword !== null);
    authorizeFor(actor, 'user.manage', clean.agencyId);
    if (actor.userId === id && (clean.role !== current.role || !clean.active)) {
      throw new ValidationError([{ field: 'role', message: 'Không tự đổi vai trò hoặc tự khoá tài khoản của chính mình' }]);
    }
    const now = this.deps.clock.now().getTime();
    let user: User;
    try {
      user = await this.deps.users.update(id, clean, now);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('user-exists', `Tên đăng nhập "${clean.username}" đã có`);
      throw err;
    }
    if (newPassword !== null) await this.deps.users.setPassword(id, await hashPassword(newPassword, this.deps.settings.passwordHashCost), now);
    // A changed role, agency, password or a disabled account must not keep old sessions alive.
    if (newPassword !== null || clean.role !== current.role || clean.agencyId !== current.agencyId || !clean.active) {
      await this.deps.sessions.removeForUser(id);
    }
    return user;
  }

  private async validated(input: UserInput & { agencyCode?: string | null }, password: string, checkPassword: boolean): Promise<UserInput> {
    const problems: FieldProblem[] = [];
    const username = input.username.trim().toLowerCase();
    if (!/^[a-z0-9._-]{3,64}$/.test(username)) {
      problems.push({ field: 'username', message: 'Tên đăng nhập gồm 3–64 chữ cái không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới' });
    }
    const fullName = normalizeText(input.fullName);
    const nameProblem = fullName ? textProblem(fullName) : 'Cần họ và tên';
    if (nameProblem) problems.push({ field: 'fullName', message: nameProblem });
    if (!(USER_ROLES as readonly string[]).includes(input.role)) problems.push({ field: 'role', message: 'Vai trò không hợp lệ' });
    let agencyId = input.agencyId;
    if (input.agencyCode !== undefined) {
      agencyId = null;
      if (input.agencyCode) {
        const agency = await this.deps.agencies.byCode(input.agencyCode);
        if (agency) agencyId = agency.id;
        else problems.push({ field: 'agencyCode', message: `Không có cơ quan mã "${input.agencyCode}"` });
      }
    }
    if (agencyId === null && needsAgency(input.role) && !problems.some((p) => p.field === 'agencyCode')) {
      problems.push({ field: 'agencyCode', message: 'Vai trò này phải thuộc một cơ quan' });
    }
    const email = input.email?.trim() ? normalizeEmail(input.email) : null;
    if (input.email?.trim() && !email) problems.push({ field: 'email', message: 'Địa chỉ e-mail không hợp lệ (ví dụ: ten@coquan.gov.vn)' });
    if (checkPassword && password.length < MIN_PASSWORD_LENGTH) {
      problems.push({ field: 'password', message: `Mật khẩu cần ít nhất ${MIN_PASSWORD_LENGTH} ký tự` });
    }
    if (problems.length) throw new ValidationError(problems);
    return { username, fullName, role: input.role, agencyId, active: input.active, email };
  }
}

/** Counter staff, officers and leaders work for one agency; supervisors and administrators may span all. */
export function needsAgency(role: UserRole): boolean {
  return role === 'counter' || role === 'officer' || role === 'leader';
}
