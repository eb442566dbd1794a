import express, { type Router } from 'express';
import { ValidationError } from '../../errors';
import type { Services } from '../../compose';
import { STATUS_LABELS, type ApologyView } from '../../services/apologies';
import { scopeAgencies, type Actor } from '../../domain/actor';
import type { AtRiskItem } from '../../watch/watcher';
import type { Notice } from '../../db/notices';
import type { LetterSigning } from '../../db/signing';
import { formatVerificationCode, signatureWaitingFor, SIGNING_STATE_LABELS } from '../../services/signing/letters';
import { dayToIso, isoToDay, localDayOf } from '../../domain/time';
import { actorOf } from '../middleware/auth';
import { parse } from '../validate';
import { agencyQuery, atRiskQuery, cancelApologySchema, draftApologySchema, entryId, listApologiesQuery, returnApologySchema, reviseApologySchema } from './schemas';
import { iso } from './present';

function noticeJson(n: Notice) {
  return { id: n.id, channel: n.channel, recipient: n.recipient, status: n.status, kind: n.kind, createdAt: iso(n.createdAt) };
}

/**
 * Where the letter's signatures stand, for a caller that approved through the API: waiting (for
 * the leader's confirmation, or for the agency's layer at issuance), signed, returned to the
 * leader with the reason, or issued unsigned (and why). Null before any approval.
 */
export function signingJson(l: LetterSigning | null) {
  if (!l) return null;
  const waitingFor = signatureWaitingFor(l.state);
  const state = waitingFor ? 'waiting' : l.state;
  return {
    state,
    stateLabel: SIGNING_STATE_LABELS[l.state],
    waitingFor,
    reason: state === 'signed' ? null : l.message,
    verificationCode: state === 'signed' ? formatVerificationCode(l.verificationCode) : null,
  };
}

export function apologyJson(v: ApologyView, links: { citizen: string }, signing: LetterSigning | null = null) {
  const a = v.apology;
  return {
    id: a.id,
    dossierCode: v.dossierCode,
    agencyCode: v.agency.code,
    status: a.status,
    statusLabel: STATUS_LABELS[a.status],
    origin: a.origin,
    deadlineVersion: a.deadlineVersion,
    reason: a.reason,
    responsibleUnit: a.responsibleUnit,
    dueBefore: iso(a.dueBefore),
    newDueAt: iso(a.newDueAt),
    newDueDate: dayToIso(localDayOf(new Date(a.newDueAt))),
    signer: { name: a.signerName, title: a.signerTitle, onBehalf: a.signerOnBehalf },
    recipient: { name: a.recipientName, representative: a.toRepresentative },
    form: a.form,
    draftedBy: a.draftedBy,
    draftedAt: iso(a.draftedAt),
    approvedBy: a.approvedBy,
    issuedAt: iso(a.issuedAt),
    late: a.late,
    letterNumber: a.letterNumber,
    templateVersion: a.templateVersion,
    contentHash: a.contentHash,
    cancelledAt: iso(a.cancelledAt),
    cancelReason: a.cancelReason,
    returned: a.returnedAt === null ? null : { at: iso(a.returnedAt), by: a.returnedBy, comment: a.returnNote },
    notices: v.notices.map(noticeJson),
    signing: signingJson(signing),
    links:
      a.status === 'issued'
        ? { html: `/api/v1/apologies/${a.id}/letter.html`, pdf: `/api/v1/apologies/${a.id}/letter.pdf`, citizen: links.citizen }
        : null,
  };
}

function atRiskJson(i: AtRiskItem) {
  const d = i.dossier;
  return {
    dossierCode: d.code,
    agencyCode: i.agency.code,
    applicantName: d.applicantName,
    currentDueAt: iso(d.currentDueAt),
    overdue: i.overdue,
    urgent: i.urgent,
    apology: i.apologyId === null ? null : { id: i.apologyId, status: i.apologyStatus, signatureWaitingFor: i.signatureWaitingFor, signatureWaitingSince: iso(i.signatureWaitingSince) },
    escalated: i.escalated,
  };
}

