/**
 * Demo data: Cần Thơ after the 1/7/2025 reorganisation (two levels of local government:
 * the city and its wards/communes; districts abolished). One provincial service centre
 * (TTPVHCC) receiving for five departments, three ward/commune People's Committees that receive
 * and decide their own procedures, fourteen procedures and about two hundred dossiers accepted
 * over the three months before `now`, in every state.
 *
 * Everything goes through the services with an installation-wide actor, so the demo obeys the
 * same rules as real data (due dates counted by the real calendar, state machine, pauses). The
 * services refuse instants in the future, so every instant chosen here is at or before `now`.
 *
 * Deterministic: apart from the API token's secret and the bookkeeping timestamps the services
 * take from their clock, the result depends only on `now` and the seeded PRNG below (never
 * Math.random, never the wall clock), so tests with a fixed clock see the same dossiers every run.
 *
 * Names, numbers and procedure codes are made up for the demo: the codes follow the national
 * format (e.g. 1.001193) but are illustrative, not checked against the national procedure
 * database; phone numbers are random valid-looking mobiles. Production never loads the demo
 * (see config.ts).
 */
import type { Agency, AgencyInput, AgencySettings } from '../db/agencies';
import { DEFAULT_AGENCY_SETTINGS } from '../db/agencies';
import type { ApplicantKind, IntakeChannel } from '../db/dossiers';
import type { Procedure, ProcedureInput, SupplementPolicy, TimeUnit } from '../db/procedures';
import type { WorkingCalendar } from '../domain/calendar';
import { foldForSearch, normalizeEmail, normalizeVnMobile } from '../domain/contact';
import { computeDue, remainingAfterPause, resolutionOf, timelinessAt, type ProcessingTime, type Resolution } from '../domain/deadline';
import type { DossierState, EventKind } from '../domain/dossier';
import { dayStartMs, dayToYmd, localDayOf, MINUTE_MS, DAY_MS, type DayNumber } from '../domain/time';
import type { Services } from '../compose';
import type { Actor } from '../domain/actor';
import { procedureTime, type DossierInput } from '../services/dossiers';

/** Who the demo's records are attributed to in dossier histories: an installation-wide actor. */
export const DEMO_ACTOR: Actor = { name: 'dữ liệu mẫu', agencyId: null, role: 'system' };

/** How many dossiers the demo creates. */
export const DEMO_DOSSIERS = 200;

const SEED = 0x48654c61; // "HeLa"

// ---- deterministic randomness ---------------------------------------------------------------

/** mulberry32: a tiny 32-bit PRNG, plenty for demo data, identical on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
  /** All items, in a random order where heavier items tend to come first. */
  weightedOrder<T>(items: readonly T[], weight: (t: T) => number): T[] {
    return items
      .map((item) => ({ item, key: Math.pow(this.next(), 1 / Math.max(weight(item), 1e-9)) }))
      .sort((a, b) => b.key - a.key)
      .map((x) => x.item);
  }
}

// ---- reference data -------------------------------------------------------------------------

const CITY = 'UBND THÀNH PHỐ CẦN THƠ';
const PLACE = 'Cần Thơ';

function agency(input: Omit<AgencyInput, 'placeName' | 'settings'> & { settings: Partial<AgencySettings> }): AgencyInput {
  return { ...input, placeName: PLACE, settings: { ...DEFAULT_AGENCY_SETTINGS, ...input.settings } };
}

/**
 * Departments' documents carry the city's People's Committee as parent agency (cơ quan chủ
 * quản). A ward or commune People's Committee is itself a local state body that issues its own
 * documents, with no parent line in its header (Nghị định 30/2020: "nếu có").
 */
