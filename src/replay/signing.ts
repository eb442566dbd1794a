/**
 * The replay's agencies sign their letters as a province's would: set up once, after the
 * catalogue, through the signing settings use case an administrator uses — a demo CA's
 * organisational certificate and seal (the demo's, src/demo/signing.ts), or "không ký số" chosen
 * explicitly. The letters then go through the same signing code as in production.
 */
import type { Services } from '../compose';
import { SYSTEM_ACTOR } from '../domain/actor';
import { installDemoAgencyCertificate, trustedDemoCa } from '../demo/signing';
import type { DemoCa } from '../signing';
import type { SigningParams } from './params';

const BY = 'mô phỏng (henlai replay)';

export async function installSigning(s: Pick<Services, 'clock' | 'signingSettings' | 'registry'>, signing: SigningParams): Promise<{ certificate: number; off: number }> {
  const agencies = await s.registry.agenciesToManage(SYSTEM_ACTOR);
  let ca: DemoCa | null = null;
  const counts = { certificate: 0, off: 0 };
  for (const agency of agencies) {
    const kind = signing.agencies[agency.code] ?? signing.kind;
    if (kind === 'certificate') {
      ca ??= await trustedDemoCa(s);
      await installDemoAgencyCertificate(s, ca, agency, BY);
    } else {
      await s.signingSettings.setMode({ kind: 'agency', id: agency.id }, 'off', BY);
    }
    counts[kind]++;
  }
  return counts;
}
