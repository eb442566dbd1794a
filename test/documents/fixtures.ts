/** Sample documents for the tests and the benchmark: a Cần Thơ TTPVHCC letter and its notice. */
import path from 'node:path';
import type { LetterData, NoticeData } from '../../src/documents/types';

export const TEMPLATES_DIR = path.resolve(__dirname, '../../templates');

export function letterData(overrides: Partial<LetterData> = {}): LetterData {
  return {
    form: 'tt03-2025',
    issuer: {
      parentName: 'Ủy ban nhân dân thành phố Cần Thơ',
      name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ',
      letterNumber: '05/PXL-TTPVHCC',
    },
    placeDateLine: 'Cần Thơ, ngày 05 tháng 3 năm 2026',
    addressee: {
      salutation: 'Ông/Bà',
      name: 'Nguyễn Văn An',
      address: '12 đường 30 Tháng 4, phường Ninh Kiều, thành phố Cần Thơ',
      phone: '0912 345 678',
      onBehalfOf: null,
    },
    dossier: {
      code: 'H13.01-260212-0007',
      procedureName: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
      acceptedAt: '09 giờ 30 phút, ngày 12 tháng 02 năm 2026',
      originalDue: 'ngày 19 tháng 3 năm 2026',
    },
    delay: {
      responsibleUnit: 'Sở Xây dựng thành phố Cần Thơ',
      reason: 'Cần lấy ý kiến thẩm định bổ sung của cơ quan quản lý đê điều',
      newDue: 'ngày 26 tháng 3 năm 2026',
      returnPlace: 'Bộ phận Một cửa, Trung tâm Phục vụ hành chính công thành phố Cần Thơ, số 2 Hòa Bình, phường Ninh Kiều',
    },
    signature: { onBehalf: 'KT. GIÁM ĐỐC', title: 'PHÓ GIÁM ĐỐC', name: 'Trần Thị Bích Ngọc' },
    recipients: ['Văn phòng UBND thành phố (để b/c)', 'Sở Xây dựng'],
    archive: 'TTPVHCC',
    ...overrides,
  };
}

export function noticeData(overrides: Partial<NoticeData> = {}): NoticeData {
  return {
    agencyName: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ',
    recipientName: 'Nguyễn Văn An',
    dossierCode: 'H13.01-260212-0007',
    procedureName: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
    oldDue: '19/03/2026',
    newDue: '26/03/2026',
    reason: 'Cần lấy ý kiến thẩm định bổ sung của cơ quan quản lý đê điều',
    returnPlace: 'Bộ phận Một cửa, số 2 Hòa Bình, phường Ninh Kiều',
    link: 'https://henlai.cantho.gov.vn/x/9f2c4a1b',
    letterNumber: '05/PXL-TTPVHCC',
    ...overrides,
  };
}

/** The name from design.md's escaping rule: must show literally, never as markup. */
export const HOSTILE_NAME = '<b>Lê</b> & "Trần"';
