import { noteWritten, readsCommittedRows, type Db } from './connection';
import { KeyedSnapshot, tableFingerprint } from './snapshot';

export type SigningOwner = { kind: 'agency' | 'user'; id: number };

/** Agency: certificate | remote | off. Leader: certificate | remote | agency (the agency's policy). */
/** Leader 'external': a document-management system signs and returns the PDF through the API. */
export type SigningMode = 'certificate' | 'remote' | 'off' | 'agency' | 'external';

export interface StoredSigningSettings {
  owner: SigningOwner;
  mode: SigningMode;
  /** Non-secret settings (remote account: base URL, SP id, the signer's ID number, serial). */
  settings: Record<string, string>;
  /** Encrypted JSON of the secrets (see services/signing/secrets.ts). */
  secrets: string | null;
  p12: Buffer | null;
  /** Summary of the installed certificate (JSON), shown on the admin page. */
  certificate: string | null;
  image: Buffer | null;
  updatedBy: string;
  updatedAt: number;
}

/** Where a letter's signing stands (see services/signing/letters.ts for the transitions). */
export type LetterSigningState = 'leader-waiting' | 'leader-signed' | 'agency-waiting' | 'returned' | 'signed' | 'unsigned';

/** A letter number and date taken from the agency's register for one letter, kept for its retries. */
export interface LetterReservation {
  year: number;
  seq: number;
  number: string;
  at: number;
}

export interface LetterSigning {
  apologyId: number;
  verificationCode: string;
  state: LetterSigningState;
  leaderSigner: 'certificate' | 'remote' | 'agency' | 'external';
  approverUserId: number | null;
  approvedBy: string;
  approvedAt: number;
  request: string | null;
  prepared: string | null;
  stamps: string | null;
  leaderSignedAt: number | null;
  agencySignedAt: number | null;
  pdfSha256: string | null;
  message: string | null;
  attempts: number;
  nextCheckAt: number | null;
  updatedAt: number;
  reservation: LetterReservation | null;
}

export interface SigningEvent {
  apologyId: number;
  layer: 'leader' | 'agency';
  outcome: string;
  message: string | null;
  transactionId: string | null;
  at: number;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const buf = (v: unknown): Buffer | null => (v ? Buffer.from(v as Uint8Array) : null);

const LETTER_COLUMNS = [
  'apology_id', 'verification_code', 'state', 'leader_signer', 'approver_user_id', 'approved_by', 'approved_at', 'request',
  'prepared', 'stamps', 'leader_signed_at', 'agency_signed_at', 'pdf_sha256', 'message', 'attempts', 'next_check_at', 'updated_at',
  'reserved_year', 'reserved_seq', 'reserved_number', 'reserved_at',
];

function letterFromRow(r: Record<string, unknown>): LetterSigning {
  return {
    apologyId: Number(r.apology_id),
    verificationCode: String(r.verification_code),
    state: r.state as LetterSigningState,
    leaderSigner: r.leader_signer as LetterSigning['leaderSigner'],
    approverUserId: num(r.approver_user_id),
    approvedBy: String(r.approved_by),
    approvedAt: Number(r.approved_at),
    request: (r.request as string | null) ?? null,
    prepared: (r.prepared as string | null) ?? null,
    stamps: (r.stamps as string | null) ?? null,
    leaderSignedAt: num(r.leader_signed_at),
    agencySignedAt: num(r.agency_signed_at),
    pdfSha256: (r.pdf_sha256 as string | null) ?? null,
    message: (r.message as string | null) ?? null,
    attempts: Number(r.attempts),
    nextCheckAt: num(r.next_check_at),
    updatedAt: Number(r.updated_at),
    reservation: r.reserved_number
      ? { year: Number(r.reserved_year), seq: Number(r.reserved_seq), number: String(r.reserved_number), at: Number(r.reserved_at) }
      : null,
  };
}

const LETTER_FIELDS: Record<keyof Omit<LetterSigning, 'apologyId' | 'reservation'>, string> = {
  verificationCode: 'verification_code',
  state: 'state',
  leaderSigner: 'leader_signer',
  approverUserId: 'approver_user_id',
  approvedBy: 'approved_by',
  approvedAt: 'approved_at',
  request: 'request',
  prepared: 'prepared',
  stamps: 'stamps',
  leaderSignedAt: 'leader_signed_at',
  agencySignedAt: 'agency_signed_at',
  pdfSha256: 'pdf_sha256',
  message: 'message',
  attempts: 'attempts',
  nextCheckAt: 'next_check_at',
  updatedAt: 'updated_at',
};

function letterColumns(patch: LetterPatch): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).map(([k, v]) => [LETTER_FIELDS[k as keyof typeof LETTER_FIELDS], v]));
}

type LetterPatch = Partial<Omit<LetterSigning, 'apologyId' | 'reservation'>>;