const AGENCIES: AgencyInput[] = [
  agency({
    code: 'TTPVHCC',
    name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ',
    parentName: CITY,
    letterSymbol: 'PXL-TTPVHCC',
    level: 'center',
    contactEmail: 'ttpvhcc@cantho.example',
    contactPhone: '0292 3700 100',
    address: 'phường Ninh Kiều, thành phố Cần Thơ',
    settings: { signerName: 'Trần Minh Khoa', signerTitle: 'PHÓ GIÁM ĐỐC', publicBoard: true },
  }),
  agency({
    code: 'SXD',
    name: 'Sở Xây dựng',
    parentName: CITY,
    letterSymbol: 'PXL-SXD',
    level: 'department',
    contactEmail: 'soxaydung@cantho.example',
    contactPhone: '0292 3700 201',
    address: 'phường Ninh Kiều, thành phố Cần Thơ',
    settings: { signerName: 'Lê Hoàng Phúc', signerTitle: 'PHÓ GIÁM ĐỐC' },
  }),
  agency({
    code: 'STP',
    name: 'Sở Tư pháp',
    parentName: CITY,
    letterSymbol: 'PXL-STP',
    level: 'department',
    contactEmail: 'sotuphap@cantho.example',
    contactPhone: '0292 3700 202',
    address: 'phường Ninh Kiều, thành phố Cần Thơ',
    settings: { signerName: 'Nguyễn Thị Thu Hương', signerTitle: 'PHÓ GIÁM ĐỐC' },
  }),
  agency({
    code: 'SNNMT',
    name: 'Sở Nông nghiệp và Môi trường',
    parentName: CITY,
    letterSymbol: 'PXL-SNNMT',
    level: 'department',
    contactEmail: 'sonnmt@cantho.example',
    contactPhone: '0292 3700 203',
    address: 'phường Cái Khế, thành phố Cần Thơ',
    // Land dossiers: the department wants to read each letter before it goes out, and two
    // working days to do it.
    settings: { signerName: 'Phạm Quốc Bảo', signerTitle: 'PHÓ GIÁM ĐỐC', apologyMode: 'review', apologyLeadWorkingDays: 2 },
  }),
  agency({
    code: 'SYT',
    name: 'Sở Y tế',
    parentName: CITY,
    letterSymbol: 'PXL-SYT',
    level: 'department',
    contactEmail: 'soyte@cantho.example',
    contactPhone: '0292 3700 204',
    address: 'phường Ninh Kiều, thành phố Cần Thơ',
    settings: { signerName: 'Võ Thanh Tâm', signerTitle: 'PHÓ GIÁM ĐỐC' },
  }),
  agency({
    code: 'SCT',
    name: 'Sở Công Thương',
    parentName: CITY,
    letterSymbol: 'PXL-SCT',
    level: 'department',
    contactEmail: 'socongthuong@cantho.example',
    contactPhone: '0292 3700 205',
    address: 'phường Tân An, thành phố Cần Thơ',
    settings: { signerName: 'Huỳnh Ngọc Lan', signerTitle: 'PHÓ GIÁM ĐỐC' },
  }),
  agency({
    code: 'NINHKIEU',
    name: 'UBND phường Ninh Kiều',
    parentName: '',
    letterSymbol: 'PXL-UBND',
    level: 'commune',
    contactEmail: 'ninhkieu@cantho.example',
    contactPhone: '0292 3700 301',
    address: 'phường Ninh Kiều, thành phố Cần Thơ',
    // The busiest ward keeps its one-stop counter open on Saturday mornings.
    settings: { signerName: 'Đặng Văn Hùng', signerTitle: 'PHÓ CHỦ TỊCH', officeHours: { sat: ['07:30-11:30'] }, publicBoard: true },
  }),
  agency({
    code: 'CAIRANG',
    name: 'UBND phường Cái Răng',
    parentName: '',
    letterSymbol: 'PXL-UBND',
    level: 'commune',
    contactEmail: 'cairang@cantho.example',
    contactPhone: '0292 3700 302',
    address: 'phường Cái Răng, thành phố Cần Thơ',
    settings: { signerName: 'Bùi Thị Mai', signerTitle: 'PHÓ CHỦ TỊCH' },
  }),
  agency({
    code: 'PHONGDIEN',
    name: 'UBND xã Phong Điền',
    parentName: '',
    letterSymbol: 'PXL-UBND',
    level: 'commune',
    contactEmail: 'phongdien@cantho.example',
    contactPhone: '0292 3700 303',
    address: 'xã Phong Điền, thành phố Cần Thơ',
    settings: { signerName: 'Thạch Văn Sơn', signerTitle: 'PHÓ CHỦ TỊCH' },
  }),
];

const COMMUNES = ['NINHKIEU', 'CAIRANG', 'PHONGDIEN'] as const;
const COMMUNE_WEIGHT: Record<(typeof COMMUNES)[number], number> = { NINHKIEU: 5, CAIRANG: 3, PHONGDIEN: 2 };
/** Prefix of receipt numbers, per receiving unit: the city's code in the national portal (H13) and the unit. */
const RECEIPT_PREFIX: Record<string, string> = { TTPVHCC: 'H13.TTPV', NINHKIEU: 'H13.NK', CAIRANG: 'H13.CR', PHONGDIEN: 'H13.PD' };

interface DemoProcedure {
  code: string;
  name: string;
  field: string;
  /** Deciding department; null: decided by the ward/commune that receives it. */
  agencyCode: string | null;
  unit: TimeUnit;
  amount: number;
  policy: SupplementPolicy;
  extensionDays: number;
  delayReason: string;
  /** How common the procedure is among the demo's dossiers. */
  weight: number;
  applicants: 'person' | 'organisation' | 'both';
  onlineShare: number;
  supplementNotes: string[];
  rejectionNotes: string[];
}

const SAME_DAY_CUTOFF = 15 * 60;

