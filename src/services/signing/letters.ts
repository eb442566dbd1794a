import crypto from 'node:crypto';
import QRCode from 'qrcode';
import type { Agency } from '../../db/agencies';
import type { LetterReservation, LetterSigning, LetterSigningState, SigningRepository } from '../../db/signing';
import type { User, UserRepository } from '../../db/users';
import type { LocatedBox, PdfRenderer } from '../../documents/pdf';
import { AppError, ConflictError } from '../../errors';
import type { Logger } from '../../logger';
import {
  agencySignature,
  agencyTextRect,
  completeSignature,
  leaderSignature,
  MM,
  parseCertificate,
  parsePrepared,
  subjectMismatches,
  signedRevision,
  verifyPdfSignatures,
  prepareSignature,
  sealRect,
  serializePrepared,
  SigningError,
  type ExpectedSubject,
  type PrepareOptions,
  type Rect,
  type RemoteRequest,
} from '../../signing';
import type { Clock } from '../../clock';
import { nextOfficeOpening, waitingForOfficeInWords } from '../../domain/office-hours';
import type { CalendarService } from '../calendar';
import type { ResolvedSigner, SigningSettingsService } from './settings';

/** Where the leader's version of a letter leaves room for what issuance adds. */
export const LETTER_SIGNING_SELECTORS = ['.national-header .number', '.national-header .place-date', '.signer-space'];

/** Where a letter's layers and stamps go, measured on the leader's version. */
export interface LetterLayout {
  number: LocatedBox;
  date: LocatedBox;
  leader: LocatedBox;
}
type Layout = LetterLayout;

/**
 * How long a letter may wait for the step that follows at once — its approval preparing it and
 * asking the leader's signer, or its issuance once the leader signed — before the poller takes it
 * over (the process doing it stopped). Long enough that the poller does not race a live approval
 * (and hand back a letter whose PDF is still being made) or a live issuance (and ask a remote
 * agency signer twice).
 */
const ISSUE_GRACE_MS = 60_000;

/** Crockford's base 32 without I, L, O, U: read aloud and typed without confusion. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newVerificationCode(): string {
  const bytes = crypto.randomBytes(10);
  return Array.from(bytes, (b) => CODE_ALPHABET[b & 31]).join('');
}

/** "K7QX9M2PAB" → "K7QX-9M2P-AB"; the reverse accepts any case, spaces, dashes and O/I/L typed for 0/1/1. */
export function formatVerificationCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

export function normaliseVerificationCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]{10}$/.test(code) ? code : null;
}

/** What the letter prints as its verification mark (see LetterData.verification). */
export interface VerificationMark {
  code: string;
  url: string;
  qr: QrDrawing;
}

/** The mark printed on the letter: code, checking page, QR code of the page with the code. */
export async function verificationMark(publicBaseUrl: string, code: string): Promise<VerificationMark> {
  const url = `${publicBaseUrl}/xac-thuc?ma=${formatVerificationCode(code)}`;
  return { code: formatVerificationCode(code), url: `${publicBaseUrl}/xac-thuc`, qr: qrDrawing(url) };
}

/**
 * A QR code as one SVG path of filled rows of modules, drawn inline by the letter template.
 * As an <img> of an SVG data URL it cost Chromium a separate SVG document per letter; this is
 * the same vector drawing in the letter's own document. Issuing draws the mark a second time
 * for the same code, hence the few kept.
 */
export interface QrDrawing {
  size: number;
  path: string;
}
const drawn = new Map<string, QrDrawing>();
const MAX_DRAWN = 64;

function qrDrawing(text: string): QrDrawing {
  let qr = drawn.get(text);
  if (!qr) {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const n = modules.size;
    let path = '';
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; ) {
        if (!modules.get(y, x)) {
          x++;
          continue;
        }
        let run = 1;
        while (x + run < n && modules.get(y, x + run)) run++;
        path += `M${x} ${y}h${run}v1h-${run}z`;
        x += run;
      }
    }
    qr = { size: n, path };
    if (drawn.size >= MAX_DRAWN) drawn.delete(drawn.keys().next().value!);
    drawn.set(text, qr);
  }
  return qr;
}

export const SIGNING_STATE_LABELS: Record<LetterSigningState, string> = {
  'leader-waiting': 'Chờ ký số',
  'leader-signed': 'Lãnh đạo đã ký, chờ ban hành',
  'agency-waiting': 'Chờ chữ ký số của cơ quan',
  returned: 'Trả lại: chưa ký được',
  signed: 'Đã ký số 2 lớp',
  unsigned: 'Không ký số',
};

/** Which signature a letter not yet issued waits for: the leader's, or the agency's at issuance; null when it waits for none. */
export function signatureWaitingFor(state: LetterSigningState): 'leader' | 'agency' | null {
  if (state === 'leader-waiting') return 'leader';
  return state === 'leader-signed' || state === 'agency-waiting' ? 'agency' : null;
}