/** Signing settings, trusted roots, and each letter's signing state: the only SQL about signing. */
export class SigningRepository {
  /** Each owner's settings in memory: a letter's signers are resolved several times on its way. */
  private readonly settingsByOwner: KeyedSnapshot<StoredSigningSettings | null>;

  /** `recheckMs`: how long another instance's save may go unseen (see KeyedSnapshot). */
  constructor(private readonly db: Db, recheckMs?: number) {
    this.settingsByOwner = new KeyedSnapshot(() => tableFingerprint(this.db, 'signing_settings'), recheckMs);
  }

  private readonly dropSettings = (): void => this.settingsByOwner.invalidate();

  /** From memory outside transactions and in one that has not saved settings (readsCommittedRows says why). */
  async settings(owner: SigningOwner): Promise<StoredSigningSettings | null> {
    if (!readsCommittedRows(this.db, 'signing_settings')) return this.readSettings(owner);
    return this.settingsByOwner.get(`${owner.kind}:${owner.id}`, () => this.readSettings(owner));
  }

  private async readSettings(owner: SigningOwner): Promise<StoredSigningSettings | null> {
    const r = await this.db('signing_settings').where({ owner_kind: owner.kind, owner_id: owner.id }).first();
    if (!r) return null;
    return {
      owner,
      mode: r.mode as SigningMode,
      settings: JSON.parse(String(r.settings)) as Record<string, string>,
      secrets: (r.secrets as string | null) ?? null,
      p12: buf(r.p12),
      certificate: (r.certificate as string | null) ?? null,
      image: buf(r.image),
      updatedBy: String(r.updated_by),
      updatedAt: Number(r.updated_at),
    };
  }

  /** Leader settings whose remote account has this ID number (the simulator's key look-up). */
  async userIdsWithRemoteId(remoteUserId: string): Promise<number[]> {
    const rows = await this.db('signing_settings').select('owner_id', 'settings').where({ owner_kind: 'user' });
    return rows.filter((r: { settings: string }) => (JSON.parse(r.settings) as Record<string, string>).userId === remoteUserId).map((r: { owner_id: number }) => Number(r.owner_id));
  }

  async saveSettings(s: StoredSigningSettings): Promise<void> {
    const row = {
      owner_kind: s.owner.kind,
      owner_id: s.owner.id,
      mode: s.mode,
      settings: JSON.stringify(s.settings),
      secrets: s.secrets,
      p12: s.p12,
      certificate: s.certificate,
      image: s.image,
      updated_by: s.updatedBy,
      updated_at: s.updatedAt,
    };
    this.settingsByOwner.invalidate();
    noteWritten(this.db, 'signing_settings', this.dropSettings);
    await this.db('signing_settings').insert(row).onConflict(['owner_kind', 'owner_id']).merge();
    this.settingsByOwner.invalidate();
  }

  /** The simulator's sealed demo key for one signer of an agency, if made. */
  async simulatedKey(agencyId: number, signer: string): Promise<string | null> {
    const r = await this.db('signing_simulated_keys').select('sealed').where({ agency_id: agencyId, signer }).first();
    return r ? String(r.sealed) : null;
  }

  /** Keeps a simulated key unless another process kept one first (then this one is dropped). */
  async addSimulatedKey(agencyId: number, signer: string, sealed: string, now: number): Promise<void> {
    await this.db('signing_simulated_keys').insert({ agency_id: agencyId, signer, sealed, created_at: now }).onConflict(['agency_id', 'signer']).ignore();
  }

  async roots(): Promise<Array<{ name: string; certificatePem: string; demo: boolean }>> {
    const rows = await this.db('signing_roots').select('name', 'certificate_pem', 'demo').orderBy('id');
    return rows.map((r: { name: string; certificate_pem: string; demo: boolean | number }) => ({ name: r.name, certificatePem: r.certificate_pem, demo: Boolean(r.demo) }));
  }

  async demoRoot(): Promise<{ certificatePem: string; privateKeyPem: string } | null> {
    const r = await this.db('signing_roots').where({ demo: true }).whereNotNull('private_key_pem').orderBy('id').first();
    return r ? { certificatePem: String(r.certificate_pem), privateKeyPem: String(r.private_key_pem) } : null;
  }

  async addRoot(root: { name: string; certificatePem: string; demo: boolean; privateKeyPem?: string }, now: number): Promise<void> {
    await this.db('signing_roots').insert({ name: root.name, certificate_pem: root.certificatePem, demo: root.demo, private_key_pem: root.privateKeyPem ?? null, created_at: now });
  }

  async letter(apologyId: number): Promise<LetterSigning | null> {
    const r = await this.db('letter_signing').select(LETTER_COLUMNS).where({ apology_id: apologyId }).first();
    return r ? letterFromRow(r) : null;
  }

  async letters(apologyIds: number[]): Promise<Map<number, LetterSigning>> {
    const rows = apologyIds.length ? await this.db('letter_signing').select(LETTER_COLUMNS).whereIn('apology_id', apologyIds) : [];
    return new Map(rows.map((r: Record<string, unknown>) => [Number(r.apology_id), letterFromRow(r)]));
  }

