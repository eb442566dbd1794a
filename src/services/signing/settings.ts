import type { Agency } from '../../db/agencies';
import type { User } from '../../db/users';
import type { SigningMode, SigningOwner, SigningRepository, StoredSigningSettings } from '../../db/signing';
import { ValidationError } from '../../errors';
import {
  createDemoCa,
  createKeySigner,
  createSigningSimulator,
  createSmartCaClient,
  SIGNING_SIMULATOR_USERS,
  openCertificateFile,
  openDemoCa,
  parseCertificates,
  SigningError,
  type ExpectedSubject,
  type ImmediateSigner,
  type RemoteSigner,
  type RemoteSigningService,
} from '../../signing';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../../clock';
import type { SecretBox } from './secrets';

/** What an admin page shows of a signer: never a secret, only whether one is set. */
export interface SignerView {
  mode: SigningMode | null;
  certificate: { subject: string; issuer: string; serialNumber: string; notBefore: number; notAfter: number } | null;
  remote: { baseUrl: string; spId: string; userId: string; serialNumber: string; hasPassword: boolean; hasCallbackSecret: boolean; simulator: boolean } | null;
  hasImage: boolean;
  updatedBy: string | null;
  updatedAt: number | null;
}

/** Who signs one layer of a letter now. */
export type ResolvedSigner =
  | { kind: 'off' }
  | { kind: 'immediate'; signer: ImmediateSigner; signerName: string }
  | { kind: 'remote'; signer: RemoteSigner; service: RemoteSigningService; signerName: string }
  | { kind: 'external'; signerName: string };

export interface RemoteAccountInput {
  baseUrl: string;
  spId: string;
  /** Empty: keep the stored one. */
  spPassword: string;
  callbackSecret: string;
  /** The agency's own ID at the service (its organisational certificate), if it signs remotely too. */
  userId: string;
}

const MAX_P12_BYTES = 64 * 1024;
const MAX_IMAGE_BYTES = 1024 * 1024;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface SigningSettingsDeps {
  repo: SigningRepository;
  secrets: SecretBox;
  clock: Clock;
  /** The remote-signing client for an agency's account (tests pass the fake's). */
  remoteClient?: (account: { baseUrl: string; spId: string; spPassword: string; callbackSecret?: string }) => RemoteSigningService;
}

/**
 * Who signs for each agency and leader: a certificate file (PKCS#12 and its password), a
 * remote-signing account, or — for an agency, only when chosen explicitly — nobody. A leader
 * without settings of their own follows the agency. Everything is checked when it is saved
 * (password, validity, whose certificate), so a wrong file is refused at the admin page rather
 * than at a leader's approval.
 */
export class SigningSettingsService {
  constructor(private readonly deps: SigningSettingsDeps) {}

  private now(): Date {
    return this.deps.clock.now();
  }

  async view(owner: SigningOwner): Promise<SignerView> {
    const s = await this.deps.repo.settings(owner);
    if (!s) return { mode: null, certificate: null, remote: null, hasImage: false, updatedBy: null, updatedAt: null };
    const secrets = this.deps.secrets.open(s.secrets);
    return {
      mode: s.mode,
      certificate: s.certificate ? (JSON.parse(s.certificate) as SignerView['certificate']) : null,
      remote:
        s.settings.baseUrl || s.settings.userId || s.settings.simulator
          ? {
              simulator: s.settings.simulator === '1',
              baseUrl: s.settings.baseUrl ?? '',
              spId: s.settings.spId ?? '',
              userId: s.settings.userId ?? '',
              serialNumber: s.settings.serialNumber ?? '',
              hasPassword: Boolean(secrets.spPassword),
              hasCallbackSecret: Boolean(secrets.callbackSecret),
            }
          : null,
      hasImage: s.image !== null,
      updatedBy: s.updatedBy,
      updatedAt: s.updatedAt,
    };
  }

  async image(owner: SigningOwner): Promise<Buffer | null> {
    return (await this.deps.repo.settings(owner))?.image ?? null;
  }