export interface LetterSigningDeps {
  repo: SigningRepository;
  settings: SigningSettingsService;
  users: UserRepository;
  pdf: PdfRenderer;
  clock: Clock;
  /** The signer's agency's working calendar: its office hours decide when a phone is asked. */
  calendars: Pick<CalendarService, 'forAgency'>;
  logger: Logger;
  publicBaseUrl: string;
  pollMs: number;
  trustDemoRoots: boolean;
  /** Production refuses to issue for an agency that has not chosen how it signs. */
  required: boolean;
}

export type LeaderOutcome = { state: 'leader-signed' } | { state: 'leader-waiting' } | { state: 'returned'; message: string };

/** What a remote request tells the signer on the phone; read only when a request is made (a certificate file signs at once). */
export type Description = () => Promise<string>;

/** The agency's layer as the remote service signed it: embedded, not yet issued. */
export interface AgencySigned {
  pdf: Buffer;
  transactionId: string;
}

/**
 * The two signatures of one letter (Nghị định 30/2020): the approving leader's on the letter
 * as approved (its number and date left blank), then the agency's at issuance, which writes the
 * number and date into those blanks in the same incremental update. A remote signature is a
 * request the leader confirms on the phone; its outcome arrives by polling or callback and is
 * recorded whatever it is. Nothing here sends anything to the citizen.
 */
export class LetterSigningService {
  constructor(private readonly deps: LetterSigningDeps) {}

  /** 'sign' when the agency signs; 'off' when it chose not to (or, outside production, never chose). */
  async policy(agency: Agency): Promise<{ sign: boolean; reason: string | null }> {
    const s = await this.deps.repo.settings({ kind: 'agency', id: agency.id });
    if (s && s.mode !== 'off') return { sign: true, reason: null };
    if (s) return { sign: false, reason: 'Cơ quan đã chọn không ký số' };
    if (this.deps.required) throw new SigningError('signer-not-configured', `Cơ quan ${agency.name} chưa cài đặt chữ ký số (tệp chứng thư số hoặc tài khoản ký số từ xa), cũng chưa chọn "không ký số": chưa ban hành được văn bản`);
    return { sign: false, reason: 'Cơ quan chưa cài đặt chữ ký số' };
  }

  /**
   * An agency whose own layer is signed remotely needs its own ID at the service (its
   * organisational certificate): without it the approval is refused before the leader is asked
   * to sign anything, naming what to do.
   */
  async checkAgencyLayer(agency: Agency): Promise<void> {
    const s = await this.deps.repo.settings({ kind: 'agency', id: agency.id });
    if (s?.mode === 'remote' && s.settings.simulator !== '1' && !s.settings.userId) throw new SigningError('signer-not-configured', agencyRemoteRefusal(agency.name));
  }

  /**
   * Whether the agency's layer is a request its certificate holder confirms later (a remote
   * account, not simulated): issuance then goes in two steps (reserve the number, then commit
   * on confirmation) instead of one transaction.
   */
  async agencySignsRemotely(agency: Agency): Promise<boolean> {
    const s = await this.deps.repo.settings({ kind: 'agency', id: agency.id });
    return s?.mode === 'remote' && s.settings.simulator !== '1';
  }

  /**
   * A cancelled letter's signing round ends: it is not checked again, and a late confirmation
   * (poll or callback) finds nothing waiting, so nothing is issued.
   */
  async endRound(apologyId: number, reason: string): Promise<void> {
    const l = await this.deps.repo.letter(apologyId);
    const waiting = l && signatureWaitingFor(l.state);
    if (!waiting) return;
    const now = this.deps.clock.now().getTime();
    const message = `Thư đã huỷ (${reason}): không ký tiếp`;
    const moved = await this.deps.repo.transition(apologyId, [l.state], { state: 'returned', message, nextCheckAt: null, updatedAt: now });
    if (moved) await this.event(apologyId, waiting, 'cancelled', message, null);
  }

  /**
   * A letter whose new date has come while it waited for a signature goes back to the leader with
   * `reason` (naming the date), keeping any number it reserved: no retry can issue it, and a
   * confirmation arriving later finds nothing waiting. True if it was waiting and is handed back.
   */
  async handBackDatePassed(apologyId: number, reason: string): Promise<boolean> {
    const l = await this.deps.repo.letter(apologyId);
    const waiting = l && signatureWaitingFor(l.state);
    if (!waiting) return false;
    const now = this.deps.clock.now().getTime();
    const moved = await this.deps.repo.transition(apologyId, [l.state], { state: 'returned', message: reason, nextCheckAt: null, updatedAt: now });
    if (moved) await this.event(apologyId, waiting, 'date-passed', reason, null);
    return moved;
  }

