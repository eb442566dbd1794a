import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../compose';
import type { InteropSource } from '../../domain/interop';
import { DUE_GOVERNS, INTEROP_MODES } from '../../domain/interop';
import type { SyncResult, SyncService } from '../../services/interop-inbound';
import { ForbiddenError } from '../../errors';
import { actorOf } from '../middleware/auth';
import { parse } from '../validate';
import { iso } from './present';

/**
 * A source's fields as sent, without the defaults a new source gets: the patch is built from
 * these, since zod applies a default even to an optional field — disabling a source would
 * otherwise reset its mode, agency and addresses.
 */
const sourceFields = {
  code: z.string().trim().min(1),
  name: z.string().trim().min(1).max(255),
  mode: z.enum(INTEROP_MODES),
  agencyCode: z.string().trim().min(1).nullable(),
  outboundUrl: z.string().trim().min(1).max(1000).nullable(),
  pullUrl: z.string().trim().min(1).max(1000).nullable(),
  dueGoverns: z.enum(DUE_GOVERNS),
  enabled: z.boolean(),
};
export const sourceSchema = z
  .object({
    ...sourceFields,
    mode: sourceFields.mode.default('push'),
    agencyCode: sourceFields.agencyCode.default(null),
    outboundUrl: sourceFields.outboundUrl.default(null),
    pullUrl: sourceFields.pullUrl.default(null),
    dueGoverns: sourceFields.dueGoverns.default('ours'),
    enabled: sourceFields.enabled.default(true),
    secret: z.string().min(16, 'Khoá bí mật dùng chung cần ít nhất 16 ký tự').max(256).nullable().default(null),
  })
  .strict();
export const sourcePatchSchema = z.object(sourceFields).partial().strict();
export const secretSchema = z.object({ secret: z.string().min(16, 'Khoá bí mật dùng chung cần ít nhất 16 ký tự').max(256).nullable() }).strict();
export const mappingSchema = z.object({ kind: z.enum(['procedure', 'agency']), theirCode: z.string().trim().min(1).max(64), ourCode: z.string().trim().min(1).max(64) }).strict();
export const refusalsQuery = z.object({ source: z.string().optional(), open: z.enum(['true', 'false']).optional() });
export const disagreementsQuery = z.object({ groupBy: z.enum(['procedure', 'agency']).default('procedure'), source: z.string().optional() });
const idParam = z.coerce.number().int().positive();

export function sourceJson(s: InteropSource, agencyCodeOf: (id: number | null) => string | null) {
  return {
    code: s.code,
    name: s.name,
    mode: s.mode,
    agencyCode: agencyCodeOf(s.agencyId),
    outboundUrl: s.outboundUrl,
    pullUrl: s.pullUrl,
    dueGoverns: s.dueGoverns,
    enabled: s.enabled,
    hasToken: s.tokenId !== null,
    hasSecret: s.secretSealed !== null,
    lastPullAt: iso(s.lastPullAt),
    lastPullOkAt: iso(s.lastPullOkAt),
    lastPullError: s.lastPullError,
    updatedAt: iso(s.updatedAt),
  };
}

const REFUSAL_STATUS: Record<number, number> = { 1: 400, 2: 422, 3: 403, 4: 409, 5: 404 };

/**
 * One dossier: its result, and on refusal problem+json with the status its error_code means.
 * A batch: 200 with every dossier's result; error_code 0 only when every one was taken.
 */
function answer(res: Response, results: SyncResult[], batch: boolean): void {
  if (!batch) {
    const r = results[0];
    if (r.error_code === 0) {
      res.json(r);
      return;
    }
    const status = REFUSAL_STATUS[r.error_code] ?? 400;
    res.status(status).type('application/problem+json').send(JSON.stringify({ type: 'urn:henlai:problem:interop-refused', title: r.message, status, ...r }));
    return;
  }
  const refused = results.filter((r) => r.error_code !== 0);
  res.json({
    error_code: refused.length ? refused[0].error_code : 0,
    message: refused.length ? `Tiếp nhận ${results.length - refused.length}/${results.length} hồ sơ; ${refused.length} bị từ chối` : `Tiếp nhận ${results.length} hồ sơ`,
    results,
  });
}

/** A single payload, an array, or `{data: [...]}` as some one-stop systems wrap their batches. */
function payloadsOf(body: unknown): { payloads: unknown[]; batch: boolean } {
  if (Array.isArray(body)) return { payloads: body, batch: true };
  const data = (body as { data?: unknown } | null)?.data;
  if (Array.isArray(data)) return { payloads: data, batch: true };
  return { payloads: [body], batch: false };
}

