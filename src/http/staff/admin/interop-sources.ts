/**
 * One-stop sources (issue 16, items 3 and 6): the list, creating one (its inbound token shown
 * once), editing one, its token and shared secret, and the table mapping its codes to our
 * catalogue. The use case lets only an installation-wide administrator in.
 */
import { Router, type Request, type Response } from 'express';
import type { InteropSource } from '../../../domain/interop';
import { ValidationError } from '../../../errors';
import { mappingSchema, secretSchema, sourcePatchSchema, sourceSchema } from '../../api/interop';
import { parse } from '../../validate';
import { actorOf, adminPage, agencyCodeOf, agencyNameOf, formOf, orNull, refusal, type AdminDeps, type Choice, type Form } from './shared';

const MODES: Choice[] = [
  { value: 'push', label: 'Hệ thống một cửa gửi sang (push)' },
  { value: 'pull', label: 'Hẹn Lại lấy hồ sơ (pull)' },
];
const DUE_GOVERNS: Choice[] = [
  { value: 'ours', label: 'Ngày hẹn theo lịch của Hẹn Lại' },
  { value: 'theirs', label: 'Ngày hẹn của hệ thống gửi (NgayHenTra)' },
];
/** The mapping form picks our side from a list per kind; the use case knows it as ourCode. */
const OUR_FIELD = { procedure: 'ourProcedure', agency: 'ourAgency' } as const;

const base = '/quan-tri/lien-thong';
const sourceUrl = (code: string) => `${base}/${encodeURIComponent(code)}`;

/** The source fields as the API schemas take them, from the flat form. */
function sourceFields(f: Form) {
  return {
    name: f.name ?? '',
    mode: f.mode,
    agencyCode: orNull(f.agencyCode),
    outboundUrl: orNull(f.outboundUrl),
    pullUrl: orNull(f.pullUrl),
    dueGoverns: f.dueGoverns,
    enabled: f.enabled === 'on',
  };
}

function sourceValues(s: InteropSource, agencyCode: string | undefined): Form {
  return {
    name: s.name,
    mode: s.mode,
    agencyCode: agencyCode ?? '',
    outboundUrl: s.outboundUrl ?? '',
    pullUrl: s.pullUrl ?? '',
    dueGoverns: s.dueGoverns,
    enabled: s.enabled ? 'on' : '',
  };
}