  /**
   * A remote request goes to a person's phone, to be confirmed within minutes (SmartCA: five):
   * sent while the signer's office is closed it expires unanswered and the letter goes back.
   * While closed, the letter (in `state`) is checked again at the next opening, saying so, and
   * this answers true; the caller sends nothing. Open: false.
   */
  async waitsForOffice(apologyId: number, agency: Agency, state: 'leader-waiting' | 'leader-signed'): Promise<boolean> {
    const now = this.deps.clock.now();
    const opening = nextOfficeOpening(await this.deps.calendars.forAgency(agency), now);
    if (opening.getTime() === now.getTime()) return false;
    const l = await this.deps.repo.letter(apologyId);
    await this.deps.repo.transition(apologyId, [state], {
      message: waitingForOfficeInWords(opening),
      nextCheckAt: Math.max(l?.nextCheckAt ?? 0, opening.getTime()),
      updatedAt: now.getTime(),
    });
    return true;
  }

  /** Records the number and date the letter took from the register (see docs/signing.md, "Số văn bản"). */
  async reserve(apologyId: number, reservation: LetterReservation): Promise<void> {
    if (!(await this.deps.repo.reserve(apologyId, reservation))) throw new ConflictError('signature-pending', 'Thư không còn chờ ban hành: không giữ được số');
  }

  async clearReservation(apologyId: number): Promise<void> {
    await this.deps.repo.clearReservation(apologyId);
  }

  /**
   * Asks the agency's remote signer to sign the letter with its number and date stamped in. A
   * fault is recorded and retried by the poller (the letter stays signed by the leader, its
   * number kept); nothing here throws, so the leader's approval stands.
   */
  async requestAgency(apologyId: number, agency: Agency, issued: { numberLine: string; placeDateLine: string }, description: string): Promise<void> {
    const now = this.deps.clock.now();
    try {
      const { layout, leaderPdf } = await this.leaderSignedLetter(apologyId);
      const { signer, seal } = await this.deps.settings.agencySignerAndSeal(agency);
      if (signer.kind !== 'remote') throw new SigningError('signer-not-configured', `Cơ quan ${agency.name} không còn ký số từ xa: thư sẽ được ký lại`);
      const chain = await signer.signer.certificateChain();
      checkRemoteCertificate(chain, { organization: agency.name }, now);
      const prepared = await prepareSignature(leaderPdf, { ...agencyLayer(layout, { agency, seal, now, issued }), certificateChain: chain });
      const request = await signer.signer.requestSignature({ digest: prepared.digest, signedAttributes: prepared.signedAttributes, documentId: `henlai-${apologyId}-co-quan`, description });
      const moved = await this.deps.repo.transition(apologyId, ['leader-signed'], {
        state: 'agency-waiting',
        request: JSON.stringify(request),
        prepared: serializePrepared(prepared),
        message: null,
        attempts: 0,
        nextCheckAt: now.getTime() + this.deps.pollMs,
        updatedAt: now.getTime(),
      });
      if (moved) await this.event(apologyId, 'agency', 'requested', `Đã gửi yêu cầu ký số của cơ quan (${issued.numberLine}), chờ xác nhận`, request.transactionId);
    } catch (err) {
      await this.agencyFailed(apologyId, err);
    }
  }

