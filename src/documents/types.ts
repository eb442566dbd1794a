/**
 * What the documents show, as already-formatted Vietnamese strings: the use cases decide the
 * facts and their wording (dates in words, numbers), the templates only lay them out. Every
 * field is required unless marked nullable; templates compile in strict mode, so a missing
 * value stops the issue instead of printing a blank.
 */
import type { LetterForm } from '../domain/apology';

export interface LetterData {
  form: LetterForm;
  issuer: {
    /** Cơ quan chủ quản, upper case in the header; '' when there is none (a commune's UBND). */
    parentName: string;
    /** The issuing agency, e.g. "Trung tâm Phục vụ hành chính công thành phố Cần Thơ". */
    name: string;
    /** "05/PXL-TTPVHCC" */
    letterNumber: string;
  };
  /** "Cần Thơ, ngày 05 tháng 3 năm 2026" */
  placeDateLine: string;
  addressee: {
    /** "Ông/Bà" for a person, '' for an organisation. */
    salutation: string;
    name: string;
    address: string | null;
    phone: string | null;
    /** Set when the letter goes to an authorised representative on behalf of the applicant. */
    onBehalfOf: string | null;
  };
  dossier: {
    code: string;
    procedureName: string;
    /** "09 giờ 30 phút, ngày 12 tháng 02 năm 2026" */
    acceptedAt: string;
    /** "ngày 19 tháng 3 năm 2026" */
    originalDue: string;
  };
  delay: {
    responsibleUnit: string;
    reason: string;
    /** "ngày 26 tháng 3 năm 2026" */
    newDue: string;
    /** Where the result is returned, e.g. the counter's address. */
    returnPlace: string;
  };
  signature: {
    /** "KT. GIÁM ĐỐC" when a deputy signs for the head; null when the head signs. */
    onBehalf: string | null;
    /** "PHÓ GIÁM ĐỐC" */
    title: string;
    name: string;
  };
  /** "Nơi nhận" lines after "Như trên", e.g. "Văn phòng UBND thành phố (để b/c)"; the last "Lưu: VT, …" is built from `archive`. */
  recipients: string[];
  /** e.g. "TTPVHCC" for "Lưu: VT, TTPVHCC." */
  archive: string;
  /**
   * The verification mark of a signed letter: its code, the page that checks it and a QR code
   * of that page's address with the code, as the side of its square in modules and an SVG path
   * of the dark ones (made by us from those two: letters, digits and spaces only).
   */
  verification?: { code: string; url: string; qr: { size: number; path: string } } | null;
}

export interface NoticeData {
  agencyName: string;
  /** The person the notice is addressed to (the representative when there is one). */
  recipientName: string;
  dossierCode: string;
  procedureName: string;
  /** "19/03/2026" */
  oldDue: string;
  /** "26/03/2026" */
  newDue: string;
  reason: string;
  returnPlace: string;
  /** The citizen's page for this apology (letter, PDF, acknowledgement). */
  link: string;
  letterNumber: string;
  /**
   * Optional: the agency's own short name for the 30-character Zalo label and the SMS, e.g.
   * "TTPVHCC Cần Thơ". When absent it is abbreviated from `agencyName` (see zalo.ts).
   */
  agencyShortName?: string | null;
}

export interface RenderedLetter {
  html: string;
  /** sha256 (hex, first 16) of every template source used: which wording the citizen received. */
  templateVersion: string;
}

export interface SmsText {
  text: string;
  encoding: 'GSM-7' | 'UCS-2';
  /** The message split as a phone network would: ≤ 160 GSM-7 / 70 UCS-2 characters alone, 153 / 67 per part when concatenated. */
  segments: string[];
}

export interface RenderedNotice {
  emailSubject: string;
  emailHtml: string;
  emailText: string;
  /** Zalo ZNS template parameters by our canonical names, all strings, within Zalo's maximum lengths after NFC. */
  zaloParams: Record<string, string>;
  /** The SMS with diacritics (UCS-2), for an agency that chose Unicode SMS. */
  sms: SmsText;
  /** The same SMS without diacritics (GSM-7 when every character allows): what is sent by default. */
  smsAscii: SmsText;
  templateVersion: string;
}