  private async current(owner: SigningOwner, by: string): Promise<StoredSigningSettings> {
    return (
      (await this.deps.repo.settings(owner)) ?? {
        owner,
        mode: owner.kind === 'agency' ? 'off' : 'agency',
        settings: {},
        secrets: null,
        p12: null,
        certificate: null,
        image: null,
        updatedBy: by,
        updatedAt: this.now().getTime(),
      }
    );
  }

  /** Installs a PKCS#12 file after opening it with its password and checking whose it is. */
  async installCertificate(owner: SigningOwner, expected: ExpectedSubject, p12: Buffer, password: string, by: string): Promise<SignerView> {
    if (p12.length === 0) throw new ValidationError([{ field: 'p12', message: 'Chọn tệp .p12 hoặc .pfx' }], 'Chưa chọn tệp chứng thư số (.p12/.pfx)');
    if (p12.length > MAX_P12_BYTES) throw new ValidationError([{ field: 'p12', message: `Tệp .p12 không quá ${MAX_P12_BYTES / 1024} KB` }], 'Tệp chứng thư số quá lớn');
    const signer = openCertificateFile(p12, password, { now: this.now(), expected });
    const c = signer.certificate;
    const s = await this.current(owner, by);
    const secrets = { ...this.deps.secrets.open(s.secrets), p12Password: password };
    await this.deps.repo.saveSettings({
      ...s,
      mode: 'certificate',
      p12,
      secrets: this.deps.secrets.seal(secrets),
      certificate: JSON.stringify({ subject: c.subjectText, issuer: c.issuerText, serialNumber: c.serialNumber, notBefore: c.notBefore.getTime(), notAfter: c.notAfter.getTime() }),
      updatedBy: by,
      updatedAt: this.now().getTime(),
    });
    return this.view(owner);
  }

  /** An agency's remote-signing account (SmartCA-shaped); empty base URL refused. */
  async connectAgencyRemote(agencyId: number, input: RemoteAccountInput, by: string): Promise<SignerView> {
    const owner: SigningOwner = { kind: 'agency', id: agencyId };
    const s = await this.current(owner, by);
    const old = this.deps.secrets.open(s.secrets);
    const problems: Array<{ field: string; message: string }> = [];
    if (!/^https?:\/\/\S+$/.test(input.baseUrl.trim())) problems.push({ field: 'baseUrl', message: 'Địa chỉ dịch vụ ký số phải bắt đầu bằng https://' });
    if (!input.spId.trim()) problems.push({ field: 'spId', message: 'Cần mã tài khoản tích hợp (sp_id)' });
    if (!input.spPassword && !old.spPassword) problems.push({ field: 'spPassword', message: 'Cần mật khẩu tài khoản tích hợp (sp_password)' });
    if (problems.length) throw new ValidationError(problems, 'Thông tin tài khoản ký số từ xa chưa đủ');
    const secrets = { ...old, ...(input.spPassword ? { spPassword: input.spPassword } : {}), ...(input.callbackSecret ? { callbackSecret: input.callbackSecret } : {}) };
    await this.deps.repo.saveSettings({
      ...s,
      // The account serves the leaders; an agency that signs its own layer with a certificate file keeps doing so.
      mode: s.mode === 'certificate' && s.p12 ? 'certificate' : 'remote',
      settings: { baseUrl: input.baseUrl.trim().replace(/\/$/, ''), spId: input.spId.trim(), userId: input.userId.trim() },
      secrets: this.deps.secrets.seal(secrets),
      updatedBy: by,
      updatedAt: this.now().getTime(),
    });
    return this.view(owner);
  }

  /**
   * Remote signing simulated, for a province without a contract yet: nothing leaves the
   * machine, leaders "confirm" after a few seconds and magic ID numbers give the other outcomes
   * (SIGNING_SIMULATOR_USERS). Signatures come from demo certificates ("DEMO — không có giá trị
   * pháp lý"). The agency's own layer keeps its certificate file if it has one; otherwise it is
   * signed with a simulated organisational certificate. A real account (connectAgencyRemote)
   * ends the simulation.
   */
  async useRemoteSimulator(agencyId: number, by: string): Promise<SignerView> {
    const owner: SigningOwner = { kind: 'agency', id: agencyId };
    const s = await this.current(owner, by);
    const mode = s.mode === 'certificate' ? 'certificate' : 'remote';
    await this.deps.repo.saveSettings({ ...s, mode, settings: { simulator: '1' }, updatedBy: by, updatedAt: this.now().getTime() });
    return this.view(owner);
  }

