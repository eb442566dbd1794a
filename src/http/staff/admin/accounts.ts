/** Staff accounts: the list, and the form that opens or edits one (role, agency, password, active). */
import { Router, type Request, type Response } from 'express';
import type { Agency } from '../../../db/agencies';
import type { User } from '../../../db/users';
import { ROLE_LABELS, USER_ROLES } from '../../../domain/access';
import { AppError } from '../../../errors';
import { actorOf, adminPage, agencyNameOf, formOf, idParam, orNull, refusal, scopeChoices, type AdminDeps, type Form } from './shared';

const ROLES = USER_ROLES.map((value) => ({ value, label: ROLE_LABELS[value] }));

function userValues(u: User, agencies: Agency[]): Form {
  return {
    username: u.username,
    fullName: u.fullName,
    role: u.role,
    agencyCode: agencies.find((a) => a.id === u.agencyId)?.code ?? '',
    active: u.active ? 'on' : '',
    email: u.email ?? '',
  };
}

const userInput = (f: Form) => ({
  username: f.username ?? '',
  fullName: f.fullName ?? '',
  role: f.role as User['role'],
  agencyId: null,
  agencyCode: orNull(f.agencyCode),
  active: f.active === 'on',
  email: f.email ?? '',
});

/** A refused account form; a taken user name is the user name field's fault. */
function accountRefusal(err: unknown) {
  const shown = refusal(err);
  if (err instanceof AppError && err.code === 'user-exists') shown.errors.username = err.message;
  return shown;
}

export function accountPages({ services: s, views }: AdminDeps<'users' | 'registry'>): Router {
  const r = Router();
  const page = adminPage(views);
  const userForm = async (req: Request, res: Response, user: User | null, values: Form, errors: Record<string, string> = {}, error?: string, status = 200) =>
    page(
      req,
      res,
      'user-edit',
      { title: user ? `Sửa tài khoản ${user.username}` : 'Tạo tài khoản', user, values, errors, error, roles: ROLES, ...(await scopeChoices(s, req)) },
      status,
    );
  const userId = (v: string) => idParam(v, 'Không có tài khoản này');

  r.get('/quan-tri/tai-khoan', async (req, res) => {
    const [users, agencies] = await Promise.all([s.users.list(actorOf(req)), s.registry.listAgencies()]);
    const nameOf = agencyNameOf(agencies);
    page(req, res, 'users', {
      title: 'Tài khoản',
      users: users.map((u) => ({ ...u, roleLabel: ROLE_LABELS[u.role], agencyName: nameOf(u.agencyId) })),
    });
  });
  r.get('/quan-tri/tai-khoan/moi', async (req, res) => {
    // Listing is what an account manager may do: it refuses everyone else before the form shows.
    await s.users.list(actorOf(req));
    await userForm(req, res, null, { role: 'counter', active: 'on' });
  });
  r.post('/quan-tri/tai-khoan/moi', async (req, res) => {
    const f = formOf(req);
    try {
      await s.users.create(userInput(f), f.password ?? '', actorOf(req));
      res.redirect(303, '/quan-tri/tai-khoan?ok=saved');
    } catch (err) {
      const shown = accountRefusal(err);
      await userForm(req, res, null, { ...f, password: '' }, shown.errors, shown.message, shown.status);
    }
  });
  r.get('/quan-tri/tai-khoan/:id', async (req, res) => {
    const user = await s.users.get(userId(req.params.id), actorOf(req));
    await userForm(req, res, user, userValues(user, await s.registry.listAgencies()));
  });
  r.post('/quan-tri/tai-khoan/:id', async (req, res) => {
    const user = await s.users.get(userId(req.params.id), actorOf(req));
    const f = formOf(req);
    try {
      await s.users.update(user.id, userInput(f), orNull(f.password), actorOf(req));
      res.redirect(303, '/quan-tri/tai-khoan?ok=saved');
    } catch (err) {
      const shown = accountRefusal(err);
      await userForm(req, res, user, { ...f, password: '' }, shown.errors, shown.message, shown.status);
    }
  });
  return r;
}