const PROCEDURES: DemoProcedure[] = [
  {
    code: '1.009972',
    name: 'Cấp giấy phép xây dựng mới đối với công trình cấp II, cấp III',
    field: 'Hoạt động xây dựng',
    agencyCode: 'SXD',
    unit: 'days',
    amount: 20,
    policy: 'restart',
    extensionDays: 10,
    delayReason: 'Cần lấy ý kiến của các cơ quan quản lý nhà nước có liên quan về sự phù hợp của công trình với quy hoạch',
    weight: 4,
    applicants: 'organisation',
    onlineShare: 0.5,
    supplementNotes: ['Bổ sung bản vẽ thiết kế xây dựng có chữ ký của chủ nhiệm thiết kế', 'Bổ sung văn bản thẩm duyệt thiết kế về phòng cháy và chữa cháy'],
    rejectionNotes: ['Công trình không phù hợp với quy hoạch chi tiết xây dựng đã được phê duyệt'],
  },
  {
    code: '1.009983',
    name: 'Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III',
    field: 'Hoạt động xây dựng',
    agencyCode: 'SXD',
    unit: 'days',
    amount: 20,
    policy: 'restart',
    extensionDays: 5,
    delayReason: 'Hội đồng xét cấp chứng chỉ hành nghề chưa tổ chức được phiên họp xét hồ sơ',
    weight: 3,
    applicants: 'person',
    onlineShare: 0.6,
    supplementNotes: ['Bổ sung bản khai kinh nghiệm nghề nghiệp có xác nhận của đơn vị công tác'],
    rejectionNotes: ['Không đủ thời gian kinh nghiệm tham gia công việc theo hạng đề nghị cấp'],
  },
  {
    code: '2.000488',
    name: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam',
    field: 'Lý lịch tư pháp',
    agencyCode: 'STP',
    unit: 'days',
    amount: 10,
    policy: 'restart',
    extensionDays: 5,
    delayReason: 'Cần xác minh thông tin về án tích tại cơ quan quản lý cơ sở dữ liệu lý lịch tư pháp',
    weight: 10,
    applicants: 'person',
    onlineShare: 0.55,
    supplementNotes: ['Bổ sung văn bản ủy quyền có chứng thực của người yêu cầu cấp phiếu'],
    rejectionNotes: ['Người yêu cầu không thuộc đối tượng được cấp Phiếu lý lịch tư pháp số 2 theo ủy quyền'],
  },
  {
    code: '1.004227',
    name: 'Đăng ký đất đai, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu',
    field: 'Đất đai',
    agencyCode: 'SNNMT',
    unit: 'days',
    amount: 20,
    policy: 'pause',
    extensionDays: 10,
    delayReason: 'Cần xác minh nguồn gốc, quá trình sử dụng đất và đo đạc lại ranh giới thửa đất',
    weight: 10,
    applicants: 'both',
    onlineShare: 0.3,
    supplementNotes: ['Bổ sung giấy tờ chứng minh nguồn gốc sử dụng đất', 'Bổ sung mảnh trích đo địa chính thửa đất'],
    rejectionNotes: ['Thửa đất đang có tranh chấp, chưa đủ điều kiện cấp Giấy chứng nhận'],
  },
  {
    code: '1.004221',
    name: 'Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do chuyển nhượng, tặng cho, thừa kế',
    field: 'Đất đai',
    agencyCode: 'SNNMT',
    unit: 'days',
    amount: 10,
    policy: 'pause',
    extensionDays: 5,
    delayReason: 'Chưa nhận được thông báo nộp nghĩa vụ tài chính từ cơ quan thuế',
    weight: 12,
    applicants: 'person',
    onlineShare: 0.3,
    supplementNotes: ['Bổ sung hợp đồng chuyển nhượng đã được công chứng', 'Bổ sung tờ khai lệ phí trước bạ'],
    rejectionNotes: ['Thửa đất đang bị kê biên để bảo đảm thi hành án'],
  },
  {
    code: '1.001610',
    name: 'Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm đối với cơ sở sản xuất, kinh doanh thực phẩm',
    field: 'An toàn thực phẩm',
    agencyCode: 'SYT',
    unit: 'days',
    amount: 20,
    policy: 'restart',
    extensionDays: 10,
    delayReason: 'Chưa bố trí được đoàn thẩm định điều kiện thực tế tại cơ sở',
    weight: 4,
    applicants: 'organisation',
    onlineShare: 0.6,
    supplementNotes: ['Bổ sung giấy xác nhận đủ sức khỏe của chủ cơ sở và người trực tiếp sản xuất'],
    rejectionNotes: ['Cơ sở không đạt điều kiện an toàn thực phẩm khi thẩm định thực tế'],
  },
  {
    code: '1.003001',
    name: 'Cấp giấy phép hành nghề khám bệnh, chữa bệnh',
    field: 'Khám bệnh, chữa bệnh',
    agencyCode: 'SYT',
    unit: 'days',
    amount: 30,
    policy: 'restart',
    extensionDays: 10,
    delayReason: 'Cần đối chiếu văn bằng chuyên môn với cơ sở đào tạo',
    weight: 2,
    applicants: 'person',
    onlineShare: 0.5,
    supplementNotes: ['Bổ sung giấy xác nhận quá trình thực hành khám bệnh, chữa bệnh'],
    rejectionNotes: ['Văn bằng chuyên môn không phù hợp với phạm vi hành nghề đề nghị'],
  },
  {
    code: '2.000190',
    name: 'Cấp Giấy chứng nhận xuất xứ hàng hóa ưu đãi (C/O)',
    field: 'Xuất nhập khẩu',
    agencyCode: 'SCT',
    unit: 'hours',
    amount: 8,
    policy: 'restart',
    extensionDays: 1,
    delayReason: 'Cần kiểm tra bổ sung tiêu chí xuất xứ của hàng hóa tại cơ sở sản xuất',
    weight: 6,
    applicants: 'organisation',
    onlineShare: 0.85,
    supplementNotes: ['Bổ sung bảng kê khai nguyên liệu đầu vào của hàng hóa xuất khẩu'],
    rejectionNotes: ['Hàng hóa không đáp ứng tiêu chí xuất xứ ưu đãi'],
  },
  {
    code: '2.000633',
    name: 'Cấp Giấy phép bán buôn sản phẩm rượu',
    field: 'Lưu thông hàng hóa trong nước',
    agencyCode: 'SCT',
    unit: 'days',
    amount: 15,
    policy: 'restart',
    extensionDays: 5,
    delayReason: 'Cần lấy ý kiến của cơ quan có liên quan về điều kiện kinh doanh của thương nhân',
    weight: 2,
    applicants: 'organisation',
    onlineShare: 0.6,
    supplementNotes: ['Bổ sung hợp đồng thuê kho chứa hàng'],
    rejectionNotes: ['Thương nhân không đáp ứng điều kiện về hệ thống phân phối sản phẩm rượu'],
  },
  {
    code: '1.001193',
    name: 'Đăng ký khai sinh',
    field: 'Hộ tịch',
    agencyCode: null,
    unit: 'same_day',
    amount: 0,
    policy: 'restart',
    extensionDays: 1,
    delayReason: 'Cần xác minh thông tin về cha, mẹ của người được đăng ký khai sinh',
    weight: 12,
    applicants: 'person',
    onlineShare: 0.3,
    supplementNotes: ['Bổ sung giấy chứng sinh bản chính'],
    rejectionNotes: ['Việc khai sinh không thuộc thẩm quyền đăng ký của Ủy ban nhân dân phường, xã nơi nộp hồ sơ'],
  },
  {
    code: '1.000894',
    name: 'Đăng ký kết hôn',
    field: 'Hộ tịch',
    agencyCode: null,
    unit: 'same_day',
    amount: 0,
    policy: 'restart',
    extensionDays: 5,
    delayReason: 'Cần xác minh tình trạng hôn nhân tại nơi cư trú trước đây của một bên',
    weight: 5,
    applicants: 'person',
    onlineShare: 0.25,
    supplementNotes: ['Bổ sung giấy xác nhận tình trạng hôn nhân còn thời hạn sử dụng'],
    rejectionNotes: ['Một bên chưa đủ tuổi kết hôn theo quy định của Luật Hôn nhân và gia đình'],
  },
  {
    code: '2.000815',
    name: 'Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam cấp hoặc chứng nhận',
    field: 'Chứng thực',
    agencyCode: null,
    unit: 'same_day',
    amount: 0,
    policy: 'restart',
    extensionDays: 1,
    delayReason: 'Số lượng bản sao cần chứng thực lớn, không thể trả kết quả trong ngày',
    weight: 16,
    applicants: 'both',
    onlineShare: 0.15,
    supplementNotes: ['Xuất trình bản chính để đối chiếu'],
    rejectionNotes: ['Bản chính bị tẩy xóa, sửa chữa, không được chứng thực bản sao'],
  },
  {
    code: '2.001019',
    name: 'Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở',
    field: 'Chứng thực',
    agencyCode: null,
    unit: 'hours',
    amount: 16,
    policy: 'restart',
    extensionDays: 1,
    delayReason: 'Cần xác minh thông tin về tài sản là đối tượng của hợp đồng',
    weight: 6,
    applicants: 'person',
    onlineShare: 0.1,
    supplementNotes: ['Bổ sung giấy tờ chứng minh quyền sở hữu tài sản'],
    rejectionNotes: ['Người yêu cầu chứng thực không đủ năng lực hành vi dân sự'],
  },
  {
    code: '1.010004',
    name: 'Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ',
    field: 'Hoạt động xây dựng',
    agencyCode: null,
    unit: 'days',
    amount: 15,
    policy: 'pause',
    extensionDays: 5,
    delayReason: 'Cần kiểm tra thực địa vị trí và ranh giới xây dựng',
    weight: 6,
    applicants: 'person',
    onlineShare: 0.4,
    supplementNotes: ['Bổ sung bản vẽ mặt bằng công trình trên lô đất', 'Bổ sung giấy tờ chứng minh quyền sử dụng đất'],
    rejectionNotes: ['Vị trí xây dựng nằm trong hành lang bảo vệ công trình thủy lợi'],
  },
];

