import type { UserRole } from '../domain/access';
import type { Db } from './connection';
import { found } from '../errors';

export interface User {
  id: number;
  username: string;
  fullName: string;
  role: UserRole;
  agencyId: number | null;
  active: boolean;
  /** The account's own address (optional): a leader's signature reminders go there. */
  email: string | null;
  lastLoginAt: number | null;
  createdAt: number;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

interface Row {
  id: number;
  username: string;
  full_name: string;
  role: UserRole;
  agency_id: number | null;
  password_hash: string;
  active: boolean | number;
  email: string | null;
  last_login_at: number | string | null;
  created_at: number | string;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function fromRow(r: Row): UserWithHash {
  return {
    id: r.id,
    username: r.username,
    fullName: r.full_name,
    role: r.role,
    agencyId: r.agency_id,
    active: Boolean(r.active),
    email: r.email ?? null,
    lastLoginAt: num(r.last_login_at),
    createdAt: Number(r.created_at),
    passwordHash: r.password_hash,
  };
}

function withoutHash(u: UserWithHash): User {
  const { passwordHash: _, ...user } = u;
  return user;
}

export interface UserInput {
  username: string;
  fullName: string;
  role: UserRole;
  agencyId: number | null;
  active: boolean;
  /** Absent: none (or, on update, removed). */
  email?: string | null;
}

export class UserRepository {
  constructor(private readonly db: Db) {}

  async insert(input: UserInput, passwordHash: string, now: number): Promise<User> {
    const [row] = await this.db('users')
      .insert({
        username: input.username,
        full_name: input.fullName,
        role: input.role,
        agency_id: input.agencyId,
        active: input.active,
        email: input.email ?? null,
        password_hash: passwordHash,
        created_at: now,
        updated_at: now,
      })
      .returning('*');
    return withoutHash(fromRow(row as Row));
  }

  async update(id: number, input: UserInput, now: number): Promise<User> {
    await this.db('users')
      .where({ id })
      .update({ username: input.username, full_name: input.fullName, role: input.role, agency_id: input.agencyId, active: input.active, email: input.email ?? null, updated_at: now });
    return this.get(id);
  }

  async setPassword(id: number, passwordHash: string, now: number): Promise<void> {
    await this.db('users').where({ id }).update({ password_hash: passwordHash, updated_at: now });
  }

  async byId(id: number): Promise<User | null> {
    const row = (await this.db<Row>('users').where({ id }).first()) as Row | undefined;
    return row ? withoutHash(fromRow(row)) : null;
  }

  /** `byId` for an account that must exist (just written). */
  async get(id: number): Promise<User> {
    return found(await this.byId(id), `Không có tài khoản số ${id}`);
  }

  async byUsernameWithHash(username: string): Promise<UserWithHash | null> {
    const row = (await this.db<Row>('users').where({ username }).first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async list(): Promise<User[]> {
    return ((await this.db<Row>('users').orderBy('username')) as Row[]).map((r) => withoutHash(fromRow(r)));
  }

  async count(): Promise<number> {
    const row = (await this.db('users').count<{ n: number | string }[]>({ n: '*' }).first()) as { n: number | string };
    return Number(row.n);
  }

  async recordSuccess(id: number, now: number): Promise<void> {
    await this.db('users').where({ id }).update({ last_login_at: now });
  }
}

export interface Session {
  userId: number;
  csrfToken: string;
  lastSeenAt: number;
  expiresAt: number;
}

export class SessionRepository {
  constructor(private readonly db: Db) {}

  async insert(idHash: string, userId: number, csrfToken: string, now: number, expiresAt: number): Promise<void> {
    await this.db('sessions').insert({ id_hash: idHash, user_id: userId, csrf_token: csrfToken, created_at: now, last_seen_at: now, expires_at: expiresAt });
  }

  async live(idHash: string, now: number): Promise<Session | null> {
    const row = await this.db('sessions').where({ id_hash: idHash }).where('expires_at', '>', now).first();
    if (!row) return null;
    return { userId: row.user_id, csrfToken: row.csrf_token, lastSeenAt: Number(row.last_seen_at), expiresAt: Number(row.expires_at) };
  }

  async extend(idHash: string, now: number, expiresAt: number): Promise<void> {
    await this.db('sessions').where({ id_hash: idHash }).update({ last_seen_at: now, expires_at: expiresAt });
  }

  async remove(idHash: string): Promise<void> {
    await this.db('sessions').where({ id_hash: idHash }).delete();
  }

  async removeForUser(userId: number): Promise<void> {
    await this.db('sessions').where({ user_id: userId }).delete();
  }

  async removeExpired(now: number): Promise<number> {
    return this.db('sessions').where('expires_at', '<=', now).delete();
  }
}
