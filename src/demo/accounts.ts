import crypto from 'node:crypto';
import type { UserRole } from '../domain/access';
import type { Services } from '../compose';
import { DEMO_ACTOR } from './seed';

export interface DemoAccount {
  username: string;
  password: string;
  role: UserRole;
  agencyCode: string | null;
  fullName: string;
}

// The counter of the city's service centre receives the land department's dossiers; that
// department reviews its apologies before they go out (apologyMode "review"), so the whole
// story — draft at the counter, approval by the leader — can be walked in the demo.
const PEOPLE: Omit<DemoAccount, 'password'>[] = [
  { username: 'motcua', fullName: 'Nguyễn Thị Mai', role: 'counter', agencyCode: 'TTPVHCC' },
  { username: 'xuly', fullName: 'Trần Văn Hùng', role: 'officer', agencyCode: 'SNNMT' },
  { username: 'lanhdao', fullName: 'Phạm Quốc Bảo', role: 'leader', agencyCode: 'SNNMT' },
  { username: 'giamsat', fullName: 'Lê Thị Hồng', role: 'supervisor', agencyCode: null },
  { username: 'quantri', fullName: 'Võ Minh Tâm', role: 'admin', agencyCode: null },
];

/** One account per role with a fresh random password each (the demo must not ship a known password). */
export async function createDemoAccounts(s: Services): Promise<DemoAccount[]> {
  const accounts: DemoAccount[] = [];
  for (const person of PEOPLE) {
    const password = crypto.randomBytes(9).toString('base64url');
    await s.users.create({ ...person, agencyId: null, active: true }, password, DEMO_ACTOR);
    accounts.push({ ...person, password });
  }
  return accounts;
}
