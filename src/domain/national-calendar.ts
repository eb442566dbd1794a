/**
 * The government's yearly holiday decisions shipped with the product, as data. An administrator
 * can add or correct decisions at run time (the calendar table); these are the seed.
 *
 * Honesty rule: `estimate: false` only for days fixed by the law itself or by a decision the
 * domain reference lists as confirmed. Days recalled from press reports without the document
 * in hand are `estimate: true`, and `source` says so, so the admin page asks for confirmation.
 * Document numbers are not invented: where one is not recorded the source says so.
 *
 * Only days whose status changes are stored: weekdays off, Saturdays worked, and holidays
 * falling on a weekend (so they show in the year's list). The weekends inside a long Tết break
 * are ordinary rest days and are not repeated here.
 *
 * A decision about an occasion replaces the law-derived days of that occasion for that year,
 * so each occasion decided here lists all of its days, including the plain law holiday.
 */
import type { CalendarEntry, Occasion } from './holidays';

const LAW_112 = 'Bộ luật Lao động 2019, Điều 112, khoản 1';

function day(date: string, kind: 'off' | 'work', occasion: Occasion, name: string, source: string, estimate: boolean): CalendarEntry {
  return Object.freeze({ date, kind, occasion, name, source, estimate, agencyCode: null });
}

// ---- 2025 -----------------------------------------------------------------------------------

const TET_2025 =
  'Theo báo chí: phương án nghỉ Tết Âm lịch 2025 được Thủ tướng Chính phủ đồng ý, cán bộ, công chức, ' +
  'viên chức nghỉ từ thứ Bảy 25/01/2025 đến hết Chủ nhật 02/02/2025, hoán đổi ngày làm việc thứ Hai ' +
  '27/01/2025 sang thứ Bảy 08/02/2025; chưa đối chiếu văn bản gốc, số hiệu văn bản chưa ghi vào dữ liệu';
const TET_2025_LAW = `${LAW_112} (Tết Âm lịch 05 ngày: 29 tháng Chạp đến mùng 4); nằm trong kỳ nghỉ 25/01–02/02/2025 theo báo chí`;

const MAY_2025 =
  'Theo báo chí: nghỉ 05 ngày từ 30/4 đến hết 04/5/2025, hoán đổi ngày làm việc thứ Sáu 02/5/2025 sang ' +
  'thứ Bảy 26/4/2025; chưa đối chiếu văn bản gốc, số hiệu văn bản chưa ghi vào dữ liệu';

const QK_2025 =
  `${LAW_112} (02/9 và 01 ngày liền kề); theo báo chí, ngày liền kề năm 2025 là thứ Hai 01/9 ` +
  '(nghỉ từ thứ Bảy 30/8 đến hết thứ Ba 02/9/2025); chưa đối chiếu văn bản gốc';

const DECISIONS_2025: CalendarEntry[] = [
  day('2025-01-01', 'off', 'tet_duong_lich', 'Tết Dương lịch', LAW_112, false),

  day('2025-01-27', 'off', 'tet_am_lich', 'Tết Nguyên đán (nghỉ hoán đổi, làm bù thứ Bảy 08/02)', TET_2025, true),
  day('2025-01-28', 'off', 'tet_am_lich', 'Tết Nguyên đán (ngày cuối năm Âm lịch)', TET_2025_LAW, false),
  day('2025-01-29', 'off', 'tet_am_lich', 'Tết Nguyên đán (mùng 1)', TET_2025_LAW, false),
  day('2025-01-30', 'off', 'tet_am_lich', 'Tết Nguyên đán (mùng 2)', TET_2025_LAW, false),
  day('2025-01-31', 'off', 'tet_am_lich', 'Tết Nguyên đán (mùng 3)', TET_2025_LAW, false),
  // mùng 4 is a Saturday; the decision's 9-day break absorbs it, so no compensatory Monday 03/02.
  day('2025-02-01', 'off', 'tet_am_lich', 'Tết Nguyên đán (mùng 4)', TET_2025_LAW, false),
  day('2025-02-08', 'work', 'tet_am_lich', 'Làm bù cho ngày nghỉ thứ Hai 27/01 (Tết Nguyên đán)', TET_2025, true),

  day('2025-04-07', 'off', 'gio_to', 'Giỗ Tổ Hùng Vương (10/3 Âm lịch)', LAW_112, false),

  day('2025-04-26', 'work', 'quoc_te_lao_dong', 'Làm bù cho ngày nghỉ thứ Sáu 02/5', MAY_2025, true),
  day('2025-04-30', 'off', 'giai_phong', 'Ngày Giải phóng miền Nam, thống nhất đất nước (30/4)', LAW_112, false),
  day('2025-05-01', 'off', 'quoc_te_lao_dong', 'Ngày Quốc tế Lao động (1/5)', LAW_112, false),
  day('2025-05-02', 'off', 'quoc_te_lao_dong', 'Nghỉ hoán đổi dịp 30/4–1/5 (làm bù thứ Bảy 26/4)', MAY_2025, true),

  day('2025-09-01', 'off', 'quoc_khanh', 'Quốc khánh (ngày liền kề 01/9)', QK_2025, true),
  day('2025-09-02', 'off', 'quoc_khanh', 'Quốc khánh (2/9)', LAW_112, false),
];

