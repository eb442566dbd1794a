/**
 * What an apology letter and its notices say, from the dossier, the agencies, the procedure and
 * the apology's own values: pure functions (no database, no clock — `now` is passed), so the
 * letter's content is tested without issuing anything. The workflow decides the facts; the
 * templates only lay these values out.
 */
import type { Agency } from '../db/agencies';
import type { Apology } from '../db/apologies';
import type { Dossier } from '../db/dossiers';
import type { NewNotice } from '../db/notices';
import type { Procedure } from '../db/procedures';
import { addressesPerson, letterFormFor } from '../domain/apology';
import { noticeRoute, type RouteStep } from '../domain/notice-route';
import { localDayOf } from '../domain/time';
import { agencyNameInText, dateInWords, instantInWords, placeDateLine, shortDate } from '../domain/vn-format';
import type { LetterData, NoticeData, RenderedNotice } from './types';

/** What the letter shows of an apology: a stored one, or a preview's values. */
export type LetterFields = Pick<
  Apology,
  'reason' | 'responsibleUnit' | 'dueBefore' | 'newDueAt' | 'signerName' | 'signerTitle' | 'signerOnBehalf' | 'recipientName' | 'toRepresentative' | 'form'
>;

/** "PHÓ GIÁM ĐỐC" signs "KT. GIÁM ĐỐC" (for the head); the head signs in their own name. */
export function onBehalfLine(title: string): string | null {
  const m = /^PHÓ\s+(.+)$/u.exec(title.trim());
  return m ? `KT. ${m[1]}` : null;
}

/**
 * A draft's letter values once its reason, dates and signer are settled: the letter goes to the
 * authorised representative when there is one, in the form of the rules the dossier was received under.
 */
export function letterFields(
  d: Pick<Dossier, 'representativeName' | 'applicantName' | 'acceptedAt'>,
  settled: { reason: string; responsibleUnit: string; dueBefore: number; newDueAt: number; signerName: string; signerTitle: string; signerOnBehalf?: string | null },
): LetterFields {
  const representative = d.representativeName !== null;
  return {
    reason: settled.reason,
    responsibleUnit: settled.responsibleUnit,
    dueBefore: settled.dueBefore,
    newDueAt: settled.newDueAt,
    signerName: settled.signerName,
    signerTitle: settled.signerTitle,
    signerOnBehalf: settled.signerOnBehalf === undefined ? onBehalfLine(settled.signerTitle) : settled.signerOnBehalf,
    recipientName: representative ? (d.representativeName as string) : d.applicantName,
    toRepresentative: representative,
    form: letterFormFor(d.acceptedAt),
  };
}

/** The number a preview shows: given at issue, so left blank as on a paper draft. */
export function previewLetterNumber(agency: Pick<Agency, 'letterSymbol'>): string {
  return `     /${agency.letterSymbol}`;
}

export interface LetterFacts {
  fields: LetterFields;
  dossier: Dossier;
  /** The issuing (deciding) agency. */
  agency: Agency;
  /** The agency that received the dossier and returns its result. */
  receiving: Agency;
  procedure: Procedure;
  letterNumber: string;
  now: Date;
}

/** The Mẫu 04 letter's template data. */
export function letterData({ fields: a, dossier: d, agency, receiving, procedure, letterNumber, now }: LetterFacts): LetterData {
  const recipients = [
    agency.parentName ? `${agencyNameInText(agency.parentName.normalize('NFC'))} (để báo cáo)` : null,
    receiving.id !== agency.id ? `${agencyNameInText(receiving.name)} (để phối hợp trả kết quả)` : null,
  ].filter(
    (r): r is string => r !== null,
  );
  return {
    form: a.form,
    issuer: { parentName: agency.parentName, name: agency.name, letterNumber },
    placeDateLine: placeDateLine(agency.placeName, localDayOf(now)),
    addressee: {
      salutation: addressesPerson(d.applicantKind, a.toRepresentative) ? 'Ông/Bà' : '',
      name: a.recipientName,
      address: a.toRepresentative ? d.representativeAddress ?? d.address : d.address,
      phone: formatPhone(contactOf(a, d).phone),
      onBehalfOf: a.toRepresentative ? d.applicantName : null,
    },
    dossier: {
      code: d.code,
      procedureName: procedure.name,
      acceptedAt: instantInWords(new Date(d.acceptedAt)),
      // A due time within the day is part of an appointment counted in working hours.
      originalDue: d.clockUnit === 'hours' ? instantInWords(new Date(a.dueBefore)) : dateInWords(localDayOf(new Date(a.dueBefore))),
    },
    delay: {
      responsibleUnit: a.responsibleUnit,
      reason: a.reason,
      newDue: dateInWords(localDayOf(new Date(a.newDueAt))),
      returnPlace: returnPlaceOf(receiving),
    },
    signature: { onBehalf: a.signerOnBehalf, title: a.signerTitle, name: a.signerName },
    recipients,
    archive: archiveUnit(agency),
  };
}

