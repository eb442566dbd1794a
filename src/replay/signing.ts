/**
 * The replay's agencies sign their letters as a province's would: set up once, after the
 * catalogue, through the signing settings use case an administrator uses — a demo CA's
 * organisational certificate and seal (the demo's, src/demo/signing.ts); a remote-signing account
 * at the SmartCA fake, with a leader who confirms on the phone; or "không ký số" chosen
 * explicitly. The letters then go through the same signing code as in production.
 */
import crypto from 'node:crypto';
import type { Services } from '../compose';
import type { Agency } from '../db/agencies';
import type { WorkingCalendar } from '../domain/calendar';
import { workingMsBetween } from '../domain/deadline';
import { SYSTEM_ACTOR } from '../domain/actor';
import { installDemoAgencyCertificate, trustedDemoCa } from '../demo/signing';
import { demoSealPng, demoSignaturePng, type DemoCa } from '../signing';
import type { PhoneAnswer } from './fakes/smartca';
import type { ReplayParams, SigningParams } from './params';
import { Rng, seedOf } from './random';
import { onSignatureRequest } from './staff';

const BY = 'mô phỏng (henlai replay)';
const MINUTE_MS = 60_000;

/**
 * A signer with an account at the remote-signing service: a 'remote' agency's leader (who
 * approves and signs the letters) and the agency itself (its organisational certificate, which
 * seals the letter at issuance — and signs in the leader's place when the watcher approves in
 * 'auto' mode, as the agency's signer does in production).
 */
export interface RemoteSignerAccount {
  agencyCode: string;
  role: 'leader' | 'agency';
  /** The ID at the service (a citizen ID number for a leader). */
  userId: string;
  /** The certificate's subject: the leader's name (the account's full name), or the agency's. */
  name: string;
  agencyName: string;
}

export function kindOf(signing: SigningParams, agencyCode: string): SigningParams['kind'] {
  return signing.agencies[agencyCode] ?? signing.kind;
}

/** The accounts the SmartCA fake must know before it starts (it issues their certificates then). */
export function remoteSignerAccounts(params: Pick<ReplayParams, 'agencies' | 'signing'>): RemoteSignerAccount[] {
  return params.agencies.flatMap((a, i) => {
    if (kindOf(params.signing, a.code) !== 'remote') return [];
    // Twelve digits, as a citizen ID number (the settings refuse anything else for a leader).
    const id = (n: number) => String(100_000_000_000 + 2 * i + n);
    return [
      { agencyCode: a.code, role: 'leader' as const, userId: id(0), name: a.signerName ?? `Lãnh đạo ${a.name}`, agencyName: a.name },
      { agencyCode: a.code, role: 'agency' as const, userId: id(1), name: a.name, agencyName: a.name },
    ];
  });
}

/** The remote-signing service the 'remote' agencies' accounts point at (the fake's address and the replay's SP credentials). */
export interface RemoteService {
  baseUrl: string;
  spId: string;
  spPassword: string;
  accounts: RemoteSignerAccount[];
}

export interface InstalledSigning {
  counts: Record<SigningParams['kind'], number>;
  /** Each 'remote' agency's leader account (agency code → user id): the driver approves as them. */
  leaders: Map<string, number>;
}

export async function installSigning(
  s: Pick<Services, 'clock' | 'signingSettings' | 'registry' | 'users'>,
  signing: SigningParams,
  remote: RemoteService | null = null,
): Promise<InstalledSigning> {
  const agencies = await s.registry.agenciesToManage(SYSTEM_ACTOR);
  let ca: DemoCa | null = null;
  const counts = { certificate: 0, remote: 0, off: 0 };
  const leaders = new Map<string, number>();
  for (const agency of agencies) {
    const kind = kindOf(signing, agency.code);
    if (kind === 'certificate') {
      ca ??= await trustedDemoCa(s);
      await installDemoAgencyCertificate(s, ca, agency, BY);
    } else if (kind === 'remote') {
      if (!remote) throw new Error(`replay: agency ${agency.code} signs remotely but no remote-signing service was started`);
      leaders.set(agency.code, await installRemote(s, agency, remote));
    } else {
      await s.signingSettings.setMode({ kind: 'agency', id: agency.id }, 'off', BY);
    }
    counts[kind]++;
  }
  return { counts, leaders };
}