  /** The simulator's magic ID numbers and what each gives (shown on the admin page). */
  simulatorUsers(): ReadonlyArray<{ userId: string; explanation: string }> {
    return SIGNING_SIMULATOR_USERS;
  }

  /** A leader who confirms on the phone: their ID number at the agency's remote-signing service. */
  async connectLeaderRemote(userId: number, remoteUserId: string, serialNumber: string, by: string): Promise<SignerView> {
    if (!/^\d{9,12}$/.test(remoteUserId.trim())) {
      throw new ValidationError([{ field: 'userId', message: 'Số CCCD/định danh gồm 9–12 chữ số' }], 'Số định danh của người ký không hợp lệ');
    }
    const owner: SigningOwner = { kind: 'user', id: userId };
    const s = await this.current(owner, by);
    await this.deps.repo.saveSettings({ ...s, mode: 'remote', settings: { userId: remoteUserId.trim(), serialNumber: serialNumber.trim() }, updatedBy: by, updatedAt: this.now().getTime() });
    return this.view(owner);
  }

  /** Agency: 'off' (explicitly unsigned letters). Leader: 'agency' (follow the agency). */
  async setMode(owner: SigningOwner, mode: 'off' | 'agency' | 'certificate' | 'remote' | 'external', by: string): Promise<SignerView> {
    const allowed = owner.kind === 'agency' ? ['off', 'certificate', 'remote'] : ['agency', 'certificate', 'remote', 'external'];
    if (!allowed.includes(mode)) throw new ValidationError([{ field: 'mode', message: `Chọn một trong: ${allowed.join(', ')}` }], 'Cách ký không hợp lệ');
    const s = await this.current(owner, by);
    if (mode === 'certificate' && !s.p12) throw new ValidationError([{ field: 'mode', message: 'Tải tệp .p12 lên trước' }], 'Chưa cài tệp chứng thư số');
    if (mode === 'remote' && !s.settings.userId && !s.settings.baseUrl && !s.settings.simulator) throw new ValidationError([{ field: 'mode', message: 'Nhập tài khoản ký số từ xa trước' }], 'Chưa kết nối tài khoản ký số từ xa');
    await this.deps.repo.saveSettings({ ...s, mode, updatedBy: by, updatedAt: this.now().getTime() });
    return this.view(owner);
  }

  /** The leader's signature (blue) or the agency's seal (red): a PNG, kept as uploaded. */
  async setImage(owner: SigningOwner, png: Buffer, by: string): Promise<SignerView> {
    const field = owner.kind === 'agency' ? 'seal' : 'signatureImage';
    if (png.length === 0 || !png.subarray(0, 8).equals(PNG_MAGIC)) throw new ValidationError([{ field, message: 'Chọn một tệp .png (nền trong suốt)' }], 'Ảnh phải là tệp PNG');
    if (png.length > MAX_IMAGE_BYTES) throw new ValidationError([{ field, message: 'Ảnh PNG không quá 1 MB' }], 'Ảnh quá lớn');
    const s = await this.current(owner, by);
    await this.deps.repo.saveSettings({ ...s, image: png, updatedBy: by, updatedAt: this.now().getTime() });
    return this.view(owner);
  }

  /** Agencies sign only when they chose how; none chosen means signing is not set up (refused, not skipped). */
  async agencySigner(agency: Agency): Promise<ResolvedSigner> {
    return (await this.agencySignerAndSeal(agency)).signer;
  }

