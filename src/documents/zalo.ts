/**
 * Zalo ZNS template parameters for the new-appointment notice, by our canonical names, each
 * within Zalo's maximum length (zalo.md: name 30, code 30, date 20, custom label 30, URL 200),
 * counted in characters after NFC. Zalo rejects an over-long value (-1121) rather than
 * truncating it, so every value is fitted here, in a way a citizen still recognises:
 *
 * - a person's name keeps the family name and the given name and abbreviates the middle names
 *   ("Nguyễn Thị Minh Khai Phương Linh" → "Nguyễn T. M. K. P. Linh"); an organisation's name
 *   uses the usual abbreviations ("Công ty trách nhiệm hữu hạn" → "Cty TNHH");
 * - the agency's name uses the administration's own abbreviations ("Trung tâm Phục vụ hành
 *   chính công" → "TTPVHCC", "Ủy ban nhân dân" → "UBND", "thành phố" → "TP.") unless the agency
 *   gave a short name;
 * - a dossier code keeps its head and its tail (the serial number) around "…";
 * - only then, as a last resort, a value is cut and ends with "…".
 * A date or a link that does not fit is an error: cutting it would send a wrong date or a
 * broken link.
 */
import { TemplateDataError } from './errors';
import type { NoticeData } from './types';

export const ZALO_LIMITS = {
  customer_name: 30,
  dossier_code: 30,
  old_date: 20,
  new_date: 20,
  agency_name: 30,
  link: 200,
} as const;

export type ZaloParamName = keyof typeof ZALO_LIMITS;

/** Characters as Zalo counts them: code points of the NFC form. */
export function zaloLength(s: string): number {
  return [...s.normalize('NFC')].length;
}

const ELLIPSIS = '…';

/** Cut to `max` characters, the last being "…"; never inside a surrogate pair. */
export function truncate(s: string, max: number): string {
  const chars = [...s.normalize('NFC')];
  if (chars.length <= max) return chars.join('');
  return `${chars.slice(0, Math.max(0, max - 1)).join('').trimEnd()}${ELLIPSIS}`;
}

const collapse = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

/** Abbreviations used in administrative Vietnamese, tried in order until the name fits. */
const AGENCY_ABBREVIATIONS: Array<[RegExp, string]> = [
  [/trung tâm phục vụ hành chính công/giu, 'TTPVHCC'],
  [/nông nghiệp và môi trường/giu, 'NN&MT'],
  [/tài nguyên và môi trường/giu, 'TN&MT'],
  [/kế hoạch và đầu tư/giu, 'KH&ĐT'],
  [/lao động - thương binh và xã hội/giu, 'LĐ-TB&XH'],
  [/giao thông vận tải/giu, 'GTVT'],
  [/văn hóa, thể thao và du lịch/giu, 'VH-TT&DL'],
  [/khoa học và công nghệ/giu, 'KH&CN'],
  [/giáo dục và đào tạo/giu, 'GD&ĐT'],
  [/công an/giu, 'CA'],
  [/(ủy|uỷ) ban nhân dân/giu, 'UBND'],
  [/bộ phận (tiếp nhận và trả kết quả|một cửa)/giu, 'BP Một cửa'],
  [/văn phòng đăng ký đất đai/giu, 'VPĐKĐĐ'],
  [/chi nhánh/giu, 'CN'],
  [/thành phố/giu, 'TP.'],
  [/hồ chí minh/giu, 'HCM'],
  [/phường/giu, 'P.'],
];

const ORGANISATION_ABBREVIATIONS: Array<[RegExp, string]> = [
  [/công ty trách nhiệm hữu hạn/giu, 'Cty TNHH'],
  [/công ty cổ phần/giu, 'Cty CP'],
  [/trách nhiệm hữu hạn/giu, 'TNHH'],
  [/cổ phần/giu, 'CP'],
  [/một thành viên/giu, 'MTV'],
  [/doanh nghiệp tư nhân/giu, 'DNTN'],
  [/hợp tác xã/giu, 'HTX'],
  [/công ty/giu, 'Cty'],
  [/xuất nhập khẩu/giu, 'XNK'],
  [/thương mại/giu, 'TM'],
  [/dịch vụ/giu, 'DV'],
  [/xây dựng/giu, 'XD'],
  ...AGENCY_ABBREVIATIONS,
];

