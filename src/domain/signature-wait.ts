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
