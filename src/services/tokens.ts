import crypto from 'node:crypto';
import type { AgencyRepository } from '../db/agencies';
import type { ApiToken, TokenRepository } from '../db/tokens';
import { NotFoundError, UnauthorizedError } from '../errors';
import type { Clock } from '../clock';
import { actsFor, type Actor } from '../domain/actor';
import { authorize, authorizeFor } from './authorize';

// Tokens carry 256 random bits, so a plain SHA-256 is enough to store them: unlike passwords
// they cannot be guessed, and a fast hash keeps every API request cheap.
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export interface TokenServiceDeps {
  tokens: TokenRepository;
  agencies: AgencyRepository;
  clock: Clock;
}

export class TokenService {
  constructor(private readonly deps: TokenServiceDeps) {}

  /** Returns the secret once; only its hash is kept. */
  async create(name: string, agencyCode: string | null, actor: Actor): Promise<{ token: string; record: ApiToken }> {
    authorize(actor, 'token.manage');
    let agencyId: number | null = null;
    if (agencyCode) {
      const agency = await this.deps.agencies.byCode(agencyCode);
      if (!agency) throw new NotFoundError(`Không có cơ quan mã "${agencyCode}"`);
      agencyId = agency.id;
    }
    authorizeFor(actor, 'token.manage', agencyId);
    const token = `hl_${crypto.randomBytes(32).toString('base64url')}`;
    const record = await this.deps.tokens.insert(name, hashToken(token), agencyId, this.deps.clock.now().getTime());
    return { token, record };
  }

  /** Every token for an installation-wide administrator, else its own agency's. */
  async list(actor: Actor): Promise<ApiToken[]> {
    authorize(actor, 'token.manage');
    return (await this.deps.tokens.list()).filter((t) => actsFor(actor, t.agencyId));
  }

  /** Revoked at once: the next request with this token is refused. Another agency's token is answered like a missing one. */
  async revoke(id: number, actor: Actor): Promise<void> {
    authorize(actor, 'token.manage');
    const token = await this.deps.tokens.byId(id);
    if (!token || !actsFor(actor, token.agencyId) || !(await this.deps.tokens.revoke(id, this.deps.clock.now().getTime()))) {
      throw new NotFoundError(`Không có mã truy cập đang hiệu lực số ${id}`);
    }
  }

  async authenticate(bearer: string | undefined): Promise<Actor & { tokenId: number }> {
    const m = /^Bearer\s+(\S+)$/i.exec(bearer ?? '');
    if (!m) throw new UnauthorizedError();
    const record = await this.deps.tokens.activeByHash(hashToken(m[1]));
    if (!record) throw new UnauthorizedError('Mã truy cập không đúng hoặc đã bị thu hồi');
    const now = this.deps.clock.now().getTime();
    // Recording every use would turn each read into a write; a minute's precision is plenty.
    if (!record.lastUsedAt || now - record.lastUsedAt > 60_000) await this.deps.tokens.touch(record.id, now);
    return { name: `token:${record.name}`, agencyId: record.agencyId, role: 'integration', tokenId: record.id };
  }
}
