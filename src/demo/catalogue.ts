/**
 * The demo's agencies and procedures: Cần Thơ after the 1/7/2025 reorganisation (two levels of
 * local government: the city and its wards/communes; districts abolished). One provincial service
 * centre (TTPVHCC) receiving for five departments, three ward/commune People's Committees that
 * receive and decide their own procedures, and fourteen procedures.
 *
 * Names, numbers and procedure codes are made up for the demo: the codes follow the national
 * format (e.g. 1.001193) but are illustrative, not checked against the national procedure
 * database.
 */
import type { AgencyInput } from '../db/agencies';
import { DEFAULT_AGENCY_SETTINGS, type AgencySettings } from '../domain/agency';
import type { ProcedureInput, SupplementPolicy, TimeUnit } from '../db/procedures';

const CITY = 'UBND thành phố Cần Thơ';
const CITY_PLACE = 'Cần Thơ';

/**
 * The place-and-date line names the administrative unit where the issuing body sits (NĐ 30/2020):
 * the city for its departments and centre, the ward or commune itself for its People's Committee.
 */
function agency(input: Omit<AgencyInput, 'placeName' | 'settings'> & { placeName?: string; settings: Partial<AgencySettings> }): AgencyInput {
  return { ...input, placeName: input.placeName ?? CITY_PLACE, settings: { ...DEFAULT_AGENCY_SETTINGS, ...input.settings } };
}

/**
 * Departments' documents carry the city's People's Committee as parent agency (cơ quan chủ
 * quản). A ward or commune People's Committee is itself a local state body that issues its own
 * documents, with no parent line in its header (Nghị định 30/2020: "nếu có").
 */
export const AGENCIES: AgencyInput[] = [
  agency({
    code: 'TTPVHCC',
    name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ',
    parentName: CITY,
    letterSymbol: 'PXL-TTPVHCC',
    level: 'center',
    contactEmail: 'ttpvhcc@cantho.example',
    contactPhone: '0292 3700 100',
    address: 'phường Ninh Kiều, thành phố Cần Thơ',
    settings: { draftingUnit: 'TNTKQ', signerName: 'Trần Minh Khoa', signerTitle: 'PHÓ GIÁM ĐỐC', publicBoard: true },
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
    settings: { draftingUnit: 'QLXD', signerName: 'Lê Hoàng Phúc', signerTitle: 'PHÓ GIÁM ĐỐC' },
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
    settings: { draftingUnit: 'HCTP', signerName: 'Nguyễn Thị Thu Hương', signerTitle: 'PHÓ GIÁM ĐỐC' },
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
    settings: { draftingUnit: 'QLĐĐ', signerName: 'Phạm Quốc Bảo', signerTitle: 'PHÓ GIÁM ĐỐC', apologyMode: 'review', apologyLeadWorkingDays: 2 },
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
    settings: { draftingUnit: 'NVY', signerName: 'Võ Thanh Tâm', signerTitle: 'PHÓ GIÁM ĐỐC' },
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
    settings: { draftingUnit: 'QLTM', signerName: 'Huỳnh Ngọc Lan', signerTitle: 'PHÓ GIÁM ĐỐC' },
  }),
  agency({
    code: 'NINHKIEU',
    name: 'UBND phường Ninh Kiều',
    parentName: '',
    letterSymbol: 'PXL-UBND',
    placeName: 'Ninh Kiều',
    level: 'commune',
    contactEmail: 'ninhkieu@cantho.example',
    contactPhone: '0292 3700 301',
    address: 'phường Ninh Kiều, thành phố Cần Thơ',
    // The busiest ward keeps its one-stop counter open on Saturday mornings.
    settings: { draftingUnit: 'VP', signerName: 'Đặng Văn Hùng', signerTitle: 'PHÓ CHỦ TỊCH', officeHours: { sat: ['07:30-11:30'] }, publicBoard: true },
  }),
  agency({
    code: 'CAIRANG',
    name: 'UBND phường Cái Răng',
    parentName: '',
    letterSymbol: 'PXL-UBND',
    placeName: 'Cái Răng',
    level: 'commune',
    contactEmail: 'cairang@cantho.example',
    contactPhone: '0292 3700 302',
    address: 'phường Cái Răng, thành phố Cần Thơ',
    settings: { draftingUnit: 'VP', signerName: 'Bùi Thị Mai', signerTitle: 'PHÓ CHỦ TỊCH' },
  }),
  agency({
    code: 'PHONGDIEN',
    name: 'UBND xã Phong Điền',
    parentName: '',
    letterSymbol: 'PXL-UBND',
    placeName: 'Phong Điền',
    level: 'commune',
    contactEmail: 'phongdien@cantho.example',
    contactPhone: '0292 3700 303',
    address: 'xã Phong Điền, thành phố Cần Thơ',
    settings: { draftingUnit: 'VP', signerName: 'Thạch Văn Sơn', signerTitle: 'PHÓ CHỦ TỊCH' },
  }),
];

export const COMMUNES = ['NINHKIEU', 'CAIRANG', 'PHONGDIEN'] as const;
export const COMMUNE_WEIGHT: Record<(typeof COMMUNES)[number], number> = { NINHKIEU: 5, CAIRANG: 3, PHONGDIEN: 2 };
/** Prefix of receipt numbers, per receiving unit: the city's code in the national portal (H13) and the unit. */
export const RECEIPT_PREFIX: Record<string, string> = { TTPVHCC: 'H13.TTPV', NINHKIEU: 'H13.NK', CAIRANG: 'H13.CR', PHONGDIEN: 'H13.PD' };

export interface DemoProcedure {
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

export const PROCEDURES: DemoProcedure[] = [
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

export function procedureInput(p: DemoProcedure, agencyIds: Map<string, number>): ProcedureInput {
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
