import crypto from 'node:crypto';
import type { AgencyRepository } from '../db/agencies';
import type { ProcedureRepository } from '../db/procedures';
import type { TokenRepository } from '../db/tokens';
import type { InteropSourceRepository } from '../db/interop-sources';
import type { CodeMapKind, CodeMapping, DisagreementRow, InteropInboundRepository, Refusal } from '../db/interop-inbound';
import { INTEROP_SOURCE_CODE, type InteropSource, type InteropSourceInput } from '../domain/interop';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import type { Clock } from '../clock';
import { scopeAgencies, type Actor } from '../domain/actor';
import { authorize, authorizeFor } from './authorize';
import type { InteropInboundService, SyncResult, SyncService } from './interop-inbound';
import type { SecretBox } from './signing/secrets';
import { hashToken } from './tokens';

export interface InteropSourceServiceDeps {
  sources: InteropSourceRepository;
  inbound: InteropInboundRepository;
  tokens: TokenRepository;
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  secrets: SecretBox;
  receive: InteropInboundService;
  clock: Clock;
}

/** An actor as the API sees it: a request made with a source's own token carries its id. */
export type AdminActor = Actor & { tokenId?: number };

/**
 * Configuring the one-stop systems that send dossiers (issue 16): sources, their credentials and
 * shared secrets, and the tables mapping their codes to our catalogue. An installation-wide
 * administrator's work only; a source's own token never reconfigures sources.
 */
export class InteropSourceService {
  constructor(private readonly deps: InteropSourceServiceDeps) {}

  private async assertAdmin(actor: AdminActor): Promise<void> {
    authorizeFor(actor, 'interop.manage', null);
    if (actor.tokenId !== undefined && (await this.deps.sources.byToken(actor.tokenId))) {
      throw new ForbiddenError('Mã truy cập của một nguồn liên thông chỉ dùng để gửi hồ sơ, không để cấu hình nguồn');
    }
  }

  /** The source whose inbound token this is (null: none); disabled sources are refused here. */
  async bySourceToken(tokenId: number): Promise<InteropSource | null> {
    const source = await this.deps.sources.byToken(tokenId);
    if (source && !source.enabled) throw new ForbiddenError(`Nguồn liên thông ${source.code} đang tạm dừng: quản trị hệ thống bật lại trước khi gửi`);
    return source;
  }

  async list(actor: AdminActor): Promise<InteropSource[]> {
    await this.assertAdmin(actor);
    return this.deps.sources.list();
  }

  async get(code: string, actor: AdminActor): Promise<InteropSource> {
    await this.assertAdmin(actor);
    return this.byCode(code);
  }

  private async byCode(code: string): Promise<InteropSource> {
    const source = await this.deps.sources.byCode(code);
    if (!source) throw new NotFoundError(`Không có nguồn liên thông mã "${code}"`);
    return source;
  }

  /** Registers a source and gives its inbound token, once (only its hash is kept). */
  async create(input: InteropSourceInput, secret: string | null, actor: AdminActor): Promise<{ source: InteropSource; token: string }> {
    await this.assertAdmin(actor);
    this.check(input);
    if (await this.deps.sources.byCode(input.code)) throw new ConflictError('source-exists', `Đã có nguồn liên thông mã "${input.code}"`);
    const now = this.deps.clock.now().getTime();
    const source = await this.deps.sources.insert(input, actor.name, now);
    const token = await this.issueToken(source, actor, now);
    if (secret !== null) await this.deps.sources.setCredentials(source.id, { secretSealed: this.deps.secrets.seal({ sharedSecret: secret }) }, actor.name, now);
    return { source: (await this.deps.sources.byId(source.id)) as InteropSource, token };
  }

  async update(code: string, patch: Partial<InteropSourceInput>, actor: AdminActor): Promise<InteropSource> {
    await this.assertAdmin(actor);
    const source = await this.byCode(code);
    const next = { ...source, ...patch };
    this.check(next);
    if (patch.code !== undefined && patch.code !== source.code && (await this.deps.sources.byCode(patch.code))) {
      throw new ConflictError('source-exists', `Đã có nguồn liên thông mã "${patch.code}"`);
    }
    const now = this.deps.clock.now().getTime();
    const updated = (await this.deps.sources.update(source.id, patch, actor.name, now)) as InteropSource;
    // The token speaks for the source's agency: a new scope needs a new token.
    if (patch.agencyId !== undefined && patch.agencyId !== source.agencyId && source.tokenId !== null) {
      await this.deps.tokens.revoke(source.tokenId, now);
      await this.deps.sources.setCredentials(source.id, { tokenId: null }, actor.name, now);
    }
    return (await this.deps.sources.byId(updated.id)) as InteropSource;
  }

  /** A new inbound token; the previous one stops working at once. */
  async rotateToken(code: string, actor: AdminActor): Promise<string> {
    await this.assertAdmin(actor);
    const source = await this.byCode(code);
    const now = this.deps.clock.now().getTime();
    if (source.tokenId !== null) await this.deps.tokens.revoke(source.tokenId, now);
    return this.issueToken(source, actor, now);
  }

  /** Replaces the shared secret (null removes it); it is never shown again. */
  async setSecret(code: string, secret: string | null, actor: AdminActor): Promise<void> {
    await this.assertAdmin(actor);
    const source = await this.byCode(code);
    const sealed = secret === null ? null : this.deps.secrets.seal({ sharedSecret: secret });
    await this.deps.sources.setCredentials(source.id, { secretSealed: sealed }, actor.name, this.deps.clock.now().getTime());
  }

