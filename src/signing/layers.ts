/**
 * The two signatures of an issued letter (Nghị định 30/2020, Phụ lục I), as field options for
 * prepareSignature / signPdf:
 * - the leader's (người có thẩm quyền): the blue signature image in the signature block, or a
 *   text appearance when there is no image;
 * - the agency's (cơ quan, tổ chức), applied at issuance: the red seal at real size, over the
 *   left third of the leader's signature image (`sealRect`), with the agency's name and the
 *   signing time (ISO 8601, +07:00) in the signature information; without a seal image, text at
 *   the top right of page 1 (`agencyTextRect`).
 */
import type { Appearance, Rect } from './pdf/appearance';
import type { SignatureField } from './pades';
import { appearanceTime, isoVietnam } from './time';

/** PDF points per millimetre. */
export const MM = 72 / 25.4;

interface Common {
  /** 0-based page index and rectangle (PDF points, origin bottom left). */
  page: number;
  rect: Rect;
  signingTime: Date;
  /** /Location, e.g. "Cần Thơ". */
  location?: string;
}

export function leaderSignature(input: Common & { name: string; agencyName?: string; signatureImage?: Buffer | null }): SignatureField {
  const lines = [`Ký bởi: ${input.name}`];
  if (input.agencyName) lines.push(`Cơ quan: ${input.agencyName}`);
  lines.push(`Thời gian ký: ${appearanceTime(input.signingTime)}`);
  const appearance: Appearance = input.signatureImage ? { kind: 'image', png: input.signatureImage } : { kind: 'text', lines };
  return {
    fieldName: 'ChuKyLanhDao',
    placement: { page: input.page, rect: input.rect },
    appearance,
    info: { name: input.name, reason: 'Phê duyệt văn bản', location: input.location },
  };
}

export function agencySignature(input: Common & { agencyName: string; sealImage?: Buffer | null }): SignatureField {
  const appearance: Appearance = input.sealImage
    ? { kind: 'image', png: input.sealImage }
    : { kind: 'text', lines: [`Cơ quan: ${input.agencyName}`, `Thời gian ký: ${appearanceTime(input.signingTime)}`] };
  return {
    fieldName: 'ChuKyCoQuan',
    placement: { page: input.page, rect: input.rect },
    appearance,
    info: { name: input.agencyName, reason: `Cơ quan: ${input.agencyName}; thời gian ký: ${isoVietnam(input.signingTime)}`, location: input.location },
  };
}

/**
 * Where the seal goes: a square of `diameterMm` (real size, 35–42 mm; default 36) whose right
 * edge covers the left third of the leader's signature rectangle, centred on it vertically.
 */
export function sealRect(leaderRect: Rect, diameterMm = 36): Rect {
  const [x1, y1, x2, y2] = leaderRect;
  const d = diameterMm * MM;
  const right = x1 + (x2 - x1) / 3;
  const cy = (y1 + y2) / 2;
  return [right - d, cy - d / 2, right, cy + d / 2];
}

/**
 * Where the agency's text-only signature goes when there is no seal image: the top right of
 * page 1, in the top margin (Nghị định 30's place for the agency signature on electronic copies),
 * 75 × 15 mm, 15 mm from the right edge — room for three lines of 10 pt.
 */
export function agencyTextRect(pageWidth: number, pageHeight: number): Rect {
  const right = pageWidth - 15 * MM;
  return [right - 75 * MM, pageHeight - 19 * MM, right, pageHeight - 4 * MM];
}
