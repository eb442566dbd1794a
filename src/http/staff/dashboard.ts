import type { Request, Response } from 'express';
import type { Services } from '../../compose';
import type { DueItem, LetterItem, Queue, WorkQueues } from '../../services/dashboard';
import { SIGNING_STATE_LABELS } from '../../services/signing/letters';
import { can } from '../../domain/access';
import { isUrgent, URGENCY_LABELS, type Urgency } from '../../domain/work-queue';
import { staffPage } from '../pages';
import type { ViewRenderer } from '../views';
import { applicantContact } from './applicant-contact';
import { overdueChart } from './chart';
import { dossierPath } from './dossiers';
import { waitingReason } from './notice-reason';
import { staffOf } from './session';

/** A deadline as the queue shows it: in words, coloured only as well as said. */
function deadline(urgency: Urgency, dueAt: number) {
  return { label: URGENCY_LABELS[urgency], urgent: isUrgent(urgency), soon: urgency === 'tomorrow', at: dueAt };
}

function more<T>(q: Queue<T>) {
  return q.total > q.items.length ? q.total - q.items.length : 0;
}

function dueRows(q: Queue<DueItem>) {
  return q.items.map(({ dossier: d, urgency, draft }) => ({
    code: d.code,
    href: dossierPath(d.code),
    applicant: d.applicantName,
    deadline: deadline(urgency, d.currentDueAt as number),
    draftHref: `${dossierPath(d.code)}/xin-loi`,
    draft: draft && { href: `/thu-xin-loi/${draft.id}`, returned: draft.returnedAt !== null },
  }));
}

function letterRows(q: Queue<LetterItem>) {
  return q.items.map(({ apology: a, dossierCode, urgency, signing }) => ({
    id: a.id,
    href: `/thu-xin-loi/${a.id}`,
    dossierCode,
    dossierHref: dossierPath(dossierCode),
    recipient: a.recipientName,
    draftedBy: a.draftedBy,
    draftedAt: a.draftedAt,
    deadline: deadline(urgency, a.dueBefore),
    waitingFor: signing === 'leader-waiting' || signing === 'leader-signed' || signing === 'agency-waiting' ? SIGNING_STATE_LABELS[signing] : 'Chờ duyệt',
    returnedBy: a.returnedBy,
    returnNote: a.returnNote,
  }));
}

/** The page model of each filled queue; an empty queue says so rather than showing a zero. */
function view(q: WorkQueues, mayCall: boolean) {
  return {
    calls: q.calls && {
      rows: q.calls.items.map(({ notice: n, dossier, tried }) => ({
        id: n.id,
        contact: n.audience === 'citizen' && dossier ? applicantContact(dossier) : null,
        dossierCode: dossier?.code ?? null,
        dossierHref: dossier && dossierPath(dossier.code),
        reason: waitingReason(n.channel, n.status, tried?.lastError ?? n.lastError),
        lastTriedAt: tried?.at ?? null,
        mayCall: mayCall && n.audience === 'citizen',
      })),
      total: q.calls.total,
      more: more(q.calls),
    },
    dueWithoutApology: q.dueWithoutApology && { rows: dueRows(q.dueWithoutApology), total: q.dueWithoutApology.total, more: more(q.dueWithoutApology), urgent: q.dueWithoutApology.items.some((i) => isUrgent(i.urgency)) },
    returnedDrafts: q.returnedDrafts && { rows: letterRows(q.returnedDrafts), total: q.returnedDrafts.total, more: more(q.returnedDrafts) },
    toApprove: q.toApprove && { rows: letterRows(q.toApprove), total: q.toApprove.total, more: more(q.toApprove), urgent: q.toApprove.items.some((i) => isUrgent(i.urgency)) },
    dueSoon: q.dueSoon && { rows: dueRows(q.dueSoon), total: q.dueSoon.total, more: more(q.dueSoon), urgent: q.dueSoon.items.some((i) => isUrgent(i.urgency)) },
    lateAgencies: q.lateAgencies && {
      rows: q.lateAgencies.map((a) => ({ ...a, href: `/ho-so?${new URLSearchParams({ agency: a.code, timeliness: 'overdue' })}` })),
      chart: overdueChart(q.lateAgencies),
    },
  };
}

/** The dashboard: the signed-in person's work queues (issue 15). */
export function dashboardPage(s: Services, views: ViewRenderer) {
  return async (req: Request, res: Response) => {
    const actor = staffOf(req).actor;
    const q = await s.dashboard.forActor(actor);
    staffPage(views, req, res, 'staff/dashboard', { title: 'Việc cần làm hôm nay', nav: 'dashboard', ...view(q, can(actor.role, 'message.manage')), back: '/tong-quan' });
  };
}