/** Apologies, the at-risk list and escalations; mounted on the authenticated API router. */
export function registerApologyRoutes(r: Router, s: Services): void {
  const json = async (v: ApologyView) => apologyJson(v, { citizen: s.apologies.citizenLink(v.apology) }, await s.signing.state(v.apology.id));

  r.get('/dossiers/:code/apologies/proposal', async (req, res) => {
    const p = await s.apologyWorkflow.proposal(req.params.code, actorOf(req));
    res.json({
      newDueDate: dayToIso(p.newDueDay),
      newDueAt: iso(p.newDueAt),
      reasons: p.reasons,
      allowed: p.refusal === null,
      refusal: p.refusal && { code: p.refusal.code, message: p.refusal.message },
    });
  });
  r.post('/dossiers/:code/apologies', async (req, res) => {
    const body = parse(draftApologySchema, req.body);
    const v = await s.apologyWorkflow.draft(
      req.params.code,
      { ...body, newDueDay: body.newDueDate ? isoToDay(body.newDueDate) : undefined },
      actorOf(req),
    );
    res.status(201).location(`/api/v1/apologies/${v.apology.id}`).json(await json(v));
  });
  r.get('/apologies', async (req, res) => {
    const q = parse(listApologiesQuery, req.query, 'query');
    const { items, total } = await s.apologies.list(
      { agencyCode: q.agency, statuses: q.status, late: q.timing === undefined ? undefined : q.timing === 'late' },
      q.pageSize,
      (q.page - 1) * q.pageSize,
      actorOf(req),
    );
    const states = await s.signing.states(items.map((v) => v.apology.id));
    res.json({ items: items.map((v) => apologyJson(v, { citizen: s.apologies.citizenLink(v.apology) }, states.get(v.apology.id) ?? null)), page: q.page, pageSize: q.pageSize, total });
  });
  r.get('/apologies/:id', async (req, res) => {
    res.json(await json(await s.apologies.get(parse(entryId, req.params.id, 'id'), actorOf(req))));
  });
  r.post('/apologies/:id/approve', async (req, res) => {
    res.json(await json(await s.apologyWorkflow.approve(parse(entryId, req.params.id, 'id'), actorOf(req))));
  });
  r.post('/apologies/:id/cancel', async (req, res) => {
    const body = parse(cancelApologySchema, req.body);
    res.json(await json(await s.apologyWorkflow.cancel(parse(entryId, req.params.id, 'id'), body.reason, actorOf(req))));
  });
  r.post('/apologies/:id/revise', async (req, res) => {
    const body = parse(reviseApologySchema, req.body);
    const input = { reason: body.reason, newDueDay: body.newDueDate ? isoToDay(body.newDueDate) : undefined };
    res.json(await json(await s.apologyReview.revise(parse(entryId, req.params.id, 'id'), input, actorOf(req))));
  });
  r.post('/apologies/:id/return', async (req, res) => {
    const body = parse(returnApologySchema, req.body);
    res.json(await json(await s.apologyReview.returnToDrafter(parse(entryId, req.params.id, 'id'), body.comment, actorOf(req))));
  });
  r.get('/apologies/:id/letter.html', async (req, res) => {
    const html = await s.apologies.letterHtml(parse(entryId, req.params.id, 'id'), actorOf(req));
    res.type('text/html; charset=utf-8').send(html);
  });
  // The external signer (a document-management system): it fetches the letter as approved,
  // has the leader sign it, and sends the signed PDF back; refused with 422 naming what failed.
  r.get('/apologies/:id/letter-to-sign.pdf', async (req, res) => {
    const pdf = await s.apologyWorkflow.letterToSign(parse(entryId, req.params.id, 'id'), actorOf(req));
    res.set('Cache-Control', 'private, no-store').type('application/pdf').send(pdf);
  });
  r.post('/apologies/:id/signed-letter', express.raw({ type: 'application/pdf', limit: '5mb' }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!body.subarray(0, 5).equals(Buffer.from('%PDF-'))) throw new ValidationError([{ field: 'pdf', message: 'Gửi tệp PDF (Content-Type: application/pdf)' }]);
    res.json(await json(await s.apologyWorkflow.acceptSignedPdf(parse(entryId, req.params.id, 'id'), body, actorOf(req))));
  });
  r.get('/apologies/:id/letter.pdf', async (req, res) => {
    const { pdf, fileName } = await s.apologies.letterPdf(parse(entryId, req.params.id, 'id'), actorOf(req));
    res.type('application/pdf').attachment(fileName).send(pdf);
  });
  r.get('/at-risk', async (req, res) => {
    const q = parse(atRiskQuery, req.query, 'query');
    const agencyIds = await scopeIds(s, q.agency, actorOf(req));
    const items = await s.watcher.atRisk(agencyIds, undefined, q.enteredSince?.getTime());
    res.json({ items: items.map(atRiskJson), total: items.length });
  });
  r.get('/escalations', async (req, res) => {
    const q = parse(agencyQuery, req.query, 'query');
    const agencyIds = await scopeIds(s, q.agency, actorOf(req));
    const list = await s.escalations.list(agencyIds, 500);
    res.json({
      items: list.map((e) => ({
        dossierCode: e.dossierCode,
        agencyCode: e.agencyCode,
        kind: e.kind,
        deadlineVersion: e.deadlineVersion,
        dueAt: iso(e.dueAt),
        escalatedAt: iso(e.createdAt),
      })),
    });
  });
}

async function scopeIds(s: Services, agencyCode: string | undefined, actor: Actor): Promise<number[] | null> {
  return scopeAgencies(actor, agencyCode ? [(await s.registry.agency(agencyCode)).id] : undefined) ?? null;
}