/** `/interop`: the national synchronisation services a source calls, and their administration. */
export function registerInteropRoutes(r: Router, s: Services): void {
  const agencyCodes = async () => {
    const byId = new Map((await s.registry.listAgencies()).map((a) => [a.id, a.code]));
    return (id: number | null) => (id === null ? null : (byId.get(id) ?? null));
  };
  const agencyId = (code: string | null | undefined) => (code === undefined ? Promise.resolve(undefined) : s.registry.agencyIdOf(code, 'agencyCode'));

  const inbound = (service: SyncService) => async (req: Request, res: Response) => {
    const actor = actorOf(req);
    const source = await s.interopSources.bySourceToken(actor.tokenId);
    if (!source) throw new ForbiddenError('Mã truy cập này không thuộc nguồn liên thông nào: hãy dùng mã truy cập của nguồn');
    const { payloads, batch } = payloadsOf(req.body);
    answer(res, await s.interopInbound.receive(source, service, payloads, actor), batch);
  };
  r.post('/interop/DongBoHoSoMC', inbound('DongBoHoSoMC'));
  r.post('/interop/CapNhatTienDoHoSoMC', inbound('CapNhatTienDoHoSoMC'));

  r.get('/interop/sources', async (req, res) => {
    const codeOf = await agencyCodes();
    res.json({ items: (await s.interopSources.list(actorOf(req))).map((x) => sourceJson(x, codeOf)) });
  });
  r.post('/interop/sources', async (req, res) => {
    const body = parse(sourceSchema, req.body);
    const { secret, agencyCode, ...rest } = body;
    const { source, token } = await s.interopSources.create({ ...rest, agencyId: (await agencyId(agencyCode)) ?? null }, secret, actorOf(req));
    res.status(201).location(`/api/v1/interop/sources/${encodeURIComponent(source.code)}`).json({ ...sourceJson(source, await agencyCodes()), token });
  });
  r.get('/interop/sources/:code', async (req, res) => {
    res.json(sourceJson(await s.interopSources.get(req.params.code, actorOf(req)), await agencyCodes()));
  });
  r.patch('/interop/sources/:code', async (req, res) => {
    const { agencyCode, ...rest } = parse(sourcePatchSchema, req.body);
    const source = await s.interopSources.update(req.params.code, { ...rest, agencyId: await agencyId(agencyCode) }, actorOf(req));
    res.json(sourceJson(source, await agencyCodes()));
  });
  r.post('/interop/sources/:code/token', async (req, res) => {
    res.status(201).json({ token: await s.interopSources.rotateToken(req.params.code, actorOf(req)) });
  });
  r.put('/interop/sources/:code/secret', async (req, res) => {
    await s.interopSources.setSecret(req.params.code, parse(secretSchema, req.body).secret, actorOf(req));
    res.status(204).end();
  });
  r.get('/interop/sources/:code/mappings', async (req, res) => {
    const { items } = await s.interopSources.mappings(req.params.code, actorOf(req));
    res.json({ items: items.map((m) => ({ kind: m.kind, theirCode: m.theirCode, ourCode: m.ourCode, ourName: m.ourName, updatedBy: m.updatedBy, updatedAt: iso(m.updatedAt) })) });
  });
  r.put('/interop/sources/:code/mappings', async (req, res) => {
    const m = parse(mappingSchema, req.body);
    await s.interopSources.setMapping(req.params.code, m.kind, m.theirCode, m.ourCode, actorOf(req));
    res.status(204).end();
  });
  r.delete('/interop/sources/:code/mappings/:kind/:theirCode', async (req, res) => {
    const kind = parse(mappingSchema.shape.kind, req.params.kind, 'kind');
    await s.interopSources.removeMapping(req.params.code, kind, req.params.theirCode, actorOf(req));
    res.status(204).end();
  });
  r.get('/interop/refusals', async (req, res) => {
    const q = parse(refusalsQuery, req.query, 'query');
    const items = await s.interopSources.refusals({ sourceCode: q.source, open: q.open === undefined ? undefined : q.open === 'true' }, actorOf(req));
    res.json({
      items: items.map((x) => ({ id: x.id, source: x.sourceCode, service: x.service, MaHoSo: x.theirCode, errors: x.problems, receivedAt: iso(x.receivedAt), replayedAt: iso(x.replayedAt) })),
    });
  });
  r.post('/interop/refusals/:id/replay', async (req, res) => {
    const result = await s.interopSources.replay(parse(idParam, req.params.id, 'id'), actorOf(req));
    answer(res, [result], false);
  });
  r.get('/interop/disagreements', async (req, res) => {
    const q = parse(disagreementsQuery, req.query, 'query');
    res.json({ groupBy: q.groupBy, items: await s.interopSources.disagreements(q.groupBy, q.source, actorOf(req)) });
  });
}
