/**
 * The Zalo OA grant, kept in the `zalo_tokens` row id=1.
 *
 * Zalo's refresh token is single-use: each refresh returns a new one and voids the old. Two
 * workers refreshing at once would leave one of them holding a dead token, and losing the new
 * one loses the grant until an OA administrator consents again in a browser. Hence:
 * - one refresh at a time across every process, under a database lock (PostgreSQL: the row
 *   `FOR UPDATE`; SQLite: an UPDATE first, which takes the database's write lock), and after
 *   taking the lock the row is read again: a worker that waited uses the token the other one
 *   just obtained instead of spending the (now voided) refresh token it read before;
 * - the new pair is committed before the access token is handed to anyone;
 * - an answer without both tokens breaks the grant: marked 'broken', one alert, never retried.
 *   Only `resetGrant` (an administrator with a new refresh token) mends it.
 */
import { isPostgres, type Db } from '../../db/connection';
import type { Logger } from '../../logger';
import type { ZaloAnswer } from './client';

/** The channel cannot send until an administrator acts; carries the reason (Vietnamese). */
export class ZaloGrantError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ZaloGrantError';
  }
}

export const ZALO_GRANT_ALERT = 'zalo-grant';

/** Refresh this long after the last refresh: well inside the 25 h life of an access token. */
export const DEFAULT_REFRESH_AFTER_MS = 12 * 3_600_000;
/** Never use an access token this close to its expiry, whatever its age. */
const EXPIRY_MARGIN_MS = 3_600_000;
const DEFAULT_EXPIRES_IN_S = 90_000;

const CONSENT_AGAIN =
  'Quản trị viên OA cần cấp quyền lại cho ứng dụng trên Zalo rồi nhập refresh token mới (Hẹn Lại không tự thử lại).';

interface TokenRow {
  id: number;
  access_token: string | null;
  refresh_token: string | null;
  access_expires_at: number | string | null;
  refreshed_at: number | string | null;
  status: string;
  broken_reason: string | null;
  version: number;
}

export interface ZaloGrantStatus {
  state: 'missing' | 'ok' | 'broken';
  refreshedAt: number | null;
  accessExpiresAt: number | null;
  brokenReason: string | null;
  version: number;
}

