/**
 * A fake province one-stop system (VNPT iGate, OpenCPS…) that pushes its dossiers to Hẹn Lại in
 * the national synchronisation format, as those systems sync them to the national portal:
 * DongBoHoSoMC for a dossier (the whole record each time), CapNhatTienDoHoSoMC for a processing
 * step. Dates are yyyyMMddHHmmss in Vietnam time. It keeps its own records and pushes them over
 * real HTTP, so it can send the same record twice, an older version after a newer one, codes the
 * receiver does not know, and a supplement round with its new appointment (NgayHenTraMoi).
 */

/** yyyyMMddHHmmss, Vietnam time, of an ISO instant ("2026-02-12T09:30:00+07:00"). */
export function compact(isoInstant: string): string {
  const vn = new Date(Date.parse(isoInstant) + 7 * 3600_000).toISOString();
  return vn.slice(0, 19).replace(/[-T:]/g, '');
}

export interface SupplementRoundWire {
  HoSoBoSungId: string;
  NguoiYeuCauBoSung: string;
  NoiDungBoSung: string;
  NgayBoSung: string;
  ThoiGianTiepNhanBoSung?: string;
  NgayHenTraTruoc?: string;
  NgayHenTraMoi?: string;
}

/** A DongBoHoSoMC record as the one-stop system holds it. */
export interface DongBoHoSoMC {
  MaHoSo: string;
  MaTTHC: string;
  TenTTHC: string;
  MaLinhVuc: string;
  TenLinhVuc: string;
  ChuHoSo: string;
  LoaiDoiTuong: string;
  MaDoiTuong: string;
  Email: string;
  SoDienThoai: string;
  TrichYeuHoSo: string;
  NgayNopHoSo: string;
  NgayTiepNhan: string;
  NgayHenTra: string;
  TrangThaiHoSo: string;
  NgayTra: string;
  HinhThuc: string;
  NgayKetThucXuLy: string;
  DonViXuLy: string;
  KenhThucHien: string;
  NgayTuChoi: string;
  DanhSachHoSoBoSung: SupplementRoundWire[];
  DanhSachGiayToKetQua: unknown[];
  DanhSachLePhi: unknown[];
  isUpdating: 'True' | 'False';
  [extra: string]: unknown;
}

export interface CapNhatTienDoHoSoMC {
  MaHoSo: string;
  NguoiXuLy: string;
  ChucDanh: string;
  ThoiDiemXuLy: string;
  PhongBanXuLy: string;
  NoiDungXuLy: string;
  TrangThai: string;
  NgayBatDau: string;
  NgayKetThucTheoQuyDinh: string;
}

export interface PushAnswer {
  status: number;
  contentType: string;
  body: Record<string, unknown> & { error_code: number; message: string };
}

export class FakeOneStopPusher {
  /** The system's own records, by MaHoSo; every push sends a copy of what is here. */
  readonly records = new Map<string, DongBoHoSoMC>();

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Registers a dossier at the counter (TrangThaiHoSo 2, Được tiếp nhận). */
  register(code: string, acceptedAt: string, dueAt: string, overrides: Partial<DongBoHoSoMC> = {}): DongBoHoSoMC {
    const record: DongBoHoSoMC = {
      MaHoSo: code,
      MaTTHC: '1.009972',
      TenTTHC: 'Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II',
      MaLinhVuc: 'G11-XD01',
      TenLinhVuc: 'Hoạt động xây dựng',
      ChuHoSo: 'Nguyễn Văn An',
      LoaiDoiTuong: '1',
      MaDoiTuong: '092088001234',
      Email: 'an.nguyen@example.vn',
      SoDienThoai: '0912345678',
      TrichYeuHoSo: 'Xin cấp giấy phép xây dựng nhà ở riêng lẻ',
      NgayNopHoSo: compact(acceptedAt),
      NgayTiepNhan: compact(acceptedAt),
      NgayHenTra: compact(dueAt),
      TrangThaiHoSo: '2',
      NgayTra: '',
      HinhThuc: '0',
      NgayKetThucXuLy: '',
      DonViXuLy: 'SXD',
      KenhThucHien: '1',
      NgayTuChoi: '',
      DanhSachHoSoBoSung: [],
      DanhSachGiayToKetQua: [],
      DanhSachLePhi: [],
      isUpdating: 'False',
      ...overrides,
    };
    this.records.set(code, record);
    return this.snapshot(code);
  }