  /**
   * Asks the service about the agency's request: the signed letter once confirmed (embedded,
   * for the caller to issue); a refusal or expiry hands the draft back to the leader with the
   * reason, keeping the reserved number; a service down is asked again later.
   */
  async checkAgency(apologyId: number, agency: Agency): Promise<AgencySigned | null> {
    const l = await this.deps.repo.letter(apologyId);
    if (!l || l.state !== 'agency-waiting' || !l.request || !l.prepared) return null;
    const now = this.deps.clock.now().getTime();
    const request = JSON.parse(l.request) as RemoteRequest;
    let outcome;
    try {
      const signer = await this.deps.settings.agencySigner(agency);
      if (signer.kind !== 'remote') throw new SigningError('signer-not-configured', `Cơ quan ${agency.name} không còn ký số từ xa: hãy phê duyệt lại`);
      outcome = await signer.signer.checkRequest(request);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) {
        await this.agencyFailed(apologyId, err);
        return null;
      }
      await this.handBack(apologyId, 'agency-waiting', 'agency', 'failed', err.message, request.transactionId);
      return null;
    }
    if (outcome.status === 'pending') {
      await this.deps.repo.transition(apologyId, ['agency-waiting'], { nextCheckAt: now + this.deps.pollMs, updatedAt: now });
      return null;
    }
    if (outcome.status === 'signed') return { pdf: completeSignature(parsePrepared(l.prepared), outcome.signature), transactionId: request.transactionId };
    const label = outcome.status === 'refused' ? `Người giữ chứng thư số của cơ quan ${agency.name} từ chối ký` : `Yêu cầu ký số của cơ quan ${agency.name} hết hạn, chưa được xác nhận`;
    const number = l.reservation ? ` (thư giữ số ${l.reservation.number}; phê duyệt lại để ký lại với số này)` : '';
    await this.handBack(apologyId, 'agency-waiting', 'agency', outcome.status, `${label}${outcome.message ? `: ${outcome.message}` : ''}${number}`, request.transactionId);
    return null;
  }

  /** Inside the issuing transaction: the agency's confirmed signature is the letter's; a second poller finds it done and rolls back. */
  async agencyConfirmed(apologyId: number, agency: Agency, signed: AgencySigned): Promise<Buffer> {
    const now = this.deps.clock.now().getTime();
    const pdfSha256 = crypto.createHash('sha256').update(signed.pdf).digest('hex');
    const moved = await this.deps.repo.transition(apologyId, ['agency-waiting'], { state: 'signed', agencySignedAt: now, pdfSha256, message: null, nextCheckAt: null, prepared: null, updatedAt: now });
    if (!moved) throw new ConflictError('signature-settled', 'Chữ ký của cơ quan đã được ghi nhận');
    await this.event(apologyId, 'agency', 'confirmed', `Cơ quan ${agency.name} đã ký số khi ban hành`, signed.transactionId);
    return signed.pdf;
  }

  private async handBack(apologyId: number, from: LetterSigningState, layer: 'leader' | 'agency', outcome: string, message: string, transactionId: string | null): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const moved = await this.deps.repo.transition(apologyId, [from], { state: 'returned', message, nextCheckAt: null, updatedAt: now });
    if (moved) await this.event(apologyId, layer, outcome, message, transactionId);
  }

  private async leaderSignedLetter(apologyId: number): Promise<{ layout: Layout; leaderPdf: Buffer }> {
    const read = await this.deps.repo.letterWithLeaderPdf(apologyId);
    const l = read?.letter;
    const leaderPdf = read?.leaderPdf;
    if (!l || l.state !== 'leader-signed' || !leaderPdf || !l.stamps) {
      throw new ConflictError('signature-pending', 'Thư chưa có chữ ký số của lãnh đạo: chưa ban hành được');
    }
    return { layout: JSON.parse(l.stamps) as Layout, leaderPdf };
  }

  async state(apologyId: number): Promise<LetterSigning | null> {
    return this.deps.repo.letter(apologyId);
  }

  async states(apologyIds: number[]): Promise<Map<number, LetterSigning>> {
    return this.deps.repo.letters(apologyIds);
  }

  async events(apologyId: number) {
    return this.deps.repo.events(apologyId);
  }

  /** The mark printed on the letter: code, checking page, QR code of the page with the code. */
  async verificationMark(code: string): Promise<VerificationMark> {
    return verificationMark(this.deps.publicBaseUrl, code);
  }

  /** Opens a signing round for an approved draft (inside the approval's transaction). */
  async open(apologyId: number, approver: { userId: number | null; name: string }, previous: LetterSigning | null): Promise<string> {
    if (previous && ['leader-waiting', 'leader-signed', 'agency-waiting'].includes(previous.state)) {
      throw new ConflictError('signature-pending', 'Thư đang chờ chữ ký số của lãnh đạo: không phê duyệt lại được');
    }
    const now = this.deps.clock.now().getTime();
    const code = previous?.verificationCode ?? newVerificationCode();
    await this.deps.repo.start({
      apologyId,
      verificationCode: code,
      state: 'leader-waiting',
      leaderSigner: 'agency',
      approverUserId: approver.userId,
      approvedBy: approver.name,
      approvedAt: now,
      request: null,
      prepared: null,
      stamps: null,
      message: null,
      // The approval prepares the letter and asks the signer next; the poller only if it stops.
      nextCheckAt: now + Math.max(this.deps.pollMs, ISSUE_GRACE_MS),
      updatedAt: now,
    });
    return code;
  }

  /** Records that a letter was issued without signatures, and why (shown on staff pages and reports). */
  async markUnsigned(apologyId: number, approvedBy: string, reason: string): Promise<void> {
    const now = this.deps.clock.now().getTime();
    await this.deps.repo.start({
      apologyId, verificationCode: newVerificationCode(), state: 'unsigned', leaderSigner: 'agency', approverUserId: null, approvedBy,
      approvedAt: now, request: null, prepared: null, stamps: null, message: reason, nextCheckAt: null, updatedAt: now,
    });
  }

  /**
   * The leader's signature on the letter as approved (`html`: number and date blank, the
   * verification mark printed). A certificate file signs at once; a remote signer is asked and
   * the letter waits. A fault that retrying may cure (the provider down) keeps it waiting; any
   * other refusal returns the draft to the leader with the reason.
   */
  async signLeader(apologyId: number, html: string, agency: Agency, description: Description): Promise<LeaderOutcome> {
    const now = this.deps.clock.now();
    const leader = await this.approverOf(apologyId);
    let unsigned: Buffer;
    let layout: Layout;
    try {
      ({ pdf: unsigned, layout } = await this.renderForSigning(html));
    } catch (err) {
      // Nothing to retry from: the leader approves again once the letter renders.
      const cause = err instanceof AppError ? err.message : 'bản PDF của thư không tạo được';
      return this.retryLater(apologyId, 'leader', new AppError(422, 'letter-pdf-failed', `Chưa tạo được bản thư để ký: ${cause}`));
    }
    await this.deps.repo.transition(apologyId, ['leader-waiting'], { stamps: JSON.stringify(layout), updatedAt: now.getTime() }, unsigned);
    return this.requestLeader(apologyId, unsigned, layout, agency, leader, description);
  }

  private async requestLeader(apologyId: number, unsigned: Buffer, layout: Layout, agency: Agency, leader: User | null, description: Description): Promise<LeaderOutcome> {
    const now = this.deps.clock.now();
    try {
      const signer = await this.deps.settings.leaderSigner(agency, leader);
      if (signer.kind === 'off') throw new SigningError('signer-not-configured', `Cơ quan ${agency.name} không ký số`);
      if (signer.kind === 'external') {
        await this.deps.repo.transition(apologyId, ['leader-waiting'], { leaderSigner: 'external', message: null, nextCheckAt: null, updatedAt: now.getTime() });
        await this.event(apologyId, 'leader', 'requested', 'Chờ hệ thống quản lý văn bản gửi lại bản thư đã ký số', null);
        return { state: 'leader-waiting' };
      }
      if (signer.kind === 'remote' && (await this.waitsForOffice(apologyId, agency, 'leader-waiting'))) return { state: 'leader-waiting' };
      const image = signer.layerOwner === 'leader' && leader ? await this.deps.settings.image({ kind: 'user', id: leader.id }) : null;
      const chain = await signer.signer.certificateChain();
      if (signer.kind === 'remote') checkRemoteCertificate(chain, signer.layerOwner === 'leader' && leader ? { commonName: leader.fullName } : { organization: agency.name }, now);
      const prepared = await prepareSignature(unsigned, { ...leaderLayer(layout, { name: signer.signerName, agency, image, now }), certificateChain: chain });
      const leaderSigner = signer.kind === 'immediate' ? 'certificate' : 'remote';
      if (signer.kind === 'immediate') {
        const signed = completeSignature(prepared, await signer.signer.signDigest(prepared));
        await this.leaderSigned(apologyId, signed, null, { leaderSigner });
        return { state: 'leader-signed' };
      }
      const request = await signer.signer.requestSignature({ digest: prepared.digest, signedAttributes: prepared.signedAttributes, documentId: `henlai-${apologyId}`, description: await description() });
      await this.deps.repo.transition(apologyId, ['leader-waiting'], {
        leaderSigner,
        request: JSON.stringify(request),
        prepared: serializePrepared(prepared),
        message: null,
        nextCheckAt: now.getTime() + this.deps.pollMs,
        updatedAt: now.getTime(),
      });
      await this.event(apologyId, 'leader', 'requested', 'Đã gửi yêu cầu ký số, chờ lãnh đạo xác nhận trên điện thoại', request.transactionId);
      return { state: 'leader-waiting' };
    } catch (err) {
      return this.retryLater(apologyId, 'leader', err);
    }
  }

  /**
   * What a fault means: the service unavailable (503) is retried at the next check; anything
   * else (expired certificate, wrong password, a leader no longer of the agency…) returns the
   * draft to the leader with the reason.
   */
  private async retryLater(apologyId: number, layer: 'leader' | 'agency', err: unknown): Promise<LeaderOutcome> {
    const now = this.deps.clock.now().getTime();
    const message = err instanceof AppError ? err.message : 'Lỗi không xác định khi ký số';
    if (!(err instanceof AppError)) this.deps.logger.error({ err, apology: apologyId }, 'signing failed');
    const retry = !(err instanceof AppError) || err.status >= 500;
    const current = await this.deps.repo.letter(apologyId);
    if (retry) {
      const attempts = (current?.attempts ?? 0) + 1;
      await this.deps.repo.transition(apologyId, ['leader-waiting'], { message: `${message} — sẽ thử lại`, attempts, nextCheckAt: now + Math.min(this.deps.pollMs * 2 ** attempts, 15 * 60_000), updatedAt: now });
      await this.event(apologyId, layer, 'unavailable', message, null);
      return { state: 'leader-waiting' };
    }
    await this.deps.repo.transition(apologyId, ['leader-waiting'], { state: 'returned', message, nextCheckAt: null, updatedAt: now });
    await this.event(apologyId, layer, 'failed', message, null);
    return { state: 'returned', message };
  }

  /** `also`: what else the same update records (which signer signed), instead of a second update. */
  private async leaderSigned(apologyId: number, signed: Buffer, transactionId: string | null, also: Pick<LetterSigning, 'leaderSigner'> | Record<string, never> = {}): Promise<boolean> {
    const now = this.deps.clock.now().getTime();
    // Issuance follows at once; the next check is for a process that stops before it does.
    const nextCheckAt = now + Math.max(this.deps.pollMs, ISSUE_GRACE_MS);
    const moved = await this.deps.repo.transition(apologyId, ['leader-waiting'], { ...also, state: 'leader-signed', leaderSignedAt: now, message: null, nextCheckAt, prepared: null, updatedAt: now }, signed);
    if (moved) await this.event(apologyId, 'leader', 'confirmed', 'Lãnh đạo đã ký số', transactionId);
    return moved;
  }

  /**
   * Asks the provider about a waiting letter (the poller, a callback, or a page). Settles it at
   * most once: of two pollers learning the same outcome, one records it.
   */
  async check(apologyId: number, agency: Agency, description: Description): Promise<LeaderOutcome | null> {
    const l = await this.deps.repo.letter(apologyId);
    if (!l || l.state !== 'leader-waiting') return l ? this.outcomeOf(l) : null;
    const leader = await this.approverOf(apologyId);
    const now = this.deps.clock.now().getTime();
    if (!l.request || !l.prepared) {
      // The request never reached the provider (it was down): ask again with the stored letter.
      const unsigned = await this.deps.repo.leaderPdf(apologyId);
      if (!unsigned || !l.stamps) return this.retryLater(apologyId, 'leader', new AppError(422, 'letter-pdf-failed', 'Bản thư để ký bị thiếu: hãy phê duyệt lại'));
      return this.requestLeader(apologyId, unsigned, JSON.parse(l.stamps) as Layout, agency, leader, description);
    }
    const request = JSON.parse(l.request) as RemoteRequest;
    let outcome;
    try {
      const signer = await this.deps.settings.leaderSigner(agency, leader);
      if (signer.kind !== 'remote') throw new SigningError('signer-not-configured', 'Người ký không còn dùng ký số từ xa: hãy phê duyệt lại');
      outcome = await signer.signer.checkRequest(request);
    } catch (err) {
      const retry = !(err instanceof AppError) || err.status >= 500;
      if (retry) {
        await this.deps.repo.transition(apologyId, ['leader-waiting'], { attempts: l.attempts + 1, message: `${err instanceof AppError ? err.message : 'Lỗi khi hỏi dịch vụ ký số'} — sẽ hỏi lại`, nextCheckAt: now + Math.min(this.deps.pollMs * 2 ** (l.attempts + 1), 15 * 60_000), updatedAt: now });
        return { state: 'leader-waiting' };
      }
      return this.retryLater(apologyId, 'leader', err);
    }
    if (outcome.status === 'pending') {
      await this.deps.repo.transition(apologyId, ['leader-waiting'], { nextCheckAt: now + this.deps.pollMs, updatedAt: now });
      return { state: 'leader-waiting' };
    }
    if (outcome.status === 'signed') {
      const signed = completeSignature(parsePrepared(l.prepared), outcome.signature);
      await this.leaderSigned(apologyId, signed, request.transactionId);
      return { state: 'leader-signed' };
    }
    const label = outcome.status === 'refused' ? 'Lãnh đạo từ chối ký' : 'Yêu cầu ký số hết hạn, lãnh đạo chưa xác nhận';
    const message = `${label}${outcome.message ? `: ${outcome.message}` : ''}`;
    await this.handBack(apologyId, 'leader-waiting', 'leader', outcome.status, message, request.transactionId);
    return { state: 'returned', message };
  }

  /** The approving leader's account (null: approved by the system or an API token). */
  private async approverOf(apologyId: number): Promise<User | null> {
    const id = (await this.deps.repo.letter(apologyId))?.approverUserId ?? null;
    return id === null ? null : this.deps.users.byId(id);
  }

  private outcomeOf(l: LetterSigning): LeaderOutcome {
    if (l.state === 'returned') return { state: 'returned', message: l.message ?? '' };
    if (l.state === 'leader-waiting') return { state: 'leader-waiting' };
    return { state: 'leader-signed' };
  }

  /**
   * A callback from the agency's remote-signing service. A forged one (wrong signature when a
   * secret is set) is refused with 401 and changes nothing; any accepted one is a wake-up: the
   * outcome is read from the provider (and a signature value is embedded only if it verifies).
   */
  async callback(agencyId: number, rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<number | null> {
    const service = await this.deps.settings.agencyRemoteService(agencyId);
    const parsed = service.parseCallback(rawBody, headers);
    return this.deps.repo.byTransaction(parsed.transactionId);
  }

  async due(limit: number): Promise<number[]> {
    return this.deps.repo.due(this.deps.clock.now().getTime(), limit);
  }

  /**
   * The agency's signature at issuance (inside the issuing transaction): the number and date
   * written into their blanks, the seal over the left third of the leader's signature (or the
   * agency's text top right), signed with the agency's certificate. Throws, and the issue rolls
   * back, when it cannot be made.
   */
  async sealAtIssue(apologyId: number, agency: Agency, issued: { numberLine: string; placeDateLine: string }): Promise<Buffer> {
    const { layout, leaderPdf } = await this.leaderSignedLetter(apologyId);
    const now = this.deps.clock.now();
    const { signer, seal }: { signer: ResolvedSigner; seal: Buffer | null } = await this.deps.settings.agencySignerAndSeal(agency);
    if (signer.kind !== 'immediate') throw new SigningError('signer-not-configured', `Chữ ký số của cơ quan ${agency.name} không ký được ngay khi ban hành`);
    const prepared = await prepareSignature(leaderPdf, { ...agencyLayer(layout, { agency, seal, now, issued }), certificateChain: await signer.signer.certificateChain() });
    const signed = completeSignature(prepared, await signer.signer.signDigest(prepared));
    const pdfSha256 = crypto.createHash('sha256').update(signed).digest('hex');
    await this.deps.repo.transition(apologyId, ['leader-signed'], { state: 'signed', agencySignedAt: now.getTime(), pdfSha256, message: null, nextCheckAt: null, updatedAt: now.getTime() });
    await this.event(apologyId, 'agency', 'signed', `Cơ quan ${agency.name} đã ký số khi ban hành`, null);
    return signed;
  }

  /** The letter as approved, unsigned, for a document-management system to sign (external signer). */
  async letterToSign(apologyId: number): Promise<Buffer> {
    const l = await this.deps.repo.letter(apologyId);
    const pdf = await this.deps.repo.leaderPdf(apologyId);
    if (!l || l.state !== 'leader-waiting' || l.leaderSigner !== 'external' || !pdf) {
      throw new ConflictError('not-waiting-external', 'Thư không chờ chữ ký từ hệ thống quản lý văn bản');
    }
    return pdf;
  }

  /**
   * The PDF a document-management system signed (external signer). Accepted only if every
   * signature verifies (chain to a trusted root), the last covers the whole file, there is one
   * signature and it is the approving leader's (or the agency's), and what it signed is the
   * letter we drafted byte for byte plus its own update; otherwise 422 naming what failed, and
   * nothing changes.
   */
  async acceptExternal(apologyId: number, signed: Buffer, agency: Agency): Promise<void> {
    const unsigned = await this.letterToSign(apologyId);
    const leader = await this.approverOf(apologyId);
    const fail = (what: string) => new AppError(422, 'signed-pdf-refused', `Bản đã ký không được nhận: ${what}`, [{ field: 'pdf', message: what }]);
    let result;
    try {
      result = await verifyPdfSignatures(signed, { trustedRoots: await this.deps.settings.trustedRoots(this.deps.trustDemoRoots) });
    } catch {
      throw fail('tệp không phải PDF đọc được');
    }
    if (result.signatures.length !== 1) throw fail(`cần đúng một chữ ký (của lãnh đạo), tệp có ${result.signatures.length}`);
    const sig = result.signatures[0];
    if (!sig.valid) throw fail(`chữ ký không hợp lệ (${sig.problems.map((p) => p.message).join('; ')})`);
    if (!result.lastCoversWholeFile) throw fail('có nội dung được thêm sau chữ ký');
    const expected = leader ? { commonName: leader.fullName } : { organization: agency.name };
    const mismatch = sig.certificate ? subjectMismatches(sig.certificate, expected) : [{ expected: '?', actual: '?' }];
    if (mismatch.length) throw fail(`chứng thư số không thuộc ${leader ? `lãnh đạo ${leader.fullName}` : agency.name}`);
    const revision = signedRevision(signed, sig);
    if (revision.length < unsigned.length || !revision.subarray(0, unsigned.length).equals(unsigned)) throw fail('nội dung không phải bản thư đã soạn (tệp gốc bị thay đổi)');
    const moved = await this.leaderSigned(apologyId, signed, null);
    if (!moved) throw new ConflictError('not-waiting-external', 'Thư không còn chờ chữ ký');
  }

  /**
   * Records why the agency layer could not be made or committed (outside the rolled-back issue):
   * retried by the poller (a renewed certificate, a fixed password, the service back), visibly
   * meanwhile; a letter whose agency request is out keeps waiting for its outcome.
   */
  async agencyFailed(apologyId: number, err: unknown): Promise<void> {
    const message = err instanceof AppError ? err.message : 'Lỗi không xác định khi ký số của cơ quan';
    if (!(err instanceof AppError)) this.deps.logger.error({ err, apology: apologyId }, 'agency signing failed');
    const l = await this.deps.repo.letter(apologyId);
    const attempts = (l?.attempts ?? 0) + 1;
    const now = this.deps.clock.now().getTime();
    const moved = await this.deps.repo.transition(apologyId, ['leader-signed', 'agency-waiting'], { message: `${message} — sẽ thử lại`, attempts, nextCheckAt: now + Math.min(this.deps.pollMs * 2 ** attempts, 60 * 60_000), updatedAt: now });
    if (moved) await this.event(apologyId, 'agency', err instanceof AppError && err.status >= 500 ? 'unavailable' : 'failed', message, null);
  }

  private async renderForSigning(html: string): Promise<{ pdf: Buffer; layout: Layout }> {
    if (!this.deps.pdf.renderLocated) throw new AppError(500, 'pdf-locate-missing', 'Bộ tạo PDF không cho biết vị trí khối chữ ký');
    const { pdf, boxes } = await this.deps.pdf.renderLocated(html, LETTER_SIGNING_SELECTORS);
    const [number, date, leader] = boxes;
    if (!number || !date || !leader) {
      throw new SigningError('pdf-rect-invalid', 'Mẫu thư không có chỗ cho số, ngày hoặc chữ ký (các lớp .number, .place-date, .signer-space của mẫu chuẩn)');
    }
    return { pdf, layout: { number, date, leader } };
  }

  private async event(apologyId: number, layer: 'leader' | 'agency', outcome: string, message: string | null, transactionId: string | null): Promise<void> {
    await this.deps.repo.recordEvent({ apologyId, layer, outcome, message: message?.slice(0, 500) ?? null, transactionId, at: this.deps.clock.now().getTime() });
  }
}