export interface ZaloTokenStoreOptions {
  db: Db;
  /** Only the refresh call is needed; tests may pass their own. */
  client: { refreshAccessToken(refreshToken: string): Promise<ZaloAnswer> };
  /** ZALO_REFRESH_TOKEN: seeds the row when the table has no grant yet, and only then. */
  initialRefreshToken: string | null;
  logger?: Logger;
  refreshAfterMs?: number;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export class ZaloTokenStore {
  private readonly db: Db;
  private readonly refreshAfterMs: number;

  constructor(private readonly options: ZaloTokenStoreOptions) {
    this.db = options.db;
    this.refreshAfterMs = options.refreshAfterMs ?? DEFAULT_REFRESH_AFTER_MS;
  }

  /** A usable access token; refreshes (single-flight) when missing, old or about to expire. */
  async accessToken(now: Date): Promise<string> {
    const at = now.getTime();
    let row = await this.read(this.db);
    if (!row && this.options.initialRefreshToken) {
      await this.db('zalo_tokens')
        .insert({ id: 1, refresh_token: this.options.initialRefreshToken, status: 'ok', version: 0 })
        .onConflict('id')
        .ignore();
      row = await this.read(this.db);
    }
    if (!row) throw await this.noGrant(at);
    if (row.status === 'broken') throw new ZaloGrantError(row.broken_reason ?? 'Quyền gửi tin Zalo OA đã mất');
    if (this.fresh(row, at)) return row.access_token as string;
    return this.refresh(at, (r) => this.fresh(r, at));
  }

  /**
   * After Zalo answered -124 to `staleToken`: a new token, from another worker's refresh if one
   * happened meanwhile, else from a refresh of our own, even if the stored expiry is in the future.
   */
  async forceRefresh(staleToken: string, now: Date): Promise<string> {
    const at = now.getTime();
    return this.refresh(at, (r) => r.access_token !== null && r.access_token !== staleToken && this.unexpired(r, at));
  }

  /** An administrator's new refresh token: replaces the grant and resolves the grant alerts. */
  async resetGrant(refreshToken: string, now: Date): Promise<void> {
    const token = refreshToken.trim();
    if (!token) throw new ZaloGrantError('Refresh token mới đang trống');
    await this.db.transaction(async (trx) => {
      await this.lock(trx);
      const fields = { access_token: null, refresh_token: token, access_expires_at: null, refreshed_at: null, status: 'ok', broken_reason: null };
      const updated = await trx('zalo_tokens').where({ id: 1 }).update({ ...fields, version: trx.raw('version + 1') });
      if (updated === 0) await trx('zalo_tokens').insert({ id: 1, ...fields, version: 1 });
      await trx('alerts').where({ kind: ZALO_GRANT_ALERT }).whereNull('resolved_at').update({ resolved_at: now.getTime() });
    });
    this.options.logger?.info('zalo: OA permission granted again with a new refresh token');
  }

  /** For the staff pages and /ready: never the tokens themselves. */
  async status(): Promise<ZaloGrantStatus> {
    const row = await this.read(this.db);
    if (!row) return { state: 'missing', refreshedAt: null, accessExpiresAt: null, brokenReason: null, version: 0 };
    return {
      state: row.status === 'broken' ? 'broken' : 'ok',
      refreshedAt: num(row.refreshed_at),
      accessExpiresAt: num(row.access_expires_at),
      brokenReason: row.broken_reason,
      version: Number(row.version),
    };
  }

  private fresh(row: TokenRow, at: number): boolean {
    const refreshedAt = num(row.refreshed_at);
    return row.access_token !== null && refreshedAt !== null && at - refreshedAt < this.refreshAfterMs && this.unexpired(row, at);
  }

  private unexpired(row: TokenRow, at: number): boolean {
    const expiresAt = num(row.access_expires_at);
    return expiresAt !== null && at < expiresAt - EXPIRY_MARGIN_MS;
  }

  private async read(db: Db): Promise<TokenRow | undefined> {
    return db<TokenRow>('zalo_tokens').where({ id: 1 }).first();
  }

  /** Serialises every grant change across processes until the transaction ends. */
  private async lock(trx: Db): Promise<void> {
    if (isPostgres(this.db)) {
      await trx.raw('select id from zalo_tokens where id = 1 for update');
    } else {
      // SQLite has no row locks: a write as the first statement takes the database write lock,
      // and the busy timeout makes the other process wait for it instead of reading stale data.
      await trx('zalo_tokens').where({ id: 1 }).update({ version: trx.raw('version') });
    }
  }

  private async refresh(at: number, goodEnough: (row: TokenRow) => boolean): Promise<string> {
    const outcome = await this.db.transaction(async (trx): Promise<{ token: string } | { broken: string }> => {
      await this.lock(trx);
      const row = await this.read(trx);
      if (!row || !row.refresh_token) return { broken: `Chưa có refresh token của Zalo OA. ${CONSENT_AGAIN}` };
      if (row.status === 'broken') return { broken: row.broken_reason ?? 'Quyền gửi tin Zalo OA đã mất' };
      // Another worker refreshed while we waited for the lock: its token, not a second refresh.
      if (goodEnough(row)) return { token: row.access_token as string };

      const answer = await this.options.client.refreshAccessToken(row.refresh_token);
      const pair = tokenPairOf(answer);
      if ('failure' in pair) {
        const reason = `Làm mới access token Zalo thất bại: ${pair.failure}. ${CONSENT_AGAIN}`.slice(0, 500);
        await trx('zalo_tokens').where({ id: 1 }).update({ status: 'broken', broken_reason: reason, access_token: null, version: trx.raw('version + 1') });
        await alertOnce(trx, reason, at);
        return { broken: reason };
      }
      await trx('zalo_tokens')
        .where({ id: 1 })
        .update({
          access_token: pair.accessToken,
          refresh_token: pair.refreshToken,
          access_expires_at: at + pair.expiresInS * 1000,
          refreshed_at: at,
          status: 'ok',
          broken_reason: null,
          version: trx.raw('version + 1'),
        });
      return { token: pair.accessToken };
    });
    if ('broken' in outcome) {
      this.options.logger?.error({ reason: outcome.broken }, 'zalo: lost the OA permission to send');
      throw new ZaloGrantError(outcome.broken);
    }
    this.options.logger?.info('zalo: access token refreshed');
    return outcome.token;
  }

  private async noGrant(at: number): Promise<ZaloGrantError> {
    const reason = `Chưa có refresh token của Zalo OA (ZALO_REFRESH_TOKEN trống và cơ sở dữ liệu chưa có). ${CONSENT_AGAIN}`;
    await alertOnce(this.db, reason, at);
    return new ZaloGrantError(reason);
  }
}

/**
 * One open 'zalo-grant' alert at most, however many messages meet the broken grant. A single
 * statement, so that on SQLite it never has to upgrade a read lock to a write lock.
 */
export async function alertOnce(db: Db, message: string, at: number): Promise<void> {
  await db.raw(
    'insert into alerts (kind, message, created_at) select ?, ?, cast(? as bigint) where not exists (select 1 from alerts where kind = ? and resolved_at is null)',
    [ZALO_GRANT_ALERT, message.slice(0, 1000), at, ZALO_GRANT_ALERT],
  );
}

/** Both tokens or the reason why not (Vietnamese). */
function tokenPairOf(answer: ZaloAnswer): { accessToken: string; refreshToken: string; expiresInS: number } | { failure: string } {
  if (answer.networkErrorCode !== null || answer.httpStatus === null) {
    return { failure: `không gọi được máy chủ OAuth của Zalo (${answer.networkErrorCode ?? 'không rõ'}); refresh token có thể đã bị dùng` };
  }
  const body = answer.body;
  if (body === null || body === '') return { failure: `Zalo trả lời rỗng (HTTP ${answer.httpStatus}), thường do refresh token đã được dùng rồi` };
  if (typeof body !== 'object' || Array.isArray(body)) return { failure: `Zalo trả lời không đọc được (HTTP ${answer.httpStatus})` };
  const b = body as Record<string, unknown>;
  const access = typeof b.access_token === 'string' ? b.access_token : '';
  const refresh = typeof b.refresh_token === 'string' ? b.refresh_token : '';
  if (access && refresh) {
    const expires = Number(b.expires_in);
    return { accessToken: access, refreshToken: refresh, expiresInS: Number.isFinite(expires) && expires > 0 ? expires : DEFAULT_EXPIRES_IN_S };
  }
  if (b.error !== undefined && b.error !== 0 && b.error !== '0') {
    const name = typeof b.error_name === 'string' ? b.error_name : typeof b.message === 'string' ? b.message : '';
    return { failure: `Zalo từ chối refresh token (lỗi ${String(b.error)}${name ? `: ${name}` : ''})` };
  }
  return { failure: `Zalo không trả về đủ access token và refresh token (HTTP ${answer.httpStatus})` };
}
