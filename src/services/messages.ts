import type { Attempt, Notice, NoticeChannel, NoticeRepository, NoticeStatus } from '../db/notices';
import { ConflictError, NotFoundError } from '../errors';
import type { Clock } from '../clock';
import { actsFor, mayAccessDossier, readsFor, scopeAgencies, type Actor } from '../domain/actor';
import { authorize } from './authorize';
import { leavesAt } from '../domain/notice-lifecycle';
import { shortInstant } from '../domain/vn-format';
import type { Dossier, DossierRepository } from '../db/dossiers';

/** Why a message last failed (its provider's error text) and when it was last tried (epoch ms, null if never). */
export interface NoticeTry {
  lastError: string | null;
  at: number | null;
}

export const NOTICE_STATUS_LABELS: Record<NoticeStatus, string> = {
  created: 'Chờ gửi',
  sending: 'Đang gửi',
  sent: 'Đã gửi',
  delivered: 'Đã đến người nhận',
  'temporary-failure': 'Lỗi tạm thời, sẽ gửi lại',
  'permanent-failure': 'Không gửi được',
  'technical-failure': 'Lỗi kỹ thuật, sẽ gửi lại',
  cancelled: 'Đã huỷ',
};

/** A notice's status as staff read it: "Chờ gửi — sẽ gửi lúc 06:00 ngày 19/03/2026" when it waits for a set time. */
export function noticeStatusText(n: Pick<Notice, 'status' | 'notBefore'>, now: Date): string {
  const at = leavesAt(n, now);
  return at === null ? NOTICE_STATUS_LABELS[n.status] : `${NOTICE_STATUS_LABELS[n.status]} — sẽ gửi lúc ${shortInstant(new Date(at))}`;
}

/** What staff do with messages: look, retry a failed one, cancel one not yet sent, record a phone call. */
export class MessageService {
  constructor(private readonly deps: { notices: NoticeRepository; dossiers: DossierRepository; clock: Clock }) {}

  async list(
    filter: { statuses?: NoticeStatus[]; channels?: NoticeChannel[]; agencyId?: number },
    limit: number,
    offset: number,
    actor: Actor,
  ): Promise<{ items: Notice[]; total: number; dossierCodes: Map<number, string>; dossiers: Map<number, Dossier>; tries: Map<number, NoticeTry> }> {
    const agencyIds = scopeAgencies(actor, filter.agencyId !== undefined ? [filter.agencyId] : undefined);
    // A citizen who acknowledged the letter on their page has it: nobody needs to call them.
    const { items, total } = await this.deps.notices.list({ statuses: filter.statuses, channels: filter.channels, agencyIds, skipAcknowledgedWaiting: true }, limit, offset);
    // Staff recognise a message by its dossier's code and call the applicant from its contact details.
    const [dossiers, tries] = await Promise.all([
      this.deps.dossiers.byIds(items.map((n) => n.dossierId).filter((id): id is number => id !== null)),
      this.deps.notices.lastTries(items.map((n) => n.id)),
    ]);
    const dossierCodes = new Map([...dossiers].map(([id, d]) => [id, d.code]));
    return { items, total, dossierCodes, dossiers, tries };
  }

  async get(id: number, actor: Actor): Promise<{ notice: Notice; attempts: Attempt[] }> {
    const notice = await this.deps.notices.byId(id);
    if (!notice || !(await this.visible(notice, actor, 'read'))) throw new NotFoundError(`Không có tin nhắn số ${id}`);
    return { notice, attempts: await this.deps.notices.attempts(id) };
  }

  /** A failed message goes back to the queue with a fresh retry window. */
  async retry(id: number, actor: Actor): Promise<{ notice: Notice; attempts: Attempt[] }> {
    await this.mayManage(id, actor);
    const now = this.deps.clock.now().getTime();
    if (!(await this.deps.notices.retry(id, now))) throw new ConflictError('message-not-failed', 'Chỉ gửi lại được tin nhắn đang lỗi');
    return this.get(id, actor);
  }

  async cancel(id: number, actor: Actor): Promise<{ notice: Notice; attempts: Attempt[] }> {
    await this.mayManage(id, actor);
    if (!(await this.deps.notices.cancel(id, this.deps.clock.now().getTime()))) throw new ConflictError('message-not-pending', 'Chỉ huỷ được tin nhắn chưa gửi');
    return this.get(id, actor);
  }

  /** The counter reached the citizen by phone or handed over the printed letter. */
  async markCalled(id: number, actor: Actor): Promise<{ notice: Notice; attempts: Attempt[] }> {
    await this.mayManage(id, actor);
    const now = this.deps.clock.now().getTime();
    if (!(await this.deps.notices.markCalled(id, actor.name, now))) throw new ConflictError('message-final', 'Tin nhắn đã gửi xong hoặc đã huỷ');
    return this.get(id, actor);
  }

  private async mayManage(id: number, actor: Actor): Promise<void> {
    authorize(actor, 'message.manage');
    const notice = await this.deps.notices.byId(id);
    if (!notice || !(await this.visible(notice, actor, 'write'))) throw new NotFoundError(`Không có tin nhắn số ${id}`);
  }

  /** The sending agency's, or about a dossier the actor's agency received (the counter calls the citizen). */
  private async visible(n: Notice, actor: Actor, mode: 'read' | 'write'): Promise<boolean> {
    if ((mode === 'read' ? readsFor : actsFor)(actor, n.agencyId)) return true;
    const d = n.dossierId === null ? null : await this.deps.dossiers.byId(n.dossierId);
    return d !== null && mayAccessDossier(actor, d, mode);
  }
}
