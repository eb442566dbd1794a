import crypto from 'node:crypto';
import { enclosingTransaction, type Db } from './connection';

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

/** The key is this request's to run and answer; `claimToken` proves it when the answer is stored. */
export interface HeldClaim {
  claimToken: string;
}

export interface ClaimTimes {
  /** The request's time (the service clock), kept as when the key was first used. */
  now: number;
  /** The machine's time: a claim tells a dead server from a live one, so it counts real time. */
  realNow: number;
  /** A claim made before this real time is abandoned (its server died) and may be taken over. */
  expiredBefore: number;
}

export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  /**
   * Claims the key for this request, or returns the earlier record when the key was already used
   * by this token. A claim still unanswered after the bound is taken over by one retry only: the
   * conditional update succeeds for the first and no longer matches for the others.
   */
  async claim(tokenId: number, key: string, requestHash: string, times: ClaimTimes): Promise<HeldClaim | StoredResponse> {
    const claimToken = crypto.randomUUID();
    const inProgress: StoredResponse = { requestHash, status: null, body: null };
    const existing = await this.db('idempotency_keys').where({ token_id: tokenId, key }).first();
    if (!existing) {
      try {
        await this.db('idempotency_keys').insert({ token_id: tokenId, key, request_hash: requestHash, created_at: times.now, claim_token: claimToken, claimed_at: times.realNow });
        return { claimToken };
      } catch {
        // Lost a race with a concurrent request carrying the same key: report it as in progress.
        return inProgress;
      }
    }
    const earlier: StoredResponse = { requestHash: existing.request_hash, status: existing.status, body: existing.response };
    const expired = existing.claimed_at === null || Number(existing.claimed_at) < times.expiredBefore;
    if (earlier.requestHash !== requestHash || earlier.status !== null || !expired) return earlier;
    const taken = await this.db('idempotency_keys')
      .where({ token_id: tokenId, key })
      .whereNull('status')
      .where((q) => q.whereNull('claimed_at').orWhere('claimed_at', '<', times.expiredBefore))
      .update({ claim_token: claimToken, claimed_at: times.realNow });
    return taken === 1 ? { claimToken } : inProgress;
  }

  /**
   * Runs a keyed request as one transaction, the use cases' transactions joining it, so that the
   * answer `complete` stores inside it commits with the work or not at all.
   */
  unitOfWork<T>(work: () => Promise<T>): Promise<T> {
    return enclosingTransaction(this.db, work);
  }

  /** Stores the answer; false when the claim was taken over meanwhile (the retry's answer stands). */
  async complete(tokenId: number, key: string, claim: HeldClaim, status: number, body: string): Promise<boolean> {
    const stored = await this.db('idempotency_keys').where({ token_id: tokenId, key, claim_token: claim.claimToken }).whereNull('status').update({ status, response: body });
    return stored === 1;
  }

  /** Frees the key for a retry, unless the claim was taken over meanwhile. */
  async release(tokenId: number, key: string, claim: HeldClaim): Promise<void> {
    await this.db('idempotency_keys').where({ token_id: tokenId, key, claim_token: claim.claimToken }).whereNull('status').delete();
  }
}