function agencyRemoteRefusal(agencyName: string): string {
  return `Chữ ký số của cơ quan ${agencyName} đang đặt là ký số từ xa, nhưng chưa có mã định danh của cơ quan tại dịch vụ ký số (chứng thư số tổ chức): nhập mã đó trong tài khoản ký số từ xa, hoặc cài tệp chứng thư số (.p12) của cơ quan tại Quản trị → Chữ ký số. Thư chưa được phê duyệt, chưa gửi gì.`;
}

/** The leader's layer on the letter as approved: the signature (image or text) in the signature block's blank. */
export function leaderLayer(layout: LetterLayout, l: { name: string; agency: Pick<Agency, 'name' | 'placeName'>; image: Buffer | null; now: Date }): Omit<PrepareOptions, 'certificateChain'> {
  return {
    ...leaderSignature({ page: layout.leader.page, rect: leaderRect(layout.leader.rect), name: l.name, agencyName: l.agency.name, signatureImage: l.image, signingTime: l.now, location: l.agency.placeName }),
    signingTime: l.now,
  };
}

/**
 * The agency's layer at issuance: the seal over the left third of the leader's signature (or the
 * agency's text top right), and the number and date written into their blanks.
 */
export function agencyLayer(
  layout: LetterLayout,
  a: { agency: Pick<Agency, 'name' | 'placeName'>; seal: Buffer | null; now: Date; issued: { numberLine: string; placeDateLine: string } },
): Omit<PrepareOptions, 'certificateChain'> {
  const { agency, seal, now, issued } = a;
  const field = seal
    ? agencySignature({ page: layout.leader.page, rect: sealRect(leaderRect(layout.leader.rect), 36), agencyName: agency.name, sealImage: seal, signingTime: now, location: agency.placeName })
    : agencySignature({ page: 0, rect: agencyTextRect(595.28, 841.89), agencyName: agency.name, signingTime: now, location: agency.placeName });
  return {
    ...field,
    signingTime: now,
    stamps: [
      { page: layout.number.page, rect: layout.number.rect, text: issued.numberLine, fontSize: 13 },
      { page: layout.date.page, rect: layout.date.rect, text: issued.placeDateLine, fontSize: 14, italic: true },
    ],
  };
}

