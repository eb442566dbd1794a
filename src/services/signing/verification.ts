import crypto from 'node:crypto';
import type { AgencyRepository } from '../../db/agencies';
import type { ApologyRepository } from '../../db/apologies';
import type { LetterSigning, SigningRepository } from '../../db/signing';
import { verifyPdfSignatures, type VerificationResult } from '../../signing';
import type { SigningSettingsService } from './settings';
import { formatVerificationCode, normaliseVerificationCode } from './letters';

/** What anyone holding the code or the file learns: the letter as issued, never the citizen. */
export interface LetterCheck {
  /** `issued`: the code or file is a letter we issued; `unknown`: no such letter; `unsigned`: issued without signatures. */
  found: 'issued' | 'unsigned' | 'unknown';
  /** For an uploaded file: whether it is byte for byte the letter as issued. */
  sameFile: boolean | null;
  code: string | null;
  letterNumber: string | null;
  issuedAt: number | null;
  agencyName: string | null;
  signatures: Array<{ role: string; signer: string; organization: string | null; signingTime: number | null; valid: boolean; problems: string[] }>;
  valid: boolean;
  problems: string[];
}

export interface VerificationDeps {
  repo: SigningRepository;
  apologies: ApologyRepository;
  agencies: AgencyRepository;
  settings: SigningSettingsService;
  trustDemoRoots: boolean;
}

const ROLE: Record<string, string> = { ChuKyLanhDao: 'Lãnh đạo phê duyệt', ChuKyCoQuan: 'Cơ quan ban hành' };

export class VerificationService {
  constructor(private readonly deps: VerificationDeps) {}

  /** By the code printed on the letter: the stored letter's facts and its signatures checked now. */
  async byCode(input: string): Promise<LetterCheck | null> {
    const code = normaliseVerificationCode(input);
    if (!code) return null;
    const l = await this.deps.repo.letterByCode(code);
    if (!l) return unknown(null);
    const pdf = await this.deps.apologies.pdf(l.apologyId);
    return this.describe(l, pdf, null);
  }

  /** An uploaded file: its signatures checked, and whether it is a letter we issued. */
  async byFile(pdf: Buffer): Promise<LetterCheck> {
    const l = await this.deps.repo.letterBySha256(crypto.createHash('sha256').update(pdf).digest('hex'));
    if (l) return this.describe(l, pdf, true);
    const result = await this.verify(pdf);
    return { ...unknown(false), signatures: signaturesOf(result), valid: false, problems: problemsOf(result) };
  }

  private async describe(l: LetterSigning, pdf: Buffer | null, sameFile: boolean | null): Promise<LetterCheck> {
    const a = await this.deps.apologies.byId(l.apologyId);
    if (!a || a.status !== 'issued') return unknown(sameFile);
    const agency = await this.deps.agencies.byId(a.issuingAgencyId);
    const base = { code: formatVerificationCode(l.verificationCode), letterNumber: a.letterNumber, issuedAt: a.issuedAt, agencyName: agency?.name ?? null, sameFile };
    if (l.state !== 'signed' || !pdf) return { ...base, found: 'unsigned', signatures: [], valid: false, problems: [l.message ?? 'Văn bản được ban hành không có chữ ký số'] };
    const result = await this.verify(pdf);
    const complete = result.signatures.length === 2 && result.valid;
    return { ...base, found: 'issued', signatures: signaturesOf(result), valid: complete, problems: problemsOf(result) };
  }

  private async verify(pdf: Buffer): Promise<VerificationResult> {
    return verifyPdfSignatures(pdf, { trustedRoots: await this.deps.settings.trustedRoots(this.deps.trustDemoRoots) });
  }
}

function unknown(sameFile: boolean | null): LetterCheck {
  return { found: 'unknown', sameFile, code: null, letterNumber: null, issuedAt: null, agencyName: null, signatures: [], valid: false, problems: [] };
}

function signaturesOf(r: VerificationResult): LetterCheck['signatures'] {
  return r.signatures.map((s) => ({
    role: (s.fieldName && ROLE[s.fieldName]) || (s.fieldName ?? 'chữ ký'),
    signer: s.signer?.commonName ?? 'không rõ',
    organization: s.signer?.organization ?? null,
    signingTime: s.signingTime ? s.signingTime.getTime() : null,
    valid: s.valid,
    problems: s.problems.map((p) => p.message),
  }));
}

function problemsOf(r: VerificationResult): string[] {
  return r.problems.map((p) => p.message);
}
