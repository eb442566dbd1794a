/**
 * Dossiers a one-stop source sent that we refused (issue 16, item 6): the open ones, and
 * "Thử lại" sending one through again once its mapping is fixed. Only the dossier code and the
 * reasons are shown: the payload holds the applicant's personal data.
 */
import { Router, type Request, type Response } from 'express';
import type { SyncResult } from '../../../services/interop-inbound';
import { actorOf, adminPage, idParam, type AdminDeps } from './shared';

const base = '/quan-tri/ho-so-bi-tu-choi';

export function interopRefusalPages({ services: s, views }: AdminDeps<'interopSources'>): Router {
  const r = Router();
  const page = adminPage(views);
  const listPage = async (req: Request, res: Response, result?: SyncResult, status = 200) => {
    const refusals = await s.interopSources.refusals({ open: true }, actorOf(req));
    page(
      req,
      res,
      'interop-refusals',
      {
        title: 'Hồ sơ liên thông bị từ chối',
        refusals: refusals.map((x) => ({ ...x, messages: x.problems.map((p) => p.message), replayUrl: `${base}/${x.id}/thu-lai` })),
        result: result && { ok: result.error_code === 0, code: result.MaHoSo, message: result.message, errors: (result.errors ?? []).map((p) => p.message) },
      },
      status,
    );
  };
  r.get(base, async (req, res) => listPage(req, res));
  r.post(`${base}/:id/thu-lai`, async (req, res) => {
    const result = await s.interopSources.replay(idParam(req.params.id, 'Không có hồ sơ bị từ chối này'), actorOf(req));
    await listPage(req, res, result, result.error_code === 0 ? 200 : 422);
  });
  return r;
}
