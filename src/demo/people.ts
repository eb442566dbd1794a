/**
 * The demo's applicants: people and organisations of Cần Thơ with made-up names, addresses,
 * random valid-looking mobiles and example.com e-mail addresses, and what they asked for.
 */
import type { ApplicantKind, IntakeChannel } from '../db/dossiers';
import { foldForSearch, normalizeEmail, normalizeVnMobile } from '../domain/contact';
import { DAY_MS, MINUTE_MS } from '../domain/time';
import type { DossierInput } from '../services/dossiers';
import type { DemoProcedure } from './catalogue';
import type { Rng } from './random';

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

export function personName(rng: Rng): string {
  const female = rng.chance(0.5);
  return `${rng.pick(FAMILY)} ${rng.pick(female ? MIDDLE_F : MIDDLE_M)} ${rng.pick(female ? GIVEN_F : GIVEN_M)}`.normalize('NFC');
}

export function organisationName(rng: Rng): string {
  const form = rng.pick(ORG_FORMS);
  if (form === 'Hộ kinh doanh') return `Hộ kinh doanh ${rng.pick(ORG_NAMES)}`.normalize('NFC');
  return `${form} ${rng.pick(ORG_TRADES)} ${rng.pick(ORG_NAMES)}`.normalize('NFC');
}

export function mobile(rng: Rng): string {
  let digits = rng.pick(MOBILE_PREFIXES);
  for (let i = 0; i < 7; i++) digits += String(rng.int(0, 9));
  const e164 = normalizeVnMobile(digits);
  if (!e164) throw new Error(`demo: generated an invalid mobile ${digits}`);
  return e164;
}

function slug(text: string, max: number): string {
  return foldForSearch(text).replace(/[^a-z0-9]/g, '').slice(0, max);
}

export function emailOf(name: string, rng: Rng): string {
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

/** A dossier as received (its code is given once every dossier is planned), with a new applicant. */
export function dossierInput({ rng, demo, receivingCode, channel, acceptedAt }: {
  rng: Rng;
  demo: DemoProcedure;
  receivingCode: string;
  channel: IntakeChannel;
  acceptedAt: number;
}): DossierInput {
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