const ORGANISATION =
  /^(công ty|cty|doanh nghiệp|hợp tác xã|htx|chi nhánh|văn phòng|tổ chức|hộ kinh doanh|ngân hàng|trường|bệnh viện|(ủy|uỷ) ban|ubnd|hội|tổng công ty|tập đoàn)(?=\s|$)/iu;

function abbreviate(s: string, rules: Array<[RegExp, string]>, max: number): string {
  let out = collapse(s);
  for (const [re, short] of rules) {
    if (zaloLength(out) <= max) break;
    out = collapse(out.replace(re, short));
  }
  return zaloLength(out) <= max ? out : truncate(out, max);
}

/** "Minh" → "M.", "đức" → "Đ." */
function initial(word: string): string {
  const first = [...word][0] ?? '';
  return `${first.toLocaleUpperCase('vi')}.`;
}

/**
 * A name within `max` characters. Person: "Nguyễn Thị Minh Khai Phương Linh" (32) →
 * "Nguyễn T. M. K. P. Linh"; organisation: common abbreviations; then "…" as a last resort.
 */
export function shortenName(name: string, max = ZALO_LIMITS.customer_name): string {
  const full = collapse(name);
  if (zaloLength(full) <= max) return full;
  if (ORGANISATION.test(full)) return abbreviate(full, ORGANISATION_ABBREVIATIONS, max);
  const words = full.split(' ');
  if (words.length >= 3) {
    const family = words[0];
    const given = words[words.length - 1];
    const initials = words.slice(1, -1).map(initial);
    const short = [family, ...initials, given].join(' ');
    if (zaloLength(short) <= max) return short;
    // Still too long (many middle names): keep the family and given names, drop initials from the right.
    for (let k = initials.length - 1; k >= 0; k--) {
      const candidate = `${[family, ...initials.slice(0, k)].join(' ')}${ELLIPSIS} ${given}`;
      if (zaloLength(candidate) <= max) return candidate;
    }
    return truncate(short, max);
  }
  return truncate(full, max);
}

/** The agency as a 30-character label: its own short name when it has one, else abbreviated. */
export function shortenAgencyName(name: string, shortName?: string | null, max = ZALO_LIMITS.agency_name): string {
  if (shortName && shortName.trim() && zaloLength(collapse(shortName)) <= max) return collapse(shortName);
  return abbreviate(name, AGENCY_ABBREVIATIONS, max);
}

/** A code within `max`: head + "…" + tail, since the tail (serial number) tells dossiers apart. */
export function shortenCode(code: string, max = ZALO_LIMITS.dossier_code): string {
  const chars = [...collapse(code)];
  if (chars.length <= max) return chars.join('');
  const tail = Math.floor((max - 1) / 2);
  const head = max - 1 - tail;
  return `${chars.slice(0, head).join('')}${ELLIPSIS}${chars.slice(chars.length - tail).join('')}`;
}

function exact(field: string, value: string, max: number): string {
  const v = collapse(value);
  if (zaloLength(v) > max) {
    throw new TemplateDataError(field, 'zalo', `Dữ liệu "${field}" dài ${zaloLength(v)} ký tự, Zalo chỉ nhận tối đa ${max}: không thể cắt bớt (${v})`);
  }
  return v;
}

/** The ZNS parameters of a new-appointment notice; `data` already NFC (DocumentRenderer does it). */
export function zaloParams(data: NoticeData): Record<ZaloParamName, string> {
  return {
    customer_name: shortenName(data.recipientName, ZALO_LIMITS.customer_name),
    dossier_code: shortenCode(data.dossierCode, ZALO_LIMITS.dossier_code),
    old_date: exact('oldDue', data.oldDue, ZALO_LIMITS.old_date),
    new_date: exact('newDue', data.newDue, ZALO_LIMITS.new_date),
    agency_name: shortenAgencyName(data.agencyName, data.agencyShortName, ZALO_LIMITS.agency_name),
    link: exact('link', data.link, ZALO_LIMITS.link),
  };
}
