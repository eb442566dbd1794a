import crypto from 'node:crypto';
import type { Db } from '../db/connection';
import type { Agency, AgencyRepository } from '../db/agencies';
import type { Apology, ApologyRepository, CitizenDossier } from '../db/apologies';
import type { DossierRepository } from '../db/dossiers';
import type { Procedure, ProcedureRepository } from '../db/procedures';
import { addressesPerson } from '../domain/apology';
import { STATE_LABELS, typedDossierCode, type DossierState } from '../domain/dossier';
import type { ApologyFiles } from './apologies';
import type { CalendarService } from './calendar';
import type { SigningRepository } from '../db/signing';
import { formatVerificationCode } from './signing/letters';
import { letterContent } from '../documents/reading';
import { localDayOf } from '../domain/time';
import { officeHoursText } from '../domain/vn-format';
import type { Clock } from '../clock';

/** What the citizen's page shows: the apology, the two dates and where to collect the result. */
export interface CitizenNotice {
  apology: Apology;
  dossierCode: string;
  procedureName: string;
  /** The agency that apologises (it decides the dossier and signed the letter). */
  issuingAgency: Agency;
  /** Where the result is collected. */
  receivingAgency: Agency;
  /** The page speaks to a person ("ông/bà") or to an organisation. */
  addressesPerson: boolean;
  /** The place of return's office hours on the new date, "07:30–11:30, 13:30–17:00". */
  returnHours: string;
  /** The signed letter's verification code ("K7QX-9M2P-AB"), checked at /xac-thuc; null when not signed. */
  verificationCode: string | null;
  /** The letter's content as issued, without its page styles, for a reading view that reflows on a phone. */
  letterBody: string | null;
}

/** The public look-up's answer: the state and dates, nothing that names or reaches a person. */
export interface LookupResult {
  code: string;
  state: DossierState;
  stateLabel: string;
  receivedAt: number;
  /** The appointment given at receipt. */
  originalDueAt: number | null;
  /** The appointment in force when it was moved by an apology; null when never re-appointed. */
  newDueAt: number | null;
  resolvedAt: number | null;
}

// Stand-ins of the same length, so that a missing phone and malformed input still go through
// the same constant-time comparison; they never equal each other or four digits.
const NO_PHONE = 'xxxx';
const NOT_DIGITS = 'yyyy';

export interface CitizenServiceDeps {
  db: Db;
  apologies: ApologyRepository;
  dossiers: DossierRepository;
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  files: ApologyFiles;
  calendars: CalendarService;
  signing: SigningRepository;
  clock: Clock;
  /** How long a closed dossier's link still leads to its letter. */
  linkRetentionMs: number;
}

/**
 * The citizen's side, without an account: the page behind the notice's link (unguessable token,
 * gone once the dossier has been closed for the retention period), the acknowledgement, and the
 * public look-up by dossier code and the phone's last four digits.
 */
export class CitizenService {
  constructor(private readonly deps: CitizenServiceDeps) {}

  /** The issued apology behind a token with its dossier, or null: unknown, not issued, or expired alike. */
  private async reachable(token: string): Promise<{ apology: Apology; dossier: CitizenDossier } | null> {
    const found = await this.deps.apologies.withDossierByCitizenToken(token);
    if (!found || found.apology.status !== 'issued') return null;
    const { closedAt } = found.dossier;
    if (closedAt !== null && this.deps.clock.now().getTime() >= closedAt + this.deps.linkRetentionMs) return null;
    return found;
  }

  async notice(token: string): Promise<CitizenNotice | null> {
    const found = await this.reachable(token);
    if (!found) return null;
    const { apology, dossier } = found;
    const [procedure, issuing, receiving, signing, html] = await Promise.all([
      this.deps.procedures.byId(dossier.procedureId),
      this.deps.agencies.byId(apology.issuingAgencyId),
      this.deps.agencies.byId(dossier.receivingAgencyId),
      this.deps.signing.letter(apology.id),
      this.deps.apologies.html(apology.id),
    ]);
    const calendar = await this.deps.calendars.forAgency(receiving);
    return {
      apology,
      dossierCode: dossier.code,
      procedureName: (procedure as Procedure).name,
      issuingAgency: issuing as Agency,
      receivingAgency: receiving as Agency,
      addressesPerson: addressesPerson(dossier.applicantKind, apology.toRepresentative),
      returnHours: officeHoursText(calendar.officeHours(localDayOf(new Date(apology.newDueAt)))),
      verificationCode: signing?.state === 'signed' ? formatVerificationCode(signing.verificationCode) : null,
      letterBody: html === null ? null : letterContent(html),
    };
  }

  /** The letter exactly as issued (stored HTML). */
  async letterHtml(token: string): Promise<string | null> {
    const found = await this.reachable(token);
    return found ? this.deps.apologies.html(found.apology.id) : null;
  }

  async letterPdf(token: string): Promise<{ pdf: Buffer; fileName: string } | null> {
    const found = await this.reachable(token);
    return found ? this.deps.files.letter(found.apology.id) : null;
  }

  /**
   * "Tôi đã nhận được thông báo": recorded once, with a history entry the staff see on the
   * dossier's timeline, both in one transaction. Pressing again changes nothing; the answer is
   * when it was first recorded. Null when the link leads nowhere.
   */
  async acknowledge(token: string): Promise<{ acknowledgedAt: number; first: boolean } | null> {
    return this.deps.db.transaction(async () => {
      const found = await this.reachable(token);
      if (!found) return null;
      const { apology } = found;
      const now = this.deps.clock.now().getTime();
      if (!(await this.deps.apologies.markAcknowledged(apology.id, now))) {
        const current = await this.deps.apologies.get(apology.id);
        return { acknowledgedAt: current.acknowledgedAt as number, first: false };
      }
      await this.deps.dossiers.addEvent(
        {
          dossierId: apology.dossierId,
          kind: 'citizen_acknowledged',
          occurredAt: now,
          recordedAt: now,
          actor: 'người dân',
          data: { apologyId: apology.id, letterNumber: apology.letterNumber },
          note: null,
        },
      );
      return { acknowledgedAt: now, first: true };
    });
  }

  /**
   * The public look-up. The dossier is always read, and the digits always compared in constant
   * time, so an unknown code and wrong digits take the same path and give the same null: codes
   * cannot be enumerated through the answer or its timing. Either the applicant's or the
   * representative's phone matches. The code is read as typed from paper (typedDossierCode).
   */
  async lookup(code: string, lastFourDigits: string): Promise<LookupResult | null> {
    const d = await this.deps.dossiers.byUpperCaseCode(typedDossierCode(code));
    const candidates = [d?.phone ?? null, d?.representativePhone ?? null].map((p) => (p ? p.slice(-4) : NO_PHONE));
    const given = Buffer.from(/^\d{4}$/.test(lastFourDigits) ? lastFourDigits : NOT_DIGITS);
    let matches = false;
    for (const c of candidates) matches = crypto.timingSafeEqual(Buffer.from(c), given) || matches;
    if (!d || !matches) return null;
    return {
      code: d.code,
      state: d.state,
      stateLabel: STATE_LABELS[d.state],
      receivedAt: d.acceptedAt,
      originalDueAt: d.originalDueAt,
      newDueAt: d.extensionsCount > 0 ? d.currentDueAt : null,
      resolvedAt: d.resolvedAt,
    };
  }
}
