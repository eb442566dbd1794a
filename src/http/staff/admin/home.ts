/** The administration start page: how much there is to manage, and the ways in. */
import { Router } from 'express';
import { mayActFor } from '../../../domain/actor';
import { actorOf, adminPage, type AdminDeps } from './shared';

export function adminHome({ services: s, views }: AdminDeps<'registry' | 'clock'>): Router {
  const r = Router();
  const page = adminPage(views);
  r.get('/quan-tri', async (req, res) => {
    const actor = actorOf(req);
    const [agencies, procedures] = await Promise.all([s.registry.agenciesToManage(actor), s.registry.proceduresToManage(actor)]);
    page(req, res, 'index', {
      title: 'Quản trị',
      agencyCount: agencies.length,
      procedureCount: procedures.length,
      year: new Date(s.clock.now()).getUTCFullYear(),
      mayManageChannels: mayActFor(actor, 'channel.manage', null),
      mayManageInterop: mayActFor(actor, 'interop.manage', null),
    });
  });
  return r;
}
