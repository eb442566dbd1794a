/**
 * Made-up dossier facts for the administrators' template preview: the agency's own header,
 * symbol and signer with an invented applicant, so that a template can be checked before any
 * real letter is issued with it.
 */
import type { Agency } from '../db/agencies';
import type { LetterForm } from '../domain/apology';
import type { DayNumber } from '../domain/time';
import { agencyNameInText, dateInWords, letterNumber, placeDateLine, shortDate } from '../domain/vn-format';
import { archiveUnit } from './apology-letter';
import type { LetterData, NoticeData } from './types';

const SAMPLE = {
  applicant: 'Nguyễn Văn An (dữ liệu mẫu)',
  address: '12 đường 30 Tháng 4, phường Ninh Kiều, thành phố Cần Thơ',
  phone: '0912 345 678',
  dossierCode: 'MAU-000001',
  procedureName: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
  reason: 'Cần lấy ý kiến thẩm định bổ sung của cơ quan chuyên môn',
};
const UNSET = '(chưa đặt trong thiết lập cơ quan)';

function returnPlace(agency: Agency): string {
  return agency.address ? `${agency.name}, ${agency.address}` : agency.name;
}

/** A letter dated `today`, accepted 20 days earlier, originally due 5 days ago and moved 5 days on. */
export function sampleLetterData(agency: Agency, form: LetterForm, today: DayNumber): LetterData {
  return {
    form,
    issuer: { parentName: agency.parentName, name: agency.name, letterNumber: letterNumber(1, agency.letterSymbol) },
    placeDateLine: placeDateLine(agency.placeName, today),
    addressee: { salutation: 'Ông/Bà', name: SAMPLE.applicant, address: SAMPLE.address, phone: SAMPLE.phone, onBehalfOf: null },
    dossier: {
      code: SAMPLE.dossierCode,
      procedureName: SAMPLE.procedureName,
      acceptedAt: `09 giờ 30 phút, ${dateInWords(today - 20)}`,
      originalDue: dateInWords(today - 5),
    },
    delay: { responsibleUnit: agency.name, reason: SAMPLE.reason, newDue: dateInWords(today + 5), returnPlace: returnPlace(agency) },
    signature: { onBehalf: null, title: agency.settings.signerTitle ?? UNSET, name: agency.settings.signerName ?? UNSET },
    recipients: agency.parentName ? [`${agencyNameInText(agency.parentName)} (để báo cáo)`] : [],
    archive: archiveUnit(agency),
  };
}

export function sampleNoticeData(agency: Agency, today: DayNumber, publicBaseUrl: string): NoticeData {
  return {
    agencyName: agency.name,
    recipientName: SAMPLE.applicant,
    dossierCode: SAMPLE.dossierCode,
    procedureName: SAMPLE.procedureName,
    oldDue: shortDate(today - 5),
    newDue: shortDate(today + 5),
    reason: SAMPLE.reason,
    returnPlace: returnPlace(agency),
    link: `${publicBaseUrl}/c/mau-xem-truoc`,
    letterNumber: letterNumber(1, agency.letterSymbol),
  };
}