  /** Changes the record (a status, a date) as the system's staff would; returns the new version. */
  change(code: string, patch: Partial<DongBoHoSoMC>): DongBoHoSoMC {
    const record = this.records.get(code);
    if (!record) throw new Error(`the fake holds no dossier ${code}`);
    Object.assign(record, patch, { isUpdating: 'True' });
    return this.snapshot(code);
  }

  /** Asks the citizen for more papers (TrangThaiHoSo 5) with a new round in DanhSachHoSoBoSung. */
  requestSupplement(code: string, at: string, content: string): DongBoHoSoMC {
    const record = this.records.get(code) as DongBoHoSoMC;
    const round: SupplementRoundWire = {
      HoSoBoSungId: `${code}-BS${record.DanhSachHoSoBoSung.length + 1}`,
      NguoiYeuCauBoSung: 'Lê Thị Hoa',
      NoiDungBoSung: content,
      NgayBoSung: compact(at),
      NgayHenTraTruoc: record.NgayHenTra,
    };
    return this.change(code, { TrangThaiHoSo: '5', DanhSachHoSoBoSung: [...record.DanhSachHoSoBoSung, round] });
  }

  /** The papers came back (ThoiGianTiepNhanBoSung): processing goes on towards NgayHenTraMoi. */
  receiveSupplement(code: string, at: string, newDueAt: string): DongBoHoSoMC {
    const record = this.records.get(code) as DongBoHoSoMC;
    const rounds = record.DanhSachHoSoBoSung.map((r) => ({ ...r }));
    Object.assign(rounds[rounds.length - 1], { ThoiGianTiepNhanBoSung: compact(at), NgayHenTraMoi: compact(newDueAt) });
    return this.change(code, { TrangThaiHoSo: '4', DanhSachHoSoBoSung: rounds, NgayHenTra: compact(newDueAt) });
  }

  /** A deep copy of the record as it is now: a later change never alters an earlier push. */
  snapshot(code: string): DongBoHoSoMC {
    return JSON.parse(JSON.stringify(this.records.get(code))) as DongBoHoSoMC;
  }

  /** POST one record or a batch to DongBoHoSoMC. */
  push(payload: unknown): Promise<PushAnswer> {
    return this.post('DongBoHoSoMC', payload);
  }

  /** POST one progress step or a batch to CapNhatTienDoHoSoMC. */
  pushProgress(payload: CapNhatTienDoHoSoMC | CapNhatTienDoHoSoMC[]): Promise<PushAnswer> {
    return this.post('CapNhatTienDoHoSoMC', payload);
  }

  progress(code: string, status: string, at: string, note: string): CapNhatTienDoHoSoMC {
    const record = this.records.get(code) as DongBoHoSoMC;
    return {
      MaHoSo: code,
      NguoiXuLy: 'Lê Thị Hoa',
      ChucDanh: 'Chuyên viên',
      ThoiDiemXuLy: compact(at),
      PhongBanXuLy: 'Phòng Quản lý xây dựng',
      NoiDungXuLy: note,
      TrangThai: status,
      NgayBatDau: compact(at),
      NgayKetThucTheoQuyDinh: record.NgayHenTra,
    };
  }

  private async post(service: string, payload: unknown): Promise<PushAnswer> {
    const res = await fetch(`${this.baseUrl}/api/v1/interop/${service}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as PushAnswer['body'] };
  }
}