  /** The agency's signer and its seal image, from one read of its settings (issuance needs both). */
  async agencySignerAndSeal(agency: Agency): Promise<{ signer: ResolvedSigner; seal: Buffer | null }> {
    const s = await this.deps.repo.settings({ kind: 'agency', id: agency.id });
    return { signer: await this.agencyResolved(agency, s), seal: s?.image ?? null };
  }

  private async agencyResolved(agency: Agency, s: StoredSigningSettings | null): Promise<ResolvedSigner> {
    if (!s) throw new SigningError('signer-not-configured', `Cơ quan ${agency.name} chưa cài đặt chữ ký số (tệp chứng thư số hoặc tài khoản ký số từ xa), cũng chưa chọn "không ký số"`);
    return this.resolve(s, s, { organization: agency.name }, agency.name, agency.name);
  }

  /**
   * The leader's own signer when they have one; otherwise the agency's (the approving leader
   * without a certificate, or an approval by the system in auto mode).
   */
  async leaderSigner(agency: Agency, leader: Pick<User, 'id' | 'fullName' | 'active' | 'agencyId'> | null): Promise<ResolvedSigner & { layerOwner: 'leader' | 'agency' }> {
    const agencySettings = await this.deps.repo.settings({ kind: 'agency', id: agency.id });
    if (leader) {
      if (!leader.active || leader.agencyId !== agency.id) {
        throw new SigningError('signer-unknown', `Tài khoản "${leader.fullName}" không còn là lãnh đạo của ${agency.name}: không ký được văn bản của cơ quan này`);
      }
      const own = await this.deps.repo.settings({ kind: 'user', id: leader.id });
      if (own && own.mode !== 'agency') {
        if (!agencySettings || agencySettings.mode === 'off') return { kind: 'off', layerOwner: 'leader' };
        return { ...(await this.resolve(own, agencySettings, { commonName: leader.fullName }, leader.fullName, agency.name)), layerOwner: 'leader' };
      }
    }
    return { ...(await this.agencyResolved(agency, agencySettings)), layerOwner: 'agency' };
  }

  private async resolve(s: StoredSigningSettings, account: StoredSigningSettings, expected: ExpectedSubject, name: string, agencyName: string): Promise<ResolvedSigner> {
    if (s.mode === 'off') return { kind: 'off' };
    if (s.mode === 'external') return { kind: 'external', signerName: name };
    const secrets = this.deps.secrets.open(s.secrets);
    if (s.mode === 'certificate') {
      if (!s.p12) throw new SigningError('signer-not-configured', `Chưa cài tệp chứng thư số của ${name}`);
      return { kind: 'immediate', signer: openCertificateFile(s.p12, secrets.p12Password ?? '', { now: this.now(), expected }), signerName: name };
    }
    if (account.settings.simulator === '1') return this.simulated(s, account, name, agencyName, expected);
    const service = this.remoteService(account);
    const userId = s.settings.userId;
    if (!userId) throw new SigningError('signer-not-configured', `Chưa có số định danh của ${name} tại dịch vụ ký số từ xa`);
    return { kind: 'remote', signer: service.signer(userId, s.settings.serialNumber || undefined), service, signerName: name };
  }

  /**
   * A signer under the simulated account: a leader's ID number goes to the simulator (magic
   * numbers give each outcome); the agency's layer signs at once with its simulated
   * organisational certificate.
   */
  private async simulated(s: StoredSigningSettings, account: StoredSigningSettings, name: string, agencyName: string, expected: ExpectedSubject): Promise<ResolvedSigner> {
    if (s.owner.kind === 'agency') {
      const own = await this.simulatedCredentials(account.owner.id, 'agency', name, agencyName);
      return { kind: 'immediate', signer: createKeySigner(own.privateKey, own.chain, { now: this.now(), expected }), signerName: name };
    }
    const userId = s.settings.userId;
    if (!userId) throw new SigningError('signer-not-configured', `Chưa có số định danh của ${name} tại dịch vụ ký số (mô phỏng)`);
    // Keys are made before the simulator needs them: it reads them synchronously, in any process.
    const creds = await this.simulatedCredentials(account.owner.id, userId, name, agencyName);
    const service = createSigningSimulator({ now: () => this.now(), credentials: () => creds });
    return { kind: 'remote', signer: service.signer(userId), service, signerName: name };
  }