/**
 * "Lưu: VT, QLXD": the drafting unit's abbreviation from the agency's settings; without one, the
 * unit its letter symbol names ("PXL-SXD" → "SXD").
 */
export function archiveUnit(agency: Pick<Agency, 'letterSymbol' | 'settings'>): string {
  return agency.settings.draftingUnit ?? agency.letterSymbol.split('-').pop() ?? agency.letterSymbol;
}

/** The citizen's page for an apology (letter, PDF, acknowledgement). */
export function citizenLink(publicBaseUrl: string, a: Pick<Apology, 'citizenToken'>): string {
  return `${publicBaseUrl}/c/${a.citizenToken}`;
}

/** The notice's template data (Zalo, e-mail, SMS): the letter's facts in short form, with the citizen's link. */
export function noticeData(facts: Omit<LetterFacts, 'fields' | 'now'> & { apology: Apology; link: string }): NoticeData {
  const { apology: a, dossier: d } = facts;
  return {
    agencyName: facts.agency.name,
    recipientName: a.recipientName,
    dossierCode: d.code,
    procedureName: facts.procedure.name,
    oldDue: shortDate(localDayOf(new Date(a.dueBefore))),
    newDue: shortDate(localDayOf(new Date(a.newDueAt))),
    reason: a.reason,
    returnPlace: returnPlaceOf(facts.receiving),
    link: facts.link,
    letterNumber: facts.letterNumber,
  };
}

/**
 * The issued apology's notice: one, on the first channel of the agency's order that the citizen
 * agreed to (dispatch follows the route the notice carries — by default Zalo → SMS → e-mail →
 * the counter's call-or-print list — when a channel cannot reach them). Every rendering travels with it, so a fallback sends exactly the wording
 * issued with the letter.
 */
export function citizenNotices(
  a: Pick<Apology, 'id' | 'toRepresentative'>,
  d: Dossier,
  agency: Pick<Agency, 'id' | 'settings'>,
  rendered: RenderedNotice,
  now: Date,
): NewNotice[] {
  const { phone, email } = contactOf(a, d);
  const route = noticeRoute(agency.settings.noticeChannels, { phone, email, consent: { zalo: d.consentZalo, sms: d.consentSms, email: d.consentEmail } });
  const payload = {
    zalo: { params: rendered.zaloParams },
    email: { subject: rendered.emailSubject, html: rendered.emailHtml, text: rendered.emailText },
    sms: agency.settings.smsUnicode ? rendered.sms : rendered.smsAscii,
    contact: { phone, email: email && d.consentEmail ? email : null },
    route,
    templateVersion: rendered.templateVersion,
  };
  const [first] = route as [RouteStep, ...RouteStep[]];
  return [
    {
      kind: 'new_appointment',
      audience: 'citizen',
      agencyId: agency.id,
      dossierId: d.id,
      apologyId: a.id,
      notBefore: now.getTime(),
      payload,
      channel: first.channel,
      recipient: first.recipient,
      businessKey: `apology:${a.id}:${first.channel}:${first.channel === 'print' ? 'counter' : first.recipient}`,
    },
  ];
}

/** A preview is never mistaken for the issued letter: a banner across its top says so. */
export function markPreview(html: string): string {
  const banner =
    '<div style="border:2px solid #b00020;color:#b00020;font:bold 14pt sans-serif;text-align:center;padding:6pt;margin-bottom:12pt">' +
    'BẢN XEM TRƯỚC — CHƯA BAN HÀNH, CHƯA CÓ SỐ</div>';
  return html.replace(/<body[^>]*>/i, (tag) => `${tag}${banner}`);
}

/** "thu-xin-loi-05-PXL-SXD.pdf": the letter's number, safe in a file name; the id before it has one. */
export function pdfFileName(a: Pick<Apology, 'id' | 'letterNumber'>): string {
  const number = (a.letterNumber ?? String(a.id)).replace(/[^A-Za-z0-9-]+/g, '-');
  return `thu-xin-loi-${number}.pdf`;
}

/** The representative's contact when the letter goes to them (falling back to the applicant's). */
function contactOf(a: Pick<Apology, 'toRepresentative'>, d: Dossier): { phone: string | null; email: string | null } {
  return a.toRepresentative
    ? { phone: d.representativePhone ?? d.phone, email: d.representativeEmail ?? d.email }
    : { phone: d.phone, email: d.email };
}

function returnPlaceOf(receiving: Agency): string {
  return receiving.address ? `${receiving.name}, ${receiving.address}` : receiving.name;
}

/** "0912 345 678" — how a phone number is written on paper. */
export function formatPhone(e164: string | null): string | null {
  if (!e164) return null;
  const local = `0${e164.replace(/^\+84/, '')}`;
  return local.length === 10 ? `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}` : local;
}