function procedureInput(p: DemoProcedure, agencyIds: Map<string, number>): ProcedureInput {
  return {
    code: p.code,
    name: p.name,
    field: p.field,
    agencyId: p.agencyCode ? (agencyIds.get(p.agencyCode) as number) : null,
    timeUnit: p.unit,
    timeAmount: p.amount,
    sameDayCutoff: p.unit === 'same_day' ? SAME_DAY_CUTOFF : null,
    supplementPolicy: p.policy,
    defaultExtensionDays: p.extensionDays,
    defaultDelayReason: p.delayReason,
  };
}

// ---- people ---------------------------------------------------------------------------------

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Hoàng', 'Võ', 'Phan', 'Trương', 'Bùi', 'Đặng', 'Đỗ', 'Ngô', 'Hồ', 'Dương', 'Lý', 'Châu', 'Lâm', 'Thạch', 'Danh', 'Tô', 'Quách'];
const MIDDLE_M = ['Văn', 'Hữu', 'Quốc', 'Minh', 'Thanh', 'Hoàng', 'Đức', 'Công', 'Tấn'];
const MIDDLE_F = ['Thị', 'Ngọc', 'Kim', 'Thanh', 'Thị Mỹ', 'Thị Thu', 'Bảo', 'Hồng'];
const GIVEN_M = ['An', 'Bình', 'Cường', 'Dũng', 'Đạt', 'Hải', 'Hùng', 'Khang', 'Khoa', 'Lộc', 'Long', 'Nam', 'Nghĩa', 'Phát', 'Phúc', 'Quân', 'Sang', 'Tài', 'Thắng', 'Toàn', 'Trí', 'Tuấn', 'Vinh'];
const GIVEN_F = ['Anh', 'Châu', 'Diễm', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hương', 'Lan', 'Linh', 'Loan', 'Mai', 'Ngân', 'Nhung', 'Oanh', 'Phượng', 'Quyên', 'Tâm', 'Thảo', 'Trang', 'Trinh', 'Vy', 'Yến'];

const ORG_FORMS = ['Công ty TNHH', 'Công ty Cổ phần', 'Công ty TNHH MTV', 'Hợp tác xã', 'Hộ kinh doanh'];
const ORG_TRADES = ['Xây dựng', 'Thương mại Dịch vụ', 'Thực phẩm', 'Thủy sản', 'Nông sản', 'Đầu tư Phát triển', 'Vận tải', 'Dược phẩm', 'Đồ uống'];
const ORG_NAMES = ['Tây Đô', 'Phú Thịnh', 'Thành Phát', 'Hưng Lợi', 'Mekong Xanh', 'Sông Hậu', 'Bến Ninh', 'Phước An', 'Cửu Long Việt', 'Hậu Giang Xanh', 'Minh Khang', 'Trường Phát'];

const STREETS = ['30 Tháng 4', 'Nguyễn Văn Cừ', 'Trần Hưng Đạo', 'Mậu Thân', '3 Tháng 2', 'Hùng Vương', 'Cách Mạng Tháng 8', 'Trần Phú', 'Nguyễn Trãi', 'Lý Tự Trọng', 'Võ Văn Kiệt', 'Trần Văn Hoài'];
const WARDS = ['phường Ninh Kiều', 'phường Cái Khế', 'phường Tân An', 'phường An Bình', 'phường Cái Răng', 'phường Hưng Phú', 'phường Bình Thủy', 'phường Long Tuyền', 'phường Ô Môn', 'phường Thốt Nốt'];
const HAMLETS = ['ấp Nhơn Lộc', 'ấp Nhơn Thọ', 'ấp Tân Long', 'ấp Mỹ Ái', 'ấp Trường Thạnh'];
const MOBILE_PREFIXES = ['090', '091', '093', '094', '096', '097', '098', '086', '088', '089', '070', '076', '077', '078', '079', '081', '082', '083', '084', '085', '032', '033', '034', '035', '036', '037', '038', '039', '056', '058', '059'];

function personName(rng: Rng): string {
  const female = rng.chance(0.5);
  return `${rng.pick(FAMILY)} ${rng.pick(female ? MIDDLE_F : MIDDLE_M)} ${rng.pick(female ? GIVEN_F : GIVEN_M)}`.normalize('NFC');
}

function organisationName(rng: Rng): string {
  const form = rng.pick(ORG_FORMS);
  if (form === 'Hộ kinh doanh') return `Hộ kinh doanh ${rng.pick(ORG_NAMES)}`.normalize('NFC');
  return `${form} ${rng.pick(ORG_TRADES)} ${rng.pick(ORG_NAMES)}`.normalize('NFC');
}

function mobile(rng: Rng): string {
  let digits = rng.pick(MOBILE_PREFIXES);
  for (let i = 0; i < 7; i++) digits += String(rng.int(0, 9));
  const e164 = normalizeVnMobile(digits);
  if (!e164) throw new Error(`demo: generated an invalid mobile ${digits}`);
  return e164;
}

function slug(text: string, max: number): string {
  return foldForSearch(text).replace(/[^a-z0-9]/g, '').slice(0, max);
}

function emailOf(name: string, rng: Rng): string {
  const words = name.split(' ');
  const local = `${slug(words[words.length - 1], 12)}.${slug(words.slice(0, -1).join(''), 16)}${rng.int(1, 99)}`;
  const e = normalizeEmail(`${local}@example.com`);
  if (!e) throw new Error(`demo: generated an invalid e-mail for ${name}`);
  return e;
}

function addressOf(rng: Rng): string {
  if (rng.chance(0.2)) return `${rng.pick(HAMLETS)}, xã Phong Điền, thành phố Cần Thơ`;
  const lane = rng.chance(0.3) ? `${rng.int(1, 199)}/${rng.int(1, 60)}` : String(rng.int(1, 350));
  return `Số ${lane}, đường ${rng.pick(STREETS)}, ${rng.pick(WARDS)}, thành phố Cần Thơ`;
}

// ---- time -----------------------------------------------------------------------------------

const SECOND_MS = 1000;

/** A random whole-second instant inside the office hours of `day`, within [lo, hi]; null if there is none. */
function officeInstant(cal: WorkingCalendar, rng: Rng, day: DayNumber, lo: number, hi: number): number | null {
  const base = dayStartMs(day);
  const spans: [number, number][] = [];
  let total = 0;
  for (const seg of cal.segmentsOf(day)) {
    const a = Math.ceil(Math.max(lo, base + seg.start * MINUTE_MS) / SECOND_MS) * SECOND_MS;
    const b = Math.floor(Math.min(hi, base + seg.end * MINUTE_MS) / SECOND_MS) * SECOND_MS;
    if (b > a) {
      spans.push([a, b]);
      total += b - a;
    }
  }
  if (total <= 0) return null;
  let u = Math.floor(rng.float() * total);
  for (const [a, b] of spans) {
    if (u < b - a) return Math.floor((a + u) / SECOND_MS) * SECOND_MS;
    u -= b - a;
  }
  return spans[spans.length - 1][0];
}

// ---- scenarios ------------------------------------------------------------------------------

type OpenTimeliness = 'not_due' | 'due_today' | 'due_next' | 'overdue';

type Scenario =
  | { kind: 'open'; state: 'received' | 'processing'; timeliness: OpenTimeliness }
  | { kind: 'supplemented' }
  | { kind: 'waiting' }
  | { kind: 'closed'; state: 'resolved' | 'returned'; resolution: Resolution; supplement: boolean }
  | { kind: 'withdrawn'; fromWaiting: boolean }
  | { kind: 'rejected' };

/** The mix of the demo: mostly finished dossiers, a realistic share late or overdue, every state present. */
function scenarioMix(rng: Rng): Scenario[] {
  const out: Scenario[] = [];
  const add = (n: number, s: () => Scenario) => {
    for (let i = 0; i < n; i++) out.push(s());
  };
  const resolution = (): Resolution => {
    const u = rng.float();
    return u < 0.45 ? 'early' : u < 0.8 ? 'on_time' : 'late';
  };
  add(78, () => ({ kind: 'closed', state: 'returned', resolution: resolution(), supplement: rng.chance(0.15) }));
  add(8, () => ({ kind: 'closed', state: 'resolved', resolution: 'early', supplement: false }));
  add(8, () => ({ kind: 'closed', state: 'resolved', resolution: 'on_time', supplement: rng.chance(0.2) }));
  add(8, () => ({ kind: 'closed', state: 'resolved', resolution: 'late', supplement: rng.chance(0.2) }));
  add(18, () => ({ kind: 'open', state: 'processing', timeliness: 'not_due' }));
  add(10, () => ({ kind: 'open', state: 'received', timeliness: 'not_due' }));
  add(5, () => ({ kind: 'open', state: rng.chance(0.5) ? 'processing' : 'received', timeliness: 'due_today' }));
  add(7, () => ({ kind: 'open', state: rng.chance(0.7) ? 'processing' : 'received', timeliness: 'due_next' }));
  add(11, () => ({ kind: 'open', state: 'processing', timeliness: 'overdue' }));
  add(5, () => ({ kind: 'open', state: 'received', timeliness: 'overdue' }));
  add(8, () => ({ kind: 'supplemented' }));
  add(16, () => ({ kind: 'waiting' }));
  add(10, () => ({ kind: 'withdrawn', fromWaiting: rng.chance(0.4) }));
  add(8, () => ({ kind: 'rejected' }));
  if (out.length !== DEMO_DOSSIERS) throw new Error(`demo: the scenario mix has ${out.length} dossiers, expected ${DEMO_DOSSIERS}`);
  return rng.shuffle(out);
}

/** Days before today in which the acceptance day of a scenario is looked for. */
function acceptanceWindow(s: Scenario): [number, number] {
  switch (s.kind) {
    case 'open':
      return s.timeliness === 'not_due' ? [0, 35] : s.timeliness === 'overdue' ? [1, 90] : [0, 70];
    case 'supplemented':
      return [3, 60];
    case 'waiting':
      return [1, 45];
    case 'closed':
      return s.state === 'returned' ? [2, 92] : [1, 30];
    case 'withdrawn':
    case 'rejected':
      return [2, 92];
  }
}

interface PlannedEvent {
  kind: EventKind;
  at: number;
  note?: string;
}

/**
 * A dossier's life replayed in memory with the same rules the DossierService applies (due date,
 * pause and restart), so a plan can be checked against the scenario before anything is written.
 */
class Life {
  due: number | null;
  last: number;
  state: DossierState = 'received';
  events: PlannedEvent[] = [];
  private remaining: ProcessingTime | null = null;

  constructor(
    readonly cal: WorkingCalendar,
    readonly proc: Procedure,
    readonly acceptedAt: number,
    /** The deciding agency's apologyLeadWorkingDays: how far ahead "due soon" reaches. */
    readonly lead: number,
  ) {
    this.due = computeDue(cal, new Date(acceptedAt), procedureTime(proc)).getTime();
    this.last = acceptedAt;
  }

  apply(kind: EventKind, at: number, note?: string): void {
    switch (kind) {
      case 'processing_started':
        this.state = 'processing';
        break;
      case 'supplement_requested': {
        const unit = this.remaining?.unit ?? this.proc.timeUnit;
        this.remaining =
          this.proc.supplementPolicy === 'pause' && this.due !== null && unit !== 'same_day'
            ? remainingAfterPause(this.cal, new Date(at), new Date(this.due), unit)
            : null;
        this.due = null;
        this.state = 'waiting_supplement';
        break;
      }
      case 'supplement_received': {
        const time = this.remaining ?? procedureTime(this.proc);
        this.due = computeDue(this.cal, new Date(at), time).getTime();
        this.state = 'processing';
        break;
      }
      case 'resolved':
        this.state = 'resolved';
        break;
      case 'returned':
        this.state = 'returned';
        break;
      case 'withdrawn':
        this.state = 'withdrawn';
        break;
      case 'rejected':
        this.state = 'rejected';
        break;
    }
    this.events.push({ kind, at, note });
    this.last = at;
  }
}

const GAP_MS = 5 * MINUTE_MS;

class Planner {
  readonly today: DayNumber;

  constructor(
    private readonly rng: Rng,
    private readonly now: number,
  ) {
    this.today = localDayOf(new Date(now));
  }

  /**
   * An office instant between `minWd` and `maxWd` working days after the last event (0: the
   * same day), strictly after it and no later than `hi`; null if there is none.
   */
  later(life: Life, minWd: number, maxWd: number, hi = this.now): number | null {
    const from = localDayOf(new Date(life.last));
    const first = this.rng.int(minWd, maxWd);
    const order = [first];
    for (let k = first - 1; k >= minWd; k--) order.push(k);
    for (let k = first + 1; k <= maxWd; k++) order.push(k);
    for (const k of order) {
      const day = k === 0 ? from : life.cal.addWorkingDays(from, k);
      if (day > this.today) continue;
      const t = officeInstant(life.cal, this.rng, day, life.last + GAP_MS, Math.min(hi, this.now));
      if (t !== null) return t;
    }
    return null;
  }

  /** Resolves at a time that gives `want`, or returns false when this life leaves no such time. */
  resolve(life: Life, want: Resolution): boolean {
    if (life.due === null) return false;
    const due = life.due;
    const dueDay = localDayOf(new Date(due));
    const lo = life.last + GAP_MS;
    let at: number | null = null;
    if (want === 'on_time') {
      at = officeInstant(life.cal, this.rng, dueDay, lo, Math.min(due, this.now));
    } else if (want === 'early') {
      const days: DayNumber[] = [];
      for (let d = localDayOf(new Date(life.last)); d < dueDay && d <= this.today; d++) if (life.cal.isWorkingDay(d)) days.push(d);
      for (const d of this.rng.shuffle(days)) {
        at = officeInstant(life.cal, this.rng, d, lo, this.now);
        if (at !== null) break;
      }
    } else {
      const days: DayNumber[] = [];
      const lateBy = this.rng.int(1, life.proc.timeUnit === 'days' && life.proc.timeAmount >= 20 ? 12 : 5);
      for (let k = 0; k <= lateBy; k++) {
        const d = k === 0 ? dueDay : life.cal.addWorkingDays(dueDay, k);
        if (d <= this.today) days.push(d);
      }
      for (const d of days.reverse()) {
        at = officeInstant(life.cal, this.rng, d, Math.max(lo, due + MINUTE_MS), this.now);
        if (at !== null) break;
      }
    }
    if (at === null || resolutionOf(new Date(at), new Date(due)) !== want) return false;
    life.apply('resolved', at, want === 'late' ? life.proc.defaultDelayReason : undefined);
    return true;
  }

  private supplementRound(life: Life, notes: readonly string[], thenReceive: boolean): boolean {
    if (life.due === null) return false;
    // Requests for more papers come early in the period, before the due date.
    const asked = this.later(life, 1, 4, life.due - MINUTE_MS);
    if (asked === null) return false;
    life.apply('supplement_requested', asked, this.rng.pick(notes));
    if (!thenReceive) return true;
    const back = this.later(life, 1, 8);
    if (back === null) return false;
    life.apply('supplement_received', back);
    return true;
  }

  private start(life: Life, p: number): boolean {
    if (!this.rng.chance(p)) return true;
    const t = this.later(life, 0, 2);
    if (t === null) return false;
    life.apply('processing_started', t);
    return true;
  }

  /** Plays the scenario on a life accepted at `acceptedAt`; false if it cannot happen by `now`. */
  play(s: Scenario, life: Life, demo: DemoProcedure, channel: IntakeChannel): boolean {
    switch (s.kind) {
      case 'open': {
        if (s.state === 'processing' && !this.start(life, 1)) return false;
        const due = life.due as number;
        const t = timelinessAt(life.cal, new Date(this.now), new Date(due), life.lead);
        switch (s.timeliness) {
          case 'overdue':
            return due < this.now && this.now - due <= 21 * DAY_MS;
          case 'due_today':
            return t === 'due_soon' && localDayOf(new Date(due)) === this.today;
          case 'due_next':
            return t === 'due_soon' && localDayOf(new Date(due)) > this.today;
          case 'not_due':
            return t === 'not_due';
        }
        return false;
      }
      case 'supplemented':
        return this.start(life, 1) && this.supplementRound(life, demo.supplementNotes, true) && life.due !== null;
      case 'waiting':
        return this.start(life, 0.7) && this.supplementRound(life, demo.supplementNotes, false);
      case 'closed': {
        if (!this.start(life, 0.85)) return false;
        if (s.supplement && !this.supplementRound(life, demo.supplementNotes, true)) return false;
        if (!this.resolve(life, s.resolution)) return false;
        if (s.state === 'returned') {
          const t = this.later(life, 0, channel === 'counter' ? 4 : 2);
          if (t === null) return false;
          const note =
            channel === 'post'
              ? 'Đã gửi kết quả qua dịch vụ bưu chính công ích'
              : channel === 'online'
                ? 'Đã trả kết quả trực tuyến và bản giấy tại Bộ phận Một cửa'
                : 'Đã trả kết quả tại Bộ phận Một cửa';
          life.apply('returned', t, note);
        }
        return true;
      }
      case 'withdrawn': {
        if (!this.start(life, 0.5)) return false;
        if (s.fromWaiting && !this.supplementRound(life, demo.supplementNotes, false)) return false;
        const t = this.later(life, 1, s.fromWaiting ? 10 : 6);
        if (t === null) return false;
        life.apply('withdrawn', t, this.rng.pick(['Công dân có đơn xin rút hồ sơ', 'Người nộp đề nghị rút hồ sơ để hoàn thiện lại', 'Tổ chức có văn bản đề nghị dừng giải quyết và rút hồ sơ']));
        return true;
      }
      case 'rejected': {
        if (!this.start(life, 1)) return false;
        const t = this.later(life, 1, 6);
        if (t === null) return false;
        life.apply('rejected', t, this.rng.pick(demo.rejectionNotes));
        return true;
      }
    }
  }

  /**
   * Looks for an acceptance instant (office hours of the receiving unit, in the scenario's
   * window) whose replayed life matches the scenario.
   */
  acceptance(s: Scenario, demo: DemoProcedure, proc: Procedure, receivingCal: WorkingCalendar, decidingCal: WorkingCalendar, lead: number, channel: IntakeChannel): Life | null {
    const [minBack, maxBack] = acceptanceWindow(s);
    const days: DayNumber[] = [];
    for (let back = minBack; back <= maxBack; back++) days.push(this.today - back);
    for (const day of this.rng.shuffle(days)) {
      const at = officeInstant(receivingCal, this.rng, day, -Infinity, this.now);
      if (at === null) continue;
      const life = new Life(decidingCal, proc, at, lead);
      if (this.play(s, life, demo, channel)) return life;
    }
    return null;
  }
}

// ---- the seed -------------------------------------------------------------------------------

export async function isEmpty(s: Services): Promise<boolean> {
  return (await s.registry.listAgencies()).length === 0;
}

interface Prepared {
  input: DossierInput;
  events: PlannedEvent[];
}

function yymmdd(at: number): string {
  const { year, month, day } = dayToYmd(localDayOf(new Date(at)));
  return `${String(year % 100).padStart(2, '0')}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

export async function seedDemo(
  s: Services,
  now: Date,
): Promise<{ token: string; agencies: number; procedures: number; dossiers: number }> {
  const rng = new Rng(SEED);
  const nowMs = now.getTime();
  const actor = DEMO_ACTOR;

  const agencies = new Map<string, Agency>();
  for (const input of AGENCIES) agencies.set(input.code, await s.registry.createAgency(input, actor));
  const agencyIds = new Map([...agencies].map(([code, a]) => [code, a.id]));
  const procedures = new Map<string, Procedure>();
  for (const p of PROCEDURES) procedures.set(p.code, await s.registry.createProcedure(procedureInput(p, agencyIds), actor));

  const calendars = new Map<string, WorkingCalendar>();
  for (const [code, a] of agencies) calendars.set(code, await s.calendars.forAgency(a));

  const planner = new Planner(rng, nowMs);
  const prepared: Prepared[] = [];
  const fallbacks: Scenario[] = [
    { kind: 'closed', state: 'returned', resolution: 'on_time', supplement: false },
    { kind: 'closed', state: 'returned', resolution: 'early', supplement: false },
    { kind: 'closed', state: 'returned', resolution: 'late', supplement: false },
  ];

  for (const scenario of scenarioMix(rng)) {
    let done = false;
    for (const candidate of [scenario, ...fallbacks]) {
      for (const demo of rng.weightedOrder(PROCEDURES, (p) => p.weight)) {
        const proc = procedures.get(demo.code) as Procedure;
        const receivingCode = demo.agencyCode ? 'TTPVHCC' : rng.weightedOrder(COMMUNES, (c) => COMMUNE_WEIGHT[c])[0];
        const decidingCode = demo.agencyCode ?? receivingCode;
        const channel: IntakeChannel = rng.chance(demo.onlineShare) ? 'online' : rng.chance(0.12) ? 'post' : 'counter';
        const life = planner.acceptance(
          candidate,
          demo,
          proc,
          calendars.get(receivingCode) as WorkingCalendar,
          calendars.get(decidingCode) as WorkingCalendar,
          (agencies.get(decidingCode) as Agency).settings.apologyLeadWorkingDays,
          channel,
        );
        if (!life) continue;
        prepared.push({ input: dossierInput(rng, demo, receivingCode, channel, life.acceptedAt), events: life.events });
        done = true;
        break;
      }
      if (done) break;
    }
    if (!done) throw new Error(`demo: no dossier history fits before ${now.toISOString()}`);
  }

  // Receipt numbers run per receiving unit and day, in the order the dossiers were accepted.
  prepared.sort((a, b) => a.input.acceptedAt.getTime() - b.input.acceptedAt.getTime());
  const sequence = new Map<string, number>();
  for (const p of prepared) {
    const key = `${RECEIPT_PREFIX[p.input.receivingAgencyCode]}-${yymmdd(p.input.acceptedAt.getTime())}`;
    const n = (sequence.get(key) ?? 0) + 1;
    sequence.set(key, n);
    p.input.code = `${key}-${String(n).padStart(4, '0')}`;
  }

  // Replay in time order, so that record ids follow the order things happened.
  type Action = { at: number; order: number; run: () => Promise<unknown> };
  const actions: Action[] = [];
  let order = 0;
  for (const p of prepared) {
    actions.push({ at: p.input.acceptedAt.getTime(), order: order++, run: () => s.dossiers.create(p.input, actor) });
    for (const e of p.events) {
      actions.push({
        at: e.at,
        order: order++,
        run: () => s.dossiers.recordEvent(p.input.code, { kind: e.kind, occurredAt: new Date(e.at), note: e.note }, actor),
      });
    }
  }
  actions.sort((a, b) => a.at - b.at || a.order - b.order);
  for (const a of actions) await a.run();

  const { token } = await s.tokens.create('demo', null, DEMO_ACTOR);
  return { token, agencies: agencies.size, procedures: procedures.size, dossiers: prepared.length };
}

function dossierInput(rng: Rng, demo: DemoProcedure, receivingCode: string, channel: IntakeChannel, acceptedAt: number): DossierInput {
  const kind: ApplicantKind =
    demo.applicants === 'both' ? (rng.chance(0.25) ? 'organisation' : 'person') : demo.applicants;
  const name = kind === 'person' ? personName(rng) : organisationName(rng);
  const hasRepresentative = kind === 'organisation' ? rng.chance(0.7) : rng.chance(0.12);
  let representative: DossierInput['representative'] = null;
  if (hasRepresentative) {
    const repName = personName(rng);
    representative = {
      name: repName,
      phone: mobile(rng),
      ...(rng.chance(0.35) ? { email: emailOf(repName, rng) } : {}),
      ...(rng.chance(0.6) ? { address: addressOf(rng) } : {}),
    };
  }
  const phone = rng.chance(kind === 'person' ? (representative ? 0.5 : 0.93) : 0.6) ? mobile(rng) : undefined;
  const email =
    kind === 'organisation'
      ? rng.chance(0.85)
        ? `${slug(ORG_NAMES.find((n) => name.endsWith(n)) ?? name, 24)}${rng.int(1, 9)}@example.com`
        : undefined
      : rng.chance(0.3)
        ? emailOf(name, rng)
        : undefined;
  const reachable = { phone: Boolean(phone ?? representative?.phone), email: Boolean(email ?? representative?.email) };
  let submittedAt: Date | undefined;
  if (channel === 'online') submittedAt = new Date(acceptedAt - rng.int(15, 2 * 24 * 60) * MINUTE_MS);
  if (channel === 'post') submittedAt = new Date(acceptedAt - rng.int(1, 4) * DAY_MS - rng.int(0, 600) * MINUTE_MS);
  return {
    code: '', // numbered once every dossier is planned
    procedureCode: demo.code,
    receivingAgencyCode: receivingCode,
    applicant: { kind, name },
    representative,
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
    address: addressOf(rng),
    consent: {
      zalo: reachable.phone && rng.chance(0.65),
      email: reachable.email && rng.chance(0.85),
      sms: reachable.phone && rng.chance(0.3),
    },
    channel,
    ...(submittedAt ? { submittedAt } : {}),
    acceptedAt: new Date(acceptedAt),
  };
}