  /**
   * The demo key and certificate the simulator signs with for one signer, made once and kept
   * (sealed) so that every process and every poll signs with the same key. Two processes making
   * it at once both keep the first one stored (unique key, insert-or-ignore). Issued by the demo
   * CA (made and trusted as a demo root if there is none).
   */
  private async simulatedCredentials(agencyId: number, who: string, name: string, agencyName: string): Promise<{ privateKey: KeyObject; chain: Buffer[] }> {
    const load = async () => {
      const sealed = await this.deps.repo.simulatedKey(agencyId, who);
      if (!sealed) return null;
      const { key, chain } = JSON.parse(this.deps.secrets.open(sealed).credentials) as { key: string; chain: string[] };
      return { privateKey: createPrivateKey(key), chain: chain.map((c) => Buffer.from(c, 'base64')) };
    };
    const existing = await load();
    if (existing) return existing;
    const now = this.now();
    const root = await this.deps.repo.demoRoot();
    let ca;
    if (root) ca = openDemoCa({ ...root, now });
    else {
      ca = await createDemoCa({ now, commonName: 'Hẹn Lại DEMO CA (mô phỏng ký số từ xa)' });
      await this.trustRoot({ name: 'Hẹn Lại DEMO CA (mô phỏng ký số từ xa)', certificatePem: ca.certificatePem, demo: true, privateKeyPem: ca.privateKeyPem });
    }
    const issued = who === 'agency' ? await ca.issueAgency(agencyName, { password: 'mo-phong' }) : await ca.issueLeader({ name, agencyName }, { password: 'mo-phong' });
    const credentials = JSON.stringify({ key: issued.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), chain: issued.chain.map((c) => c.toString('base64')) });
    await this.deps.repo.addSimulatedKey(agencyId, who, this.deps.secrets.seal({ credentials }), now.getTime());
    const kept = await load();
    // Insert-or-ignore leaves a row whoever won; none means the database lost it.
    if (!kept) throw new Error('the simulated signing key was not kept');
    return kept;
  }

  /** The agency's remote-signing client (its account: base URL, SP id and password). */
  remoteService(account: StoredSigningSettings): RemoteSigningService {
    if (account.settings.simulator === '1') {
      return createSigningSimulator({ now: () => this.now(), credentials: () => null });
    }
    const secrets = this.deps.secrets.open(account.secrets);
    const baseUrl = account.settings.baseUrl;
    if (!baseUrl || !account.settings.spId || !secrets.spPassword) {
      throw new SigningError('signer-not-configured', 'Cơ quan chưa kết nối tài khoản ký số từ xa (địa chỉ dịch vụ, sp_id, sp_password)');
    }
    const settings = { baseUrl, spId: account.settings.spId, spPassword: secrets.spPassword, callbackSecret: secrets.callbackSecret || undefined };
    return this.deps.remoteClient ? this.deps.remoteClient(settings) : createSmartCaClient(settings, { now: () => this.now() });
  }

  async agencyRemoteService(agencyId: number): Promise<RemoteSigningService> {
    const s = await this.deps.repo.settings({ kind: 'agency', id: agencyId });
    if (!s) throw new SigningError('signer-not-configured', 'Cơ quan chưa kết nối tài khoản ký số từ xa');
    return this.remoteService(s);
  }

  /** Adds a root certificate letters may chain to (a demo root keeps its key, to issue more demo certificates). */
  async trustRoot(root: { name: string; certificatePem: string; demo: boolean; privateKeyPem?: string }): Promise<void> {
    parseCertificates(root.certificatePem);
    await this.deps.repo.addRoot(root, this.now().getTime());
  }

  /** Roots a letter's signatures must chain to (demo roots outside production only). */
  async trustedRoots(trustDemo: boolean): Promise<Buffer[]> {
    return (await this.deps.repo.roots()).filter((r) => trustDemo || !r.demo).map((r) => parseCertificates(r.certificatePem)[0].der);
  }
}
