/**
 * Signing times as Vietnamese administration writes them. Vietnam has kept UTC+07:00 since
 * 1975, so this is arithmetic, whatever the server's TZ.
 */
const OFFSET_MS = 7 * 3600_000;

function parts(d: Date) {
  const v = new Date(d.getTime() + OFFSET_MS);
  const p = (x: number, w = 2) => String(x).padStart(w, '0');
  return {
    y: p(v.getUTCFullYear(), 4),
    mo: p(v.getUTCMonth() + 1),
    d: p(v.getUTCDate()),
    h: p(v.getUTCHours()),
    mi: p(v.getUTCMinutes()),
    s: p(v.getUTCSeconds()),
  };
}

/** "05.03.2026 09:14:22 +07:00" — the text appearance's "Thời gian ký". */
export function appearanceTime(d: Date): string {
  const t = parts(d);
  return `${t.d}.${t.mo}.${t.y} ${t.h}:${t.mi}:${t.s} +07:00`;
}

/** "2026-03-05T09:14:22+07:00" — ISO 8601 in Vietnam time, for the signature information. */
export function isoVietnam(d: Date): string {
  const t = parts(d);
  return `${t.y}-${t.mo}-${t.d}T${t.h}:${t.mi}:${t.s}+07:00`;
}

/** "D:20260305091422+07'00'" — a PDF date (the signature dictionary's /M). */
export function pdfDate(d: Date): string {
  const t = parts(d);
  return `D:${t.y}${t.mo}${t.d}${t.h}${t.mi}${t.s}+07'00'`;
}