/**
 * What an administrator does for an agency that signs with SmartCA: connect the agency's account
 * (with its own ID, so its seal is signed remotely too) and its seal image; create the leader's
 * account and enter the leader's ID number at the service, with the signature image.
 */
async function installRemote(s: Pick<Services, 'signingSettings' | 'users'>, agency: Agency, remote: RemoteService): Promise<number> {
  const own = remote.accounts.find((a) => a.agencyCode === agency.code && a.role === 'agency');
  const leader = remote.accounts.find((a) => a.agencyCode === agency.code && a.role === 'leader');
  if (!own || !leader) throw new Error(`replay: no remote-signing accounts made for agency ${agency.code}`);
  await s.signingSettings.connectAgencyRemote(agency.id, { baseUrl: remote.baseUrl, spId: remote.spId, spPassword: remote.spPassword, callbackSecret: '', userId: own.userId }, BY);
  await s.signingSettings.setImage({ kind: 'agency', id: agency.id }, demoSealPng(), BY);
  const user = await s.users.create(
    { username: `lanhdao.${agency.code.toLowerCase()}`, fullName: leader.name, role: 'leader', agencyId: agency.id, agencyCode: agency.code, active: true },
    crypto.randomBytes(18).toString('base64url'),
    SYSTEM_ACTOR,
  );
  await s.signingSettings.connectLeaderRemote(user.id, leader.userId, '', BY);
  await s.signingSettings.setImage({ kind: 'user', id: user.id }, demoSignaturePng(), BY);
  return user.id;
}

/**
 * The signers' phones: when a request reaches the SmartCA fake, the staff model decides what its
 * signer will do and when (virtual time), and the fake carries it out once its clock — the
 * replay's virtual clock — gets there. Decided at arrival, so a poll from any process at any
 * moment gets the same answer: nothing depends on which of the poll and the driver's step comes
 * first. Drawn from the request itself (the signer, the instant, the letter it describes), not
 * from the order requests arrive in: the watcher signs two letters side by side (an `auto` agency
 * whose certificate holder signs remotely), and which request arrives first is the machine's.
 */
export class SignerPhones {
  private readonly agencyOf: Map<string, string>;
  private readonly calendars = new Map<string, WorkingCalendar>();

  constructor(
    private readonly params: ReplayParams,
    /** The run's seed, mixed with PHONE_STREAM by the caller. */
    private readonly seed: number,
    accounts: RemoteSignerAccount[],
  ) {
    this.agencyOf = new Map(accounts.map((a) => [a.userId, a.agencyCode]));
  }

  /** The agencies' working calendars, once the catalogue is installed (office hours decide who answers). */
  async load(s: Pick<Services, 'registry' | 'calendars'>): Promise<void> {
    const remote = new Set(this.agencyOf.values());
    for (const a of await s.registry.agenciesToManage(SYSTEM_ACTOR)) if (remote.has(a.code)) this.calendars.set(a.code, await s.calendars.forAgency(a));
  }

  answer(request: { userId: string; createdAt: number; description: string }): PhoneAnswer | null {
    const agency = this.agencyOf.get(request.userId);
    const calendar = agency === undefined ? undefined : this.calendars.get(agency);
    const at = request.createdAt;
    const inOfficeHours = calendar !== undefined && workingMsBetween(calendar, new Date(at), new Date(at + MINUTE_MS)) > 0;
    const letter = crypto.createHash('sha256').update(`${request.userId}\n${request.description}`).digest().readUInt32BE(0);
    const r = onSignatureRequest(this.params, new Rng(seedOf(this.seed, at, letter)), { inOfficeHours });
    return r.answer === 'none' ? null : { answer: r.answer, at: at + Math.round(r.afterMinutes * MINUTE_MS) };
  }
}

