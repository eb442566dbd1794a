/** Channel health: whether e-mail and Zalo can send, and resetting the Zalo grant with a new refresh token. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parse } from '../../validate';
import { actorOf, adminPage, formOf, refusal, type AdminDeps } from './shared';

const zaloResetForm = z.object({ refreshToken: z.string() });

export function channelPages({ services: s, views }: AdminDeps<'health'>): Router {
  const r = Router();
  const page = adminPage(views);
  const healthPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const h = await s.health.check(actorOf(req));
    const age = h.zalo.tokenAgeMs;
    page(
      req,
      res,
      'health',
      {
        title: 'Tình trạng kênh gửi',
        h,
        tokenAge: age === null ? null : `${Math.floor(age / 3_600_000)} giờ ${Math.floor((age % 3_600_000) / 60_000)} phút`,
        errors: {},
        ...extra,
      },
      status,
    );
  };

  r.get('/quan-tri/kenh-gui', async (req, res) => healthPage(req, res));
  r.post('/quan-tri/kenh-gui/zalo', async (req, res) => {
    try {
      const { refreshToken } = parse(zaloResetForm, formOf(req));
      await s.health.resetZaloGrant(refreshToken, actorOf(req));
      res.redirect(303, '/quan-tri/kenh-gui?ok=zalo-grant-reset');
    } catch (err) {
      const shown = refusal(err);
      await healthPage(req, res, { errors: shown.errors, error: shown.message }, shown.status);
    }
  });
  return r;
}
