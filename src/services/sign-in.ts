import crypto from 'node:crypto';
import type { SignInAttemptRepository } from '../db/sign-in-attempts';
import type { SessionRepository, UserRepository } from '../db/users';
import { signInHeldBack, type SignInLimits } from '../domain/sign-in';
import { TooManyAttemptsError, UnauthorizedError } from '../errors';
import { realTimeOf, type Clock } from '../clock';
import { hashPassword, hashSessionId, UserService, verifyPassword, type SignedIn } from './users';

export interface SignInSettings extends SignInLimits {
  sessionMs: number;
  /** The window failures are counted in, and so the longest an address is held back. */
  lockMs: number;
  /** The cost of the decoy hash: that of every new password hash, so that a check costs the same. */
  passwordHashCost: number;
}

/** Hashed with its kind, so that a name and an address never share a key. */
const keyOf = (kind: 'account' | 'address', value: string): string => crypto.createHash('sha256').update(`${kind}\0${value}`).digest('hex');

/**
 * Staff sign-in. Every refusal reads the same whether the account exists, is disabled or the
 * password is wrong, and costs the same: one scrypt, against a decoy hash when there is no
 * account to check. Failures are counted per account name, per address and per both in the
 * database (so across instances), and an attempt that `signInHeldBack` refuses is answered
 * "too many attempts" without a password check — the same answer for a name that does not exist.
 */
export class SignInService {
  private decoy: Promise<string> | null = null;

  constructor(
    private readonly deps: {
      users: UserRepository;
      sessions: SessionRepository;
      attempts: SignInAttemptRepository;
      clock: Clock;
      settings: SignInSettings;
    },
  ) {}

  async attempt(username: string, password: string, address: string): Promise<{ sessionId: string } & SignedIn> {
    const { users, sessions, attempts, clock, settings } = this.deps;
    // Made once, on the first attempt of any kind, so that it is ready before a name is unknown.
    this.decoy ??= hashPassword(crypto.randomBytes(16).toString('hex'), settings.passwordHashCost);
    // Lockouts and sessions hold off real people: real time, even on a replay's virtual clock.
    const now = realTimeOf(clock).now().getTime();
    const since = now - settings.lockMs;
    const name = username.trim().toLowerCase();
    const accountKey = keyOf('account', name);
    const addressKey = keyOf('address', address);
    await attempts.forgetBefore(since);
    // On record before counting: attempts racing each other each count the others, so a burst
    // can be refused too early but never checks more passwords than the limits allow.
    const id = await attempts.record(accountKey, addressKey, now);
    if (signInHeldBack(await attempts.countSince(accountKey, addressKey, since, id), settings)) {
      await attempts.forget(id);
      throw new TooManyAttemptsError(`Đăng nhập sai quá nhiều lần; vui lòng thử lại sau ${Math.ceil(settings.lockMs / 60_000)} phút`);
    }
    const user = await users.byUsernameWithHash(name);
    const matches = await verifyPassword(password, user?.passwordHash ?? (await this.decoy));
    // A failure stays on record for the window.
    if (!user || !user.active || !matches) throw new UnauthorizedError('Tên đăng nhập hoặc mật khẩu không đúng');
    await attempts.forget(id);
    await users.recordSuccess(user.id, now);
    const sessionId = crypto.randomBytes(32).toString('base64url');
    const csrfToken = crypto.randomBytes(32).toString('base64url');
    await sessions.insert(hashSessionId(sessionId), user.id, csrfToken, now, now + settings.sessionMs);
    const { passwordHash: _, ...plain } = user;
    return { sessionId, csrfToken, user: plain, actor: UserService.actorOf(plain) };
  }
}
