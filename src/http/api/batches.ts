import type { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../compose';
import type { AppError } from '../../errors';
import type { DossierView } from '../../services/dossiers';
import { actorOf } from '../middleware/auth';
import { problemOf } from '../middleware/errors';
import { parse } from '../validate';
import { dossierJson } from './present';
import { createDossierSchema, dossierCode, eventSchema } from './schemas';

/** Items per batch request (the body limit, BODY_LIMIT, bounds it too). */
export const MAX_BATCH_ITEMS = 500;

export const dossierBatchSchema = z.strictObject({ items: z.array(createDossierSchema).min(1).max(MAX_BATCH_ITEMS) });
export const eventBatchSchema = z.strictObject({ items: z.array(eventSchema.extend({ code: dossierCode })).min(1).max(MAX_BATCH_ITEMS) });

/** Each item's answer as the one-item route would give it: its status, and the dossier or the problem. */
function itemJson(o: { view: DossierView; status: number } | { refused: AppError }) {
  return 'refused' in o ? { status: o.refused.status, problem: problemOf(o.refused) } : { status: o.status, dossier: dossierJson(o.view) };
}

/**
 * A one-stop system's synchronisation of many dossiers at once: the same checks and answers as
 * `POST /dossiers` and `POST /dossiers/{code}/events` for each item, registered (recorded) in one
 * transaction; one item's refusal leaves the others taken. 200 with every item's answer, in order.
 */
export function registerBatchRoutes(r: Router, s: Services): void {
  r.post('/dossier-batches', async (req, res) => {
    const { items } = parse(dossierBatchSchema, req.body);
    const outcomes = await s.dossiers.createMany(items, actorOf(req));
    res.json({ items: outcomes.map((o) => itemJson('refused' in o ? o : { view: o.view, status: o.created ? 201 : 200 })) });
  });
  r.post('/event-batches', async (req, res) => {
    const { items } = parse(eventBatchSchema, req.body);
    const actor = actorOf(req);
    const outcomes = await s.dossiers.recordEvents(items.map(({ code, ...event }) => ({ code, event, actor })));
    res.json({ items: outcomes.map((o) => itemJson('refused' in o ? o : { view: o.view, status: 201 })) });
  });
}
