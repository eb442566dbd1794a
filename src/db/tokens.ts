import type { Db } from './connection';

export interface ApiToken {
  id: number;
  name: string;
  agencyId: number | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface Row {
  id: number;
  name: string;
  token_hash: string;
  agency_id: number | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

function fromRow(r: Row): ApiToken {
  return {
    id: r.id,
    name: r.name,
    agencyId: r.agency_id,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

export class TokenRepository {
  constructor(private readonly db: Db) {}

  async insert(name: string, tokenHash: string, agencyId: number | null, now: number): Promise<ApiToken> {
    const [row] = await this.db<Row>('api_tokens')
      .insert({ name, token_hash: tokenHash, agency_id: agencyId, created_at: now })
      .returning('*');
    return fromRow(row as Row);
  }

  async activeByHash(tokenHash: string): Promise<ApiToken | null> {
    const row = (await this.db<Row>('api_tokens').where({ token_hash: tokenHash }).whereNull('revoked_at').first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async touch(id: number, now: number): Promise<void> {
    await this.db('api_tokens').where({ id }).update({ last_used_at: now });
  }

  async byId(id: number): Promise<ApiToken | null> {
    const row = (await this.db<Row>('api_tokens').where({ id }).first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async list(): Promise<ApiToken[]> {
    return ((await this.db<Row>('api_tokens').orderBy('id')) as Row[]).map(fromRow);
  }

  async revoke(id: number, now: number): Promise<boolean> {
    return (await this.db('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: now })) > 0;
  }
}

export interface StoredResponse {
  requestHash: string;
  status: number | null;
  body: string | null;
}

export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  /** Claims the key; returns the earlier record when the key was already used by this token. */
  async claim(tokenId: number, key: string, requestHash: string, now: number): Promise<StoredResponse | null> {
    const existing = await this.db('idempotency_keys').where({ token_id: tokenId, key }).first();
    if (existing) return { requestHash: existing.request_hash, status: existing.status, body: existing.response };
    try {
      await this.db('idempotency_keys').insert({ token_id: tokenId, key, request_hash: requestHash, created_at: now });
      return null;
    } catch {
      // Lost a race with a concurrent request carrying the same key: report it as in progress.
      return { requestHash, status: null, body: null };
    }
  }

  async complete(tokenId: number, key: string, status: number, body: string): Promise<void> {
    await this.db('idempotency_keys').where({ token_id: tokenId, key }).update({ status, response: body });
  }

  async release(tokenId: number, key: string): Promise<void> {
    await this.db('idempotency_keys').where({ token_id: tokenId, key }).whereNull('status').delete();
  }
}
