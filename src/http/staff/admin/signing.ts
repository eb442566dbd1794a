/**
 * Digital signatures (/quan-tri/ky-so): per agency, its certificate file, remote-signing account
 * or an explicit "no signing", and its red seal; per leader, a certificate file, a remote-signing
 * ID or the agency's signer, and the blue signature image. Secrets are never shown back.
 */
import { Router, type Request, type Response } from 'express';
import type { SigningOwner } from '../../../db/signing';
import { NotFoundError } from '../../../errors';
import { filesOf } from '../../multipart';
import { actorOf, adminPage, formOf, idParam, refusal, type AdminDeps } from './shared';

const MODE_LABELS: Record<string, string> = {
  certificate: 'Tệp chứng thư số (PKCS#12)',
  remote: 'Ký số từ xa (xác nhận trên điện thoại)',
  off: 'Không ký số (đã chọn rõ)',
  agency: 'Theo cơ quan',
  external: 'Hệ thống quản lý văn bản ký, gửi lại qua API',
};

const SIMULATED = 'Ký số từ xa — MÔ PHỎNG (không gửi đi đâu, chứng thư DEMO không có giá trị pháp lý)';

/** The simulated account says so wherever the agency's way of signing is shown. */
function modeLabel(v: { mode: string | null; remote: { simulator: boolean } | null }): string {
  if (v.mode === 'remote' && v.remote?.simulator) return SIMULATED;
  return MODE_LABELS[v.mode ?? ''] ?? 'Chưa cài đặt';
}

export function signingPages({ services: s, views }: AdminDeps<'registry' | 'users' | 'signingSettings' | 'config'>): Router {
  const r = Router();
  const page = adminPage(views);

  const agencyPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const agency = await s.registry.agencyToManage(String(req.params.code), actorOf(req));
    const leaders = (await s.users.list(actorOf(req))).filter((u) => u.role === 'leader' && u.agencyId === agency.id);
    const view = await s.signingSettings.view({ kind: 'agency', id: agency.id });
    page(
      req,
      res,
      'signing-agency',
      {
        title: `Chữ ký số — ${agency.name}`,
        agency,
        signer: { ...view, modeLabel: view.mode ? modeLabel(view) : 'Chưa cài đặt' },
        callbackUrl: `${s.config.publicBaseUrl}/webhooks/ky-so/${agency.code}`,
        simulatorUsers: s.signingSettings.simulatorUsers(),
        agencyRemoteWithoutId: view.mode === 'remote' && !view.remote?.simulator && !view.remote?.userId,
        leaders: await Promise.all(
          leaders.map(async (u) => {
            const v = await s.signingSettings.view({ kind: 'user', id: u.id });
            return { user: u, signer: { ...v, modeLabel: v.mode ? MODE_LABELS[v.mode] : MODE_LABELS.agency } };
          }),
        ),
        errors: {},
        ...extra,
      },
      status,
    );
  };

  r.get('/quan-tri/ky-so', async (req, res) => {
    const agencies = await s.registry.agenciesToManage(actorOf(req));
    const rows = await Promise.all(
      agencies.map(async (a) => {
        const v = await s.signingSettings.view({ kind: 'agency', id: a.id });
        return { agency: a, modeLabel: v.mode ? modeLabel(v) : 'Chưa cài đặt', notAfter: v.certificate?.notAfter ?? null, hasImage: v.hasImage };
      }),
    );
    page(req, res, 'signing', { title: 'Chữ ký số', rows });
  });
  r.get('/quan-tri/ky-so/:code', async (req, res) => agencyPage(req, res));

  /** The owner a form is about: the agency, or one of its leaders. */
  const ownerOf = async (req: Request): Promise<{ owner: SigningOwner; expected: { organization?: string; commonName?: string }; back: string }> => {
    const agency = await s.registry.agencyToManage(String(req.params.code), actorOf(req));
    const back = `/quan-tri/ky-so/${agency.code}`;
    if (req.params.userId === undefined) return { owner: { kind: 'agency', id: agency.id }, expected: { organization: agency.name }, back };
    const user = await s.users.get(idParam(String(req.params.userId), 'Không có tài khoản này'), actorOf(req));
    if (user.role !== 'leader' || user.agencyId !== agency.id) throw new NotFoundError('Không có lãnh đạo này trong cơ quan');
    return { owner: { kind: 'user', id: user.id }, expected: { commonName: user.fullName }, back };
  };

  const handle = (action: (req: Request, who: Awaited<ReturnType<typeof ownerOf>>) => Promise<unknown>, ok: string) => async (req: Request, res: Response) => {
    try {
      const who = await ownerOf(req);
      await action(req, who);
      res.redirect(303, `${who.back}?ok=${ok}`);
    } catch (err) {
      const shown = refusal(err);
      await agencyPage(req, res, { errors: shown.errors, error: shown.message }, shown.status);
    }
  };

  const certificate = handle(async (req, { owner, expected }) => {
    const file = filesOf(req).p12;
    await s.signingSettings.installCertificate(owner, expected, file?.data ?? Buffer.alloc(0), formOf(req).password ?? '', actorOf(req).name);
  }, 'certificate-installed');
  const image = handle(async (req, { owner }) => {
    const file = filesOf(req).image;
    await s.signingSettings.setImage(owner, file?.data ?? Buffer.alloc(0), actorOf(req).name);
  }, 'image-saved');
  const mode = handle(async (req, { owner }) => {
    await s.signingSettings.setMode(owner, (formOf(req).mode ?? '') as 'off', actorOf(req).name);
  }, 'mode-saved');

  r.post('/quan-tri/ky-so/:code/chung-thu', certificate);
  r.post('/quan-tri/ky-so/:code/con-dau', image);
  r.post('/quan-tri/ky-so/:code/che-do', mode);
  r.post(
    '/quan-tri/ky-so/:code/tu-xa',
    handle(async (req, { owner }) => {
      const f = formOf(req);
      await s.signingSettings.connectAgencyRemote(owner.id, { baseUrl: f.baseUrl ?? '', spId: f.spId ?? '', spPassword: f.spPassword ?? '', callbackSecret: f.callbackSecret ?? '', userId: f.userId ?? '' }, actorOf(req).name);
    }, 'remote-connected'),
  );
  r.post(
    '/quan-tri/ky-so/:code/mo-phong',
    handle(async (req, { owner }) => {
      await s.signingSettings.useRemoteSimulator(owner.id, actorOf(req).name);
    }, 'simulator-on'),
  );
  r.post('/quan-tri/ky-so/:code/lanh-dao/:userId/chung-thu', certificate);
  r.post('/quan-tri/ky-so/:code/lanh-dao/:userId/chu-ky', image);
  r.post('/quan-tri/ky-so/:code/lanh-dao/:userId/che-do', mode);
  r.post(
    '/quan-tri/ky-so/:code/lanh-dao/:userId/tu-xa',
    handle(async (req, { owner }) => {
      const f = formOf(req);
      await s.signingSettings.connectLeaderRemote(owner.id, f.userId ?? '', f.serialNumber ?? '', actorOf(req).name);
    }, 'remote-connected'),
  );
  return r;
}
