import { WAITING_FOR_OFFICE } from './office-hours';

/**
 * A letter the leader approved but has not yet signed (remote or external signer) holds the
 * citizen's new date back: nothing is sent until the signature arrives. The watcher warns the
 * leader again once the wait has eaten into the time left before the dossier's due instant.
 */

/** Under an hour the leader may simply not have picked up the phone yet: no reminder. */
export const MIN_WAIT_BEFORE_REMINDER_MS = 60 * 60_000;

export interface SignatureWait {
  waitedMs: number;
  /** The leader should be warned again. */
  urgent: boolean;
}

/**
 * Urgent once the wait has used half the time the approval left before the due instant — so a
 * letter approved a week ahead is chased after three and a half days, one approved two hours
 * ahead after an hour — and never before an hour's wait. A letter approved when the dossier
 * was already overdue is chased after that hour.
 */
export function signatureWait(waitingSince: number, dueAt: number, now: Date): SignatureWait {
  const waitedMs = Math.max(0, now.getTime() - waitingSince);
  const threshold = Math.max(MIN_WAIT_BEFORE_REMINDER_MS, (dueAt - waitingSince) / 2);
  return { waitedMs, urgent: waitedMs >= threshold };
}

/** "3 ngày 2 giờ", "5 giờ", "40 phút": how long a letter has waited, for staff messages. */
export function waitInWords(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days) return hours ? `${days} ngày ${hours} giờ` : `${days} ngày`;
  if (hours) return `${hours} giờ`;
  return `${minutes} phút`;
}

/** Whose signature a letter waits for, and the fault last recorded while making it (null: none, it merely waits). */
export interface AwaitedSignature {
  waitingFor: 'leader' | 'agency';
  problem: string | null;
}

/**
 * What a letter waits for, in staff messages: the leader's signature; the agency's, asked for
 * and not yet confirmed by the holder of its certificate; or the agency's, which could not be
 * made (the fault named, with where to look). Only a fault sends staff to the certificate; a
 * request held for the signer's office to open says when it goes out.
 */
export function awaitedSignatureInWords(w: AwaitedSignature): string {
  if (heldForOffice(w)) {
    const held = `${(w.problem as string).charAt(0).toLowerCase()}${(w.problem as string).slice(1)}`;
    return w.waitingFor === 'leader' ? `${held} cho lãnh đạo` : `lãnh đạo đã ký, ${held} của cơ quan`;
  }
  if (w.waitingFor === 'leader') return 'chờ lãnh đạo ký số';
  const fault = agencyFault(w);
  return fault
    ? `lãnh đạo đã ký nhưng chưa ký được chữ ký số của cơ quan (${fault}), cần kiểm tra chứng thư số của cơ quan`
    : 'lãnh đạo đã ký, chờ chữ ký số của cơ quan (người giữ chứng thư số của cơ quan chưa xác nhận)';
}

/** The agency layer's last fault without the "— sẽ thử lại" the staff pages add; null when there is none. */
export function agencyFault(w: AwaitedSignature): string | null {
  if (w.waitingFor !== 'agency' || !w.problem || heldForOffice(w)) return null;
  return w.problem.replace(/\s*—\s*sẽ (thử|hỏi) lại$/, '').trim() || null;
}

/** Nobody was asked yet: the request waits for the signer's office to open (waitingForOfficeInWords). */
function heldForOffice(w: AwaitedSignature): boolean {
  return w.problem?.startsWith(WAITING_FOR_OFFICE) ?? false;
}
