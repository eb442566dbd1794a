import type { Request, Response, Router } from 'express';
import type { Services } from '../../compose';
import { noticeStatusText } from '../../services/messages';
import { can } from '../../domain/access';
import { FAILED, NEEDS_ATTENTION, staffActions } from '../../domain/notice-lifecycle';
import { filterValues, formErrors, staffPage } from '../pages';
import { parse } from '../validate';
import type { ViewRenderer } from '../views';
import { entryId, listMessagesQuery } from '../api/schemas';
import { staffOf } from './session';
import { CHANNEL_LABELS, dossierPath, filterErrors } from './dossiers';
import { waitingReason } from './notice-reason';
import type { PageGroup } from './index';
import { applicantContact } from './applicant-contact';

const STATUS_CHOICES = [
  { value: '', label: 'Lỗi hoặc đang chờ gửi' },
  { value: FAILED.join(','), label: 'Gửi lỗi' },
  { value: 'created', label: 'Chờ gửi' },
  { value: 'sent,delivered', label: 'Đã gửi' },
  { value: 'cancelled', label: 'Đã huỷ' },
];

const CHANNEL_CHOICES = [
  { value: '', label: 'Mọi kênh' },
  { value: 'zalo', label: 'Zalo' },
  { value: 'email', label: 'Thư điện tử' },
  { value: 'sms', label: 'Tin nhắn SMS' },
  { value: 'print', label: 'Gọi điện / in thư tại bộ phận một cửa' },
  { value: 'onestop', label: 'Báo ngày hẹn mới cho hệ thống một cửa' },
];

/** The messages page: failed and waiting notices, with retry, cancel and "called the citizen". */
export function messagePages(s: Services, views: ViewRenderer): PageGroup {
  const list = async (req: Request, res: Response, error: string | null = null, status = 200) => {
    const input = filterValues(req.query);
    let shown: ReturnType<typeof formErrors> = null;
    let rows: Record<string, unknown>[] = [];
    let total = 0;
    let page = 1;
    let pageSize = 50;
    try {
      const q = parse(listMessagesQuery, input);
      const agencyId = q.agency ? (await s.registry.agency(q.agency)).id : undefined;
      const actor = staffOf(req).actor;
      const result = await s.messages.list({ statuses: q.status ?? [...NEEDS_ATTENTION], channels: q.channel, agencyId }, q.pageSize, (q.page - 1) * q.pageSize, actor);
      ({ total } = result);
      ({ page, pageSize } = q);
      const manage = can(actor.role, 'message.manage');
      rows = result.items.map((n) => {
        const code = n.dossierId === null ? null : result.dossierCodes.get(n.dossierId) ?? null;
        const dossier = n.dossierId === null ? undefined : result.dossiers.get(n.dossierId);
        const tried = result.tries.get(n.id);
        const actions = manage ? staffActions(n) : [];
        return {
          id: n.id,
          dossierCode: code,
          dossierHref: code && dossierPath(code),
          apologyId: n.apologyId,
          channel: CHANNEL_LABELS[n.channel],
          recipient: n.recipient,
          status: noticeStatusText(n, s.clock.now()),
          reason: waitingReason(n.channel, n.status, tried?.lastError ?? n.lastError),
          lastTriedAt: tried?.at ?? null,
          contact: n.audience === 'citizen' && dossier ? applicantContact(dossier) : null,
          attempts: n.attempts,
          updatedAt: n.updatedAt,
          mayRetry: actions.includes('retry'),
          mayCancel: actions.includes('cancel'),
          mayCall: actions.includes('markCalled'),
        };
      });
    } catch (err) {
      shown = formErrors(err);
      if (!shown) throw err;
    }
    const pages = Math.max(1, Math.ceil(total / pageSize));
    const pageLink = (p: number) => `/tin-nhan?${new URLSearchParams({ ...input, page: String(p) })}`;
    const statusChoices = [...STATUS_CHOICES];
    if (input.status && !statusChoices.some((c) => c.value === input.status)) statusChoices.push({ value: input.status, label: input.status });
    staffPage(
      views,
      req,
      res,
      'staff/messages',
      {
        title: 'Tin nhắn',
        nav: 'messages',
        values: input,
        back: `/tin-nhan?${new URLSearchParams(input)}`,
        errors: filterErrors(shown?.errors),
        error: error ?? (shown ? 'Bộ lọc chưa hợp lệ: xem thông báo cạnh từng ô' : null),
        statusChoices: statusChoices.map((c) => ({ ...c, selected: c.value === (input.status ?? '') })),
        channelChoices: CHANNEL_CHOICES.map((c) => ({ ...c, selected: c.value === (input.channel ?? '') })),
        rows,
        total,
        page,
        pages,
        prev: page > 1 ? pageLink(page - 1) : null,
        next: page < pages ? pageLink(page + 1) : null,
      },
      shown?.status ?? status,
    );
  };

  /** Back to the list (or the dashboard queue) the person was looking at, so that the filter survives the action. */
  const backTo = (req: Request, ok: string) => {
    const back = typeof req.body?.back === 'string' && /^\/(tin-nhan|tong-quan)(\?[^\s\\]*)?$/.test(req.body.back) ? req.body.back : '/tin-nhan';
    return `${back}${back.includes('?') ? '&' : '?'}ok=${ok}`;
  };

  const action = (run: (id: number, req: Request) => Promise<unknown>, ok: string) => async (req: Request, res: Response) => {
    const id = parse(entryId, req.params.id, 'id');
    try {
      await run(id, req);
      res.redirect(303, backTo(req, ok));
    } catch (err) {
      const shown = formErrors(err);
      if (!shown) throw err;
      await list(req, res, `Tin nhắn số ${id}: ${shown.message}`, shown.status);
    }
  };

  return (r: Router) => {
    r.get('/tin-nhan', async (req, res) => list(req, res));
    r.post('/tin-nhan/:id/gui-lai', action((id, req) => s.messages.retry(id, staffOf(req).actor), 'message-retried'));
    r.post('/tin-nhan/:id/huy', action((id, req) => s.messages.cancel(id, staffOf(req).actor), 'message-cancelled'));
    r.post('/tin-nhan/:id/da-goi', action((id, req) => s.messages.markCalled(id, staffOf(req).actor), 'message-called'));
  };
}