// ---- 2026 -----------------------------------------------------------------------------------

const TDL_2026 =
  'Thủ tướng Chính phủ đồng ý phương án hoán đổi ngày làm việc dịp Tết Dương lịch 2026: nghỉ từ thứ Năm ' +
  '01/01 đến hết Chủ nhật 04/01/2026, nghỉ thứ Sáu 02/01 và làm bù thứ Bảy 10/01/2026 (số hiệu văn bản chưa ghi vào dữ liệu)';

const TET_2026 =
  `${LAW_112} (Tết Âm lịch 05 ngày); Thủ tướng Chính phủ đồng ý phương án nghỉ Tết Âm lịch 2026: nghỉ từ ` +
  'thứ Bảy 14/02 đến hết Chủ nhật 22/02/2026 (số hiệu văn bản chưa ghi vào dữ liệu)';

const GIO_TO_2026_COMP =
  'Bộ luật Lao động 2019, Điều 111, khoản 3: Giỗ Tổ Hùng Vương trùng Chủ nhật 26/04/2026 nên nghỉ bù ' +
  'thứ Hai 27/04/2026; áp dụng trực tiếp theo luật, chưa thấy thông báo riêng';

const DECISIONS_2026: CalendarEntry[] = [
  day('2026-01-01', 'off', 'tet_duong_lich', 'Tết Dương lịch', LAW_112, false),
  day('2026-01-02', 'off', 'tet_duong_lich', 'Tết Dương lịch (nghỉ hoán đổi, làm bù thứ Bảy 10/01)', TDL_2026, false),
  day('2026-01-10', 'work', 'tet_duong_lich', 'Làm bù cho ngày nghỉ thứ Sáu 02/01 (Tết Dương lịch)', TDL_2026, false),

  day('2026-02-16', 'off', 'tet_am_lich', 'Tết Nguyên đán (ngày cuối năm Âm lịch)', TET_2026, false),
  day('2026-02-17', 'off', 'tet_am_lich', 'Tết Nguyên đán (mùng 1)', TET_2026, false),
  day('2026-02-18', 'off', 'tet_am_lich', 'Tết Nguyên đán (mùng 2)', TET_2026, false),
  day('2026-02-19', 'off', 'tet_am_lich', 'Tết Nguyên đán (mùng 3)', TET_2026, false),
  day('2026-02-20', 'off', 'tet_am_lich', 'Tết Nguyên đán (mùng 4)', TET_2026, false),

  // The law settles it (no notice needed), so not an estimate; the source says no notice was seen.
  day('2026-04-26', 'off', 'gio_to', 'Giỗ Tổ Hùng Vương (10/3 Âm lịch)', LAW_112, false),
  day('2026-04-27', 'off', 'gio_to', 'Giỗ Tổ Hùng Vương (nghỉ bù)', GIO_TO_2026_COMP, false),

  day('2026-04-30', 'off', 'giai_phong', 'Ngày Giải phóng miền Nam, thống nhất đất nước (30/4)', LAW_112, false),
  day('2026-05-01', 'off', 'quoc_te_lao_dong', 'Ngày Quốc tế Lao động (1/5)', LAW_112, false),
  // Quốc khánh 2026: only proposals seen, so no entry — the law-derived estimate applies.
];

export const NATIONAL_DECISIONS: CalendarEntry[] = [...DECISIONS_2025, ...DECISIONS_2026];
