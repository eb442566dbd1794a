/** API tokens: the list, creating one (its secret shown once) and revoking one. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../../errors';
import { text } from '../../api/schemas';
import { parse } from '../../validate';
import { actorOf, adminPage, agencyCodeOf, formOf, idParam, orNull, refusal, scopeChoices, type AdminDeps } from './shared';

const tokenForm = z.object({ name: text(100), agencyCode: z.string().optional() });

export function tokenPages({ services: s, views }: AdminDeps<'tokens' | 'registry'>): Router {
  const r = Router();
  const page = adminPage(views);
  const tokensPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const [tokens, agencies, choices] = await Promise.all([s.tokens.list(actorOf(req)), s.registry.listAgencies(), scopeChoices(s, req)]);
    const codeOf = agencyCodeOf(agencies);
    page(
      req,
      res,
      'tokens',
      {
        title: 'Mã truy cập API',
        tokens: tokens.map((t) => ({ ...t, agencyCode: codeOf(t.agencyId) })),
        ...choices,
        values: {},
        errors: {},
        ...extra,
      },
      status,
    );
  };

  r.get('/quan-tri/ma-truy-cap', async (req, res) => tokensPage(req, res));
  r.post('/quan-tri/ma-truy-cap', async (req, res) => {
    const f = formOf(req);
    try {
      const form = parse(tokenForm, f);
      const { token, record } = await s.tokens.create(form.name, orNull(form.agencyCode), actorOf(req));
      // The secret is shown on this response only; a reload must not create another token.
      res.set('Cache-Control', 'no-store');
      await tokensPage(req, res, { created: { token, name: record.name } }, 201);
    } catch (err) {
      // An unknown agency is the service's 404; on this form it is a wrong choice in a list.
      if (err instanceof NotFoundError) {
        await tokensPage(req, res, { values: f, errors: { agencyCode: err.message }, error: 'Dữ liệu gửi lên không hợp lệ' }, 400);
        return;
      }
      const shown = refusal(err);
      await tokensPage(req, res, { values: f, errors: shown.errors, error: shown.message }, shown.status);
    }
  });
  r.post('/quan-tri/ma-truy-cap/:id/thu-hoi', async (req, res) => {
    await s.tokens.revoke(idParam(req.params.id, 'Không có mã truy cập này'), actorOf(req));
    res.redirect(303, '/quan-tri/ma-truy-cap?ok=token-revoked');
  });
  return r;
}