  async letterByCode(code: string): Promise<LetterSigning | null> {
    const r = await this.db('letter_signing').select(LETTER_COLUMNS).where({ verification_code: code }).first();
    return r ? letterFromRow(r) : null;
  }

  async letterBySha256(sha256: string): Promise<LetterSigning | null> {
    const r = await this.db('letter_signing').select(LETTER_COLUMNS).where({ pdf_sha256: sha256 }).first();
    return r ? letterFromRow(r) : null;
  }

  /** `letter` and `leaderPdf` in one read (issuance needs both). */
  async letterWithLeaderPdf(apologyId: number): Promise<{ letter: LetterSigning; leaderPdf: Buffer | null } | null> {
    const r = await this.db('letter_signing').select([...LETTER_COLUMNS, 'leader_pdf']).where({ apology_id: apologyId }).first();
    return r ? { letter: letterFromRow(r), leaderPdf: buf(r.leader_pdf) } : null;
  }

  async leaderPdf(apologyId: number): Promise<Buffer | null> {
    const r = await this.db('letter_signing').select('leader_pdf').where({ apology_id: apologyId }).first();
    return buf(r?.leader_pdf);
  }

  /** A new signing round for an approved draft (a returned one starts over). */
  async start(l: Omit<LetterSigning, 'attempts' | 'leaderSignedAt' | 'agencySignedAt' | 'pdfSha256' | 'apologyId' | 'reservation'> & { apologyId: number }): Promise<void> {
    // A reserved number is not among the columns written: a new round keeps it (gap-free register).
    const { apologyId, ...rest } = l;
    const row = { apology_id: apologyId, ...letterColumns({ ...rest, attempts: 0, leaderSignedAt: null, agencySignedAt: null, pdfSha256: null }), leader_pdf: null };
    await this.db('letter_signing').insert(row).onConflict('apology_id').merge();
  }

  /**
   * Moves a letter on only from the state it was read in: of two pollers (or a poller and a
   * callback) that learn the same outcome, one records it and the other sees `false`.
   */
  async transition(apologyId: number, from: LetterSigningState[], patch: LetterPatch, leaderPdf?: Buffer): Promise<boolean> {
    const update: Record<string, unknown> = letterColumns(patch);
    if (leaderPdf) update.leader_pdf = leaderPdf;
    const n = await this.db('letter_signing').where({ apology_id: apologyId }).whereIn('state', from).update(update);
    return n > 0;
  }

  /** Records the number and date a letter took from the register (only once the leader has signed). */
  async reserve(apologyId: number, r: LetterReservation): Promise<boolean> {
    const n = await this.db('letter_signing')
      .where({ apology_id: apologyId, state: 'leader-signed' })
      .whereNull('reserved_number')
      .update({ reserved_year: r.year, reserved_seq: r.seq, reserved_number: r.number, reserved_at: r.at });
    return n > 0;
  }

  /** The number went back to the register (its letter was cancelled while holding the last one). */
  async clearReservation(apologyId: number): Promise<void> {
    await this.db('letter_signing').where({ apology_id: apologyId }).update({ reserved_year: null, reserved_seq: null, reserved_number: null, reserved_at: null });
  }

  /** Letters waiting for a remote signature, or signed by the leader but not yet issued, whose next check is due. */
  async due(now: number, limit: number): Promise<number[]> {
    const rows = await this.db('letter_signing').select('apology_id').whereIn('state', ['leader-waiting', 'leader-signed', 'agency-waiting']).where('next_check_at', '<=', now).orderBy('next_check_at').limit(limit);
    return rows.map((r: { apology_id: number }) => Number(r.apology_id));
  }

  async byTransaction(transactionId: string): Promise<number | null> {
    // The transaction id is inside the request JSON; ids are unique random strings.
    const r = await this.db('letter_signing').select('apology_id').whereIn('state', ['leader-waiting', 'agency-waiting']).where('request', 'like', `%"transactionId":"${transactionId.replace(/[%_"\\]/g, '')}"%`).first();
    return r ? Number(r.apology_id) : null;
  }

  async recordEvent(e: SigningEvent): Promise<void> {
    await this.db('signing_events').insert({ apology_id: e.apologyId, layer: e.layer, outcome: e.outcome, message: e.message, transaction_id: e.transactionId, at: e.at });
  }

  async events(apologyId: number): Promise<SigningEvent[]> {
    const rows = await this.db('signing_events').where({ apology_id: apologyId }).orderBy('id');
    return rows.map((r: Record<string, unknown>) => ({
      apologyId,
      layer: r.layer as 'leader' | 'agency',
      outcome: String(r.outcome),
      message: (r.message as string | null) ?? null,
      transactionId: (r.transaction_id as string | null) ?? null,
      at: Number(r.at),
    }));
  }
}