/** The signature image's place: the blank of the signature block, at most 60 mm wide, centred. */
function leaderRect(space: Rect): Rect {
  const [x1, y1, x2, y2] = space;
  const width = Math.min(x2 - x1, 60 * MM);
  const cx = (x1 + x2) / 2;
  return [cx - width / 2, y1, cx + width / 2, y2];
}

/**
 * A remote service's certificate is checked as a certificate file is: valid now, and the
 * leader's (or the agency's) own — a service answering with someone else's is refused.
 */
function checkRemoteCertificate(chain: Buffer[], expected: ExpectedSubject, now: Date): void {
  if (!chain[0]) throw new SigningError('remote-no-certificate', 'Dịch vụ ký số không trả về chứng thư số của người ký');
  const cert = parseCertificate(chain[0]);
  if (now > cert.notAfter) throw new SigningError('certificate-expired', `Chứng thư số của người ký tại dịch vụ ký số đã hết hạn ngày ${cert.notAfter.toISOString().slice(0, 10)}`);
  if (now < cert.notBefore) throw new SigningError('certificate-not-yet-valid', `Chứng thư số của người ký tại dịch vụ ký số chưa có hiệu lực (từ ${cert.notBefore.toISOString().slice(0, 10)})`);
  const problems = subjectMismatches(cert, expected);
  if (problems.length) {
    throw new SigningError('certificate-subject-mismatch', `Chứng thư số tại dịch vụ ký số không thuộc người ký: ${problems.map((p) => `"${p.actual}" thay vì "${p.expected}"`).join('; ')}`);
  }
}
