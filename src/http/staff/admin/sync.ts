/** Pull sources' sync status (issue 16, item 5): each one's last successful sync and its errors. */
import { Router } from 'express';
import { actorOf, adminPage, type AdminDeps } from './shared';

export function syncPages({ services: s, views }: AdminDeps<'interopPuller'>): Router {
  const r = Router();
  const page = adminPage(views);
  r.get('/quan-tri/dong-bo', async (req, res) => {
    const sources = await s.interopPuller.status(actorOf(req));
    page(req, res, 'sync', {
      title: 'Đồng bộ hồ sơ từ hệ thống một cửa',
      sources: sources.map((source) => ({ ...source, neverSynced: source.lastPullOkAt === null, failing: source.lastPullError !== null })),
    });
  });
  return r;
}