export function interopSourcePages({ services: s, views }: AdminDeps<'interopSources' | 'registry'>): Router {
  const r = Router();
  const page = adminPage(views);
  const choices = async () => ({ agencies: await s.registry.listAgencies(), modes: MODES, dueGovernsChoices: DUE_GOVERNS });

  const listPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const [sources, more] = await Promise.all([s.interopSources.list(actorOf(req)), choices()]);
    const nameOf = agencyNameOf(more.agencies);
    page(
      req,
      res,
      'interop-sources',
      {
        title: 'Nguồn liên thông một cửa',
        sources: sources.map((x) => ({ ...x, agencyName: nameOf(x.agencyId), hasToken: x.tokenId !== null, hasSecret: x.secretSealed !== null, url: sourceUrl(x.code) })),
        ...more,
        values: { mode: 'push', dueGoverns: 'ours', enabled: 'on' },
        errors: {},
        ...extra,
      },
      status,
    );
  };

  const editPage = async (req: Request, res: Response, code: string, extra: { values?: Form; [k: string]: unknown } = {}, status = 200) => {
    const [{ source, items }, more, procedures] = await Promise.all([s.interopSources.mappings(code, actorOf(req)), choices(), s.registry.listProcedures()]);
    page(
      req,
      res,
      'interop-source-edit',
      {
        title: `Nguồn liên thông ${source.code}`,
        source: { ...source, hasToken: source.tokenId !== null, hasSecret: source.secretSealed !== null, url: sourceUrl(source.code) },
        mappings: items.map((m) => ({ ...m, kindLabel: m.kind === 'procedure' ? 'Thủ tục' : 'Cơ quan' })),
        procedures,
        ...more,
        errors: {},
        mappingValues: {},
        ...extra,
        values: extra.values ?? sourceValues(source, agencyCodeOf(more.agencies)(source.agencyId)),
      },
      status,
    );
  };

  r.get(base, async (req, res) => listPage(req, res));
  r.post(base, async (req, res) => {
    const f = formOf(req);
    try {
      const { agencyCode, secret, ...input } = parse(sourceSchema, { ...sourceFields(f), code: f.code ?? '', secret: orNull(f.secret) });
      const agencyId = await s.registry.agencyIdOf(agencyCode, 'agencyCode');
      const { source, token } = await s.interopSources.create({ ...input, agencyId }, secret, actorOf(req));
      // The token is shown on this response only; a reload must not create another source.
      res.set('Cache-Control', 'no-store');
      await listPage(req, res, { created: { token, code: source.code } }, 201);
    } catch (err) {
      const shown = refusal(err);
      await listPage(req, res, { values: { ...f, secret: '' }, errors: shown.errors, error: shown.message }, shown.status);
    }
  });

  r.get(`${base}/:code`, async (req, res) => editPage(req, res, req.params.code));
  r.post(`${base}/:code`, async (req, res) => {
    const f = formOf(req);
    try {
      const { agencyCode, ...patch } = parse(sourcePatchSchema, sourceFields(f));
      const agencyId = await s.registry.agencyIdOf(agencyCode, 'agencyCode');
      await s.interopSources.update(req.params.code, { ...patch, agencyId }, actorOf(req));
      res.redirect(303, `${sourceUrl(req.params.code)}?ok=saved`);
    } catch (err) {
      const shown = refusal(err);
      await editPage(req, res, req.params.code, { values: f, errors: shown.errors, error: shown.message }, shown.status);
    }
  });
  r.post(`${base}/:code/ma-truy-cap`, async (req, res) => {
    const token = await s.interopSources.rotateToken(req.params.code, actorOf(req));
    res.set('Cache-Control', 'no-store');
    await editPage(req, res, req.params.code, { created: { token } }, 201);
  });
  r.post(`${base}/:code/khoa-bi-mat`, async (req, res) => {
    try {
      const { secret } = parse(secretSchema, { secret: formOf(req).secret ?? '' });
      await s.interopSources.setSecret(req.params.code, secret, actorOf(req));
      res.redirect(303, `${sourceUrl(req.params.code)}?ok=secret-set`);
    } catch (err) {
      const shown = refusal(err);
      await editPage(req, res, req.params.code, { errors: shown.errors, error: shown.message }, shown.status);
    }
  });
  r.post(`${base}/:code/anh-xa`, async (req, res) => {
    const f = formOf(req);
    try {
      const kind = parse(mappingSchema.shape.kind, f.kind, 'kind');
      const m = parse(mappingSchema, { kind, theirCode: f.theirCode ?? '', ourCode: f[OUR_FIELD[kind]] ?? '' });
      await s.interopSources.setMapping(req.params.code, m.kind, m.theirCode, m.ourCode, actorOf(req));
      res.redirect(303, `${sourceUrl(req.params.code)}?ok=mapping-saved`);
    } catch (err) {
      const shown = refusal(err);
      const kind = f.kind === 'agency' ? 'agency' : 'procedure';
      const { ourCode, ...errors } = shown.errors;
      await editPage(req, res, req.params.code, { mappingValues: f, errors: ourCode ? { ...errors, [OUR_FIELD[kind]]: ourCode } : errors, error: shown.message }, shown.status);
    }
  });
  r.post(`${base}/:code/anh-xa/xoa`, async (req, res) => {
    const f = formOf(req);
    const kind = f.kind === 'procedure' || f.kind === 'agency' ? f.kind : null;
    if (!kind) throw new ValidationError([{ field: 'kind', message: 'Chọn loại mã: thủ tục hoặc cơ quan' }]);
    await s.interopSources.removeMapping(req.params.code, kind, f.theirCode ?? '', actorOf(req));
    res.redirect(303, `${sourceUrl(req.params.code)}?ok=mapping-removed`);
  });
  return r;
}
