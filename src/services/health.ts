/**
 * What an administrator needs to see before citizens stop getting their notices: whether Zalo
 * still holds its grant and quota, whether the SMTP relay answers, and the open alerts.
 */
import type { NoticeChannel, NoticeRepository } from '../db/notices';
import { smtpTransport } from '../channels/email/channel';
import type { Channel } from '../channels/types';
import type { ChannelSettings } from '../channels/index';
import { ZaloClient, ZaloGrantError, type ZaloChannel, type ZaloGrantStatus } from '../channels/zalo';
import { ConflictError, ValidationError } from '../errors';
import type { Clock } from '../clock';
import type { Actor } from '../domain/actor';
import { authorizeFor } from './authorize';

export interface ZaloHealth {
  mode: 'simulator' | 'real';
  /** null in simulator mode. */
  grant: ZaloGrantStatus | null;
  /** Since the access token was last refreshed. */
  tokenAgeMs: number | null;
  quota: { daily: number; remaining: number } | null;
  /** Why the quota could not be read (Vietnamese); null when read or not asked. */
  quotaProblem: string | null;
}

export interface EmailHealth {
  mode: 'smtp' | 'outbox';
  /** `host:port` of the relay, or the outbox folder. */
  destination: string;
  /** null in outbox mode: nothing to reach. */
  reachable: boolean | null;
  problem: string | null;
}

export interface ChannelHealth {
  zalo: ZaloHealth;
  email: EmailHealth;
  alerts: { id: number; kind: string; message: string; createdAt: number }[];
}

const isZalo = (c: Channel | undefined): c is ZaloChannel => c !== undefined && 'tokens' in c;

export interface ChannelHealthServiceDeps {
  config: ChannelSettings;
  channels: Map<NoticeChannel, Channel>;
  notices: NoticeRepository;
  clock: Clock;
}

export class ChannelHealthService {
  constructor(private readonly deps: ChannelHealthServiceDeps) {}

  /** The channels serve every agency, so only an installation-wide administrator sees or mends them. */
  async check(actor: Actor): Promise<ChannelHealth> {
    authorizeFor(actor, 'channel.manage', null);
    const [zalo, email, alerts] = await Promise.all([this.zalo(), this.email(), this.deps.notices.openAlerts()]);
    return { zalo, email, alerts };
  }

  /** An OA administrator consented again in Zalo and pasted the new refresh token. */
  async resetZaloGrant(refreshToken: string, actor: Actor): Promise<void> {
    authorizeFor(actor, 'channel.manage', null);
    const store = this.zaloStore();
    if (!store) throw new ConflictError('zalo-simulated', 'Kênh Zalo đang chạy giả lập: không có quyền OA nào để cấp lại');
    if (!refreshToken.trim()) throw new ValidationError([{ field: 'refreshToken', message: 'Cần nhập refresh token mới' }]);
    await store.resetGrant(refreshToken, this.deps.clock.now());
  }

  private zaloStore() {
    const channel = this.deps.channels.get('zalo');
    return isZalo(channel) ? channel.tokens : null;
  }

  private async zalo(): Promise<ZaloHealth> {
    const store = this.zaloStore();
    if (!store) return { mode: 'simulator', grant: null, tokenAgeMs: null, quota: null, quotaProblem: null };
    const now = this.deps.clock.now();
    // Asking the quota takes an access token, which also seeds the grant from ZALO_REFRESH_TOKEN
    // on first use; so the grant is read after it. A broken or absent grant is not touched: a
    // page view must not raise the sender's alert.
    let grant = await store.status();
    let asked: Pick<ZaloHealth, 'quota' | 'quotaProblem'> = { quota: null, quotaProblem: null };
    if (grant.state === 'ok' || (grant.state === 'missing' && this.deps.config.zalo.initialRefreshToken)) {
      asked = await this.zaloQuota(store, now);
      grant = await store.status();
    }
    const tokenAgeMs = grant.refreshedAt === null ? null : now.getTime() - grant.refreshedAt;
    return { mode: 'real', grant, tokenAgeMs, ...asked };
  }

  private async zaloQuota(store: NonNullable<ZaloChannel['tokens']>, now: Date): Promise<Pick<ZaloHealth, 'quota' | 'quotaProblem'>> {
    const z = this.deps.config.zalo;
    const client = new ZaloClient({ apiBase: z.apiBase, oauthBase: z.oauthBase, appId: z.appId, appSecret: z.appSecret, timeoutMs: z.timeoutMs });
    try {
      const answer = await client.quota(await store.accessToken(now));
      const data = (answer.body as { error?: number; data?: { dailyQuota?: unknown; remainingQuota?: unknown } } | null)?.data;
      const daily = Number(data?.dailyQuota);
      const remaining = Number(data?.remainingQuota);
      if (Number.isFinite(daily) && Number.isFinite(remaining)) return { quota: { daily, remaining }, quotaProblem: null };
      return { quota: null, quotaProblem: `Zalo không trả về hạn mức (HTTP ${answer.httpStatus ?? answer.networkErrorCode ?? '?'})` };
    } catch (err) {
      return { quota: null, quotaProblem: err instanceof ZaloGrantError ? err.reason : 'Không hỏi được hạn mức Zalo' };
    } finally {
      client.close();
    }
  }

  private async email(): Promise<EmailHealth> {
    const smtp = this.deps.config.email.smtp;
    if (!smtp) return { mode: 'outbox', destination: `${this.deps.config.dataDir}/outbox`, reachable: null, problem: null };
    const destination = `${smtp.host}:${smtp.port}`;
    const transport = smtpTransport(smtp, this.deps.config.email.dkim);
    try {
      await transport.verify();
      return { mode: 'smtp', destination, reachable: true, problem: null };
    } catch (err) {
      return { mode: 'smtp', destination, reachable: false, problem: err instanceof Error ? err.message : String(err) };
    } finally {
      transport.close();
    }
  }
}