  /** The source's shared secret, for signing and checking calls (null when none is set). */
  sharedSecret(source: InteropSource): string | null {
    return this.deps.secrets.open(source.secretSealed).sharedSecret ?? null;
  }

  private async issueToken(source: InteropSource, actor: Actor, now: number): Promise<string> {
    const token = `hl_${crypto.randomBytes(32).toString('base64url')}`;
    const record = await this.deps.tokens.insert(`nguồn ${source.code}`, hashToken(token), source.agencyId, now);
    await this.deps.sources.setCredentials(source.id, { tokenId: record.id }, actor.name, now);
    return token;
  }

  private check(s: InteropSourceInput): void {
    const problems = [];
    if (!INTEROP_SOURCE_CODE.pattern.test(s.code)) problems.push({ field: 'code', message: INTEROP_SOURCE_CODE.message });
    if (s.mode === 'pull' && !s.pullUrl) problems.push({ field: 'pullUrl', message: 'Nguồn lấy dữ liệu chủ động (pull) cần địa chỉ pullUrl' });
    for (const field of ['outboundUrl', 'pullUrl'] as const) {
      const url = s[field];
      if (url && !/^https?:\/\/[^\s]+$/.test(url)) problems.push({ field, message: `${field} phải là địa chỉ http:// hoặc https://` });
    }
    if (problems.length) throw new ValidationError(problems);
  }

  async mappings(code: string, actor: AdminActor): Promise<{ source: InteropSource; items: (CodeMapping & { ourCode: string; ourName: string })[] }> {
    await this.assertAdmin(actor);
    const source = await this.byCode(code);
    const items = [];
    for (const m of await this.deps.inbound.mappings(source.id)) {
      const ours = m.kind === 'procedure' ? await this.deps.procedures.byId(m.ourId) : await this.deps.agencies.byId(m.ourId);
      items.push({ ...m, ourCode: ours?.code ?? '?', ourName: ours?.name ?? '?' });
    }
    return { source, items };
  }

  /** Maps one of the sender's codes to one of ours (replacing an earlier mapping of it). */
  async setMapping(code: string, kind: CodeMapKind, theirCode: string, ourCode: string, actor: AdminActor): Promise<void> {
    await this.assertAdmin(actor);
    const source = await this.byCode(code);
    const ours = kind === 'procedure' ? await this.deps.procedures.byCode(ourCode) : await this.deps.agencies.byCode(ourCode);
    if (!ours) throw new ValidationError([{ field: 'ourCode', message: `Không có ${kind === 'procedure' ? 'thủ tục' : 'cơ quan'} mã "${ourCode}"` }]);
    if (!theirCode.trim()) throw new ValidationError([{ field: 'theirCode', message: 'Thiếu mã của hệ thống gửi' }]);
    await this.deps.inbound.setMapping(source.id, kind, theirCode.trim(), ours.id, actor.name, this.deps.clock.now().getTime());
  }

  async removeMapping(code: string, kind: CodeMapKind, theirCode: string, actor: AdminActor): Promise<void> {
    await this.assertAdmin(actor);
    const source = await this.byCode(code);
    if (!(await this.deps.inbound.removeMapping(source.id, kind, theirCode))) throw new NotFoundError(`Không có ánh xạ mã "${theirCode}"`);
  }

  /**
   * Sends a refused payload through again, as its source (after the mapping was fixed): taken,
   * the refusal is closed; refused again, it stays open and the answer says why.
   */
  async replay(id: number, actor: AdminActor): Promise<SyncResult> {
    await this.assertAdmin(actor);
    const refusal = await this.deps.inbound.refusal(id);
    if (!refusal) throw new NotFoundError(`Không có hồ sơ bị từ chối số ${id}`);
    const source = (await this.deps.sources.byId(refusal.sourceId)) as InteropSource;
    const asSource: Actor = { name: `nguồn ${source.code} (gửi lại bởi ${actor.name})`, agencyId: source.agencyId, role: 'integration' };
    const [result] = await this.deps.receive.receive(source, refusal.service as SyncService, [refusal.payload], asSource, { keepRefusals: false });
    if (result.error_code === 0) await this.deps.inbound.markReplayed(id, this.deps.clock.now().getTime());
    return result;
  }

  /** How many received dossiers carry a due date other than ours, per procedure or agency. */
  async disagreements(groupBy: 'procedure' | 'agency', sourceCode: string | undefined, actor: Actor): Promise<DisagreementRow[]> {
    authorize(actor, 'report.read');
    const sourceId = sourceCode === undefined ? undefined : (await this.byCode(sourceCode)).id;
    return this.deps.inbound.disagreements(groupBy, sourceId, scopeAgencies(actor, undefined));
  }

  async refusals(filter: { sourceCode?: string; open?: boolean }, actor: AdminActor): Promise<(Refusal & { sourceCode: string })[]> {
    await this.assertAdmin(actor);
    const sources = new Map((await this.deps.sources.list()).map((s) => [s.id, s]));
    const sourceId = filter.sourceCode === undefined ? undefined : (await this.byCode(filter.sourceCode)).id;
    return (await this.deps.inbound.refusals({ sourceId, open: filter.open })).map((r) => ({ ...r, sourceCode: sources.get(r.sourceId)?.code ?? '?' }));
  }
}
