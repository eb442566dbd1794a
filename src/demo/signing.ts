import crypto from 'node:crypto';
import type { Agency } from '../db/agencies';
import type { Services } from '../compose';
import { createDemoCa, demoSealPng, demoSignaturePng, DEMO_MARK, type DemoCa } from '../signing';
import { SYSTEM_ACTOR } from '../domain/actor';

const BY = 'dữ liệu mẫu';

/** A demo CA, trusted by the service (outside production only) so that what it issues verifies. */
export async function trustedDemoCa(s: Pick<Services, 'clock' | 'signingSettings'>): Promise<DemoCa> {
  const ca = await createDemoCa({ now: s.clock.now(), commonName: 'Hẹn Lại DEMO CA' });
  await s.signingSettings.trustRoot({ name: `Hẹn Lại DEMO CA (${DEMO_MARK})`, certificatePem: ca.certificatePem, demo: true, privateKeyPem: ca.privateKeyPem });
  return ca;
}

/** An organisational certificate from the demo CA and the red seal, installed as an administrator would. */
export async function installDemoAgencyCertificate(s: Pick<Services, 'signingSettings'>, ca: DemoCa, agency: Pick<Agency, 'id' | 'name'>, by = BY): Promise<void> {
  const password = crypto.randomBytes(12).toString('base64url');
  const issued = await ca.issueAgency(agency.name, { password });
  const owner = { kind: 'agency' as const, id: agency.id };
  await s.signingSettings.installCertificate(owner, { organization: agency.name }, issued.p12, password, by);
  await s.signingSettings.setImage(owner, demoSealPng(), by);
}

/**
 * The demo's signatures: a demo CA (trusted outside production only), an organisational
 * certificate and a red seal for every agency, a personal certificate and a blue signature for
 * every leader — all marked "DEMO — không có giá trị pháp lý" — so that `npm start` issues
 * letters signed in two layers with nothing to set up.
 */
export async function seedDemoSigning(s: Services): Promise<{ agencies: number; leaders: number }> {
  const ca = await trustedDemoCa(s);
  const agencies = await s.registry.agenciesToManage(SYSTEM_ACTOR);
  for (const agency of agencies) await installDemoAgencyCertificate(s, ca, agency);
  const leaders = (await s.users.list(SYSTEM_ACTOR)).filter((u) => u.role === 'leader' && u.agencyId !== null);
  const signature = demoSignaturePng();
  for (const leader of leaders) {
    const agency = agencies.find((a) => a.id === leader.agencyId);
    if (!agency) continue;
    const password = crypto.randomBytes(12).toString('base64url');
    const issued = await ca.issueLeader({ name: leader.fullName, agencyName: agency.name }, { password });
    const owner = { kind: 'user' as const, id: leader.id };
    await s.signingSettings.installCertificate(owner, { commonName: leader.fullName }, issued.p12, password, BY);
    await s.signingSettings.setImage(owner, signature, BY);
  }
  return { agencies: agencies.length, leaders: leaders.length };
}
