import type { Router } from 'express';
import type { Services } from '../../compose';
import type { Attempt, Notice } from '../../db/notices';
import { allows } from '../../domain/notice-lifecycle';
import { NOTICE_STATUS_LABELS } from '../../services/messages';
import { actorOf } from '../middleware/auth';
import { parse } from '../validate';
import { entryId, listMessagesQuery } from './schemas';
import { iso } from './present';

function messageJson(n: Notice) {
  return {
    id: n.id,
    kind: n.kind,
    audience: n.audience,
    channel: n.channel,
    recipient: n.recipient,
    status: n.status,
    statusLabel: NOTICE_STATUS_LABELS[n.status],
    apologyId: n.apologyId,
    attempts: n.attempts,
    nextAttemptAt: allows(n.status, 'claim') ? iso(n.notBefore) : null,
    lastError: n.lastError,
    providerMessageId: n.providerMessageId,
    fallbackOf: n.fallbackOf,
    sentAt: iso(n.sentAt),
    deliveredAt: iso(n.deliveredAt),
    calledAt: iso(n.calledAt),
    calledBy: n.calledBy,
    createdAt: iso(n.createdAt),
  };
}

function attemptJson(a: Attempt) {
  return {
    startedAt: iso(a.startedAt),
    finishedAt: iso(a.finishedAt),
    outcome: a.outcome,
    errorClass: a.errorClass,
    providerAnswer: a.providerAnswer,
    providerMessageId: a.providerMessageId,
    interrupted: a.interrupted,
  };
}

/** The outbox as staff see it; mounted on the authenticated API router. */
export function registerMessageRoutes(r: Router, s: Services): void {
  const detail = (v: { notice: Notice; attempts: Attempt[] }) => ({ ...messageJson(v.notice), attemptsLog: v.attempts.map(attemptJson) });

  r.get('/messages', async (req, res) => {
    const q = parse(listMessagesQuery, req.query, 'query');
    const agencyId = q.agency ? (await s.registry.agency(q.agency)).id : undefined;
    const { items, total } = await s.messages.list({ statuses: q.status, channels: q.channel, agencyId }, q.pageSize, (q.page - 1) * q.pageSize, actorOf(req));
    res.json({ items: items.map(messageJson), page: q.page, pageSize: q.pageSize, total });
  });
  r.get('/messages/:id', async (req, res) => {
    res.json(detail(await s.messages.get(parse(entryId, req.params.id, 'id'), actorOf(req))));
  });
  r.post('/messages/:id/retry', async (req, res) => {
    res.json(detail(await s.messages.retry(parse(entryId, req.params.id, 'id'), actorOf(req))));
  });
  r.post('/messages/:id/cancel', async (req, res) => {
    res.json(detail(await s.messages.cancel(parse(entryId, req.params.id, 'id'), actorOf(req))));
  });
  r.post('/messages/:id/called', async (req, res) => {
    res.json(detail(await s.messages.markCalled(parse(entryId, req.params.id, 'id'), actorOf(req))));
  });
}
