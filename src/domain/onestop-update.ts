/**
 * What Hẹn Lại tells a one-stop system when an apology letter sets a new appointment, in that
 * world's field names (DVCQG's NgayHenTraTruoc / NgayHenTraMoi, dates yyyyMMddHHmmss in
 * Vietnam time). Pure: the facts in, the body out; docs/interop-outbound.md describes it.
 */
import { formatVnIso } from './time';

export interface AppointmentFacts {
  /** The idempotency key: the notice's business key, one per apology and source. */
  key: string;
  dossierCode: string;
  dueBefore: number;
  newDueAt: number;
  reason: string;
  letterNumber: string;
  letterUrl: string;
  issuedAt: number;
  /** Which re-appointment of the dossier this is (1 for the first letter). */
  extension: number;
  /** The number of the earlier letter this one supersedes, if any. */
  replaces: string | null;
}

export interface AppointmentUpdate {
  MaThongBao: string;
  LoaiThongBao: 'HenLaiNgayTra';
  MaHoSo: string;
  NgayHenTraTruoc: string;
  NgayHenTraMoi: string;
  LyDo: string;
  SoVanBan: string;
  DuongDanVanBan: string;
  NgayBanHanh: string;
  LanHenLai: number;
  ThayTheVanBan?: string;
}

/** An instant as the one-stop systems write it: yyyyMMddHHmmss, Vietnam time. */
export function onestopDate(instant: Date): string {
  return formatVnIso(instant).slice(0, 19).replace(/\D/g, '');
}

export function appointmentUpdate(f: AppointmentFacts): AppointmentUpdate {
  const body: AppointmentUpdate = {
    MaThongBao: f.key,
    LoaiThongBao: 'HenLaiNgayTra',
    MaHoSo: f.dossierCode,
    NgayHenTraTruoc: onestopDate(new Date(f.dueBefore)),
    NgayHenTraMoi: onestopDate(new Date(f.newDueAt)),
    LyDo: f.reason.normalize('NFC'),
    SoVanBan: f.letterNumber,
    DuongDanVanBan: f.letterUrl,
    NgayBanHanh: onestopDate(new Date(f.issuedAt)),
    LanHenLai: f.extension,
  };
  if (f.replaces) body.ThayTheVanBan = f.replaces;
  return body;
}
