import assert from 'node:assert/strict';
import type { Agency } from '../../src/db/agencies';
import { DEFAULT_AGENCY_SETTINGS } from '../../src/domain/agency';
import type { Apology } from '../../src/db/apologies';
import type { Dossier } from '../../src/db/dossiers';
import type { Procedure } from '../../src/db/procedures';
import {
  citizenLink,
  citizenNotices,
  formatPhone,
  letterData,
  letterFields,
  markPreview,
  noticeData,
  onBehalfLine,
  pdfFileName,
  previewLetterNumber,
  type LetterFields,
} from '../../src/documents/apology-letter';
import type { RenderedNotice } from '../../src/documents/types';

const ms = (iso: string) => new Date(iso).getTime();

const AGENCY: Agency = {
  id: 1,
  code: 'SXD',
  name: 'Sở Xây dựng thành phố Cần Thơ',
  parentName: 'UBND THÀNH PHỐ CẦN THƠ',
  placeName: 'Cần Thơ',
  letterSymbol: 'PXL-SXD',
  level: 'department',
  contactEmail: null,
  contactPhone: null,
  address: '25 Lý Tự Trọng, phường Ninh Kiều',
  settings: DEFAULT_AGENCY_SETTINGS,
  createdAt: 0,
  updatedAt: 0,
};

const COUNTER: Agency = { ...AGENCY, id: 2, code: 'TTPVHCC', name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ', parentName: '', address: 'số 2 Hòa Bình' };

const PROCEDURE: Procedure = {
  id: 1,
  code: '1.009972',
  name: 'Cấp giấy phép xây dựng',
  field: 'Hoạt động xây dựng',
  agencyId: 1,
  timeUnit: 'days',
  timeAmount: 20,
  sameDayCutoff: null,
  supplementPolicy: 'pause',
  defaultExtensionDays: 5,
  defaultDelayReason: 'Hồ sơ cần thẩm định thêm tại hiện trường',
  createdAt: 0,
  updatedAt: 0,
} as Procedure;

function dossier(overrides: Partial<Dossier> = {}): Dossier {
  return {
    id: 7,
    code: 'H13.01-260212-0007',
    procedureId: 1,
    receivingAgencyId: 1,
    decidingAgencyId: 1,
    applicantKind: 'person',
    applicantName: 'Nguyễn Văn An',
    representativeName: null,
    representativePhone: null,
    representativeEmail: null,
    representativeAddress: null,
    phone: '+84912345678',
    email: 'an@example.vn',
    address: '12 Hòa Bình, Ninh Kiều',
    consentZalo: true,
    consentEmail: true,
    consentSms: false,
    channel: 'counter',
    submittedAt: null,
    acceptedAt: ms('2026-02-12T09:30:00+07:00'),
    clockStartedAt: ms('2026-02-12T09:30:00+07:00'),
    clockUnit: 'days',
    clockAmount: 20,
    originalDueAt: ms('2026-03-19T17:00:00+07:00'),
    currentDueAt: ms('2026-03-19T17:00:00+07:00'),
    deadlineVersion: 1,
    extensionsCount: 0,
    state: 'processing',
    resolution: null,
    resolvedAt: null,
    closedAt: null,
    searchText: '',
    contentHash: '',
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  } as Dossier;
}

const SETTLED = {
  reason: 'Cần lấy ý kiến của cơ quan, đơn vị có liên quan',
  responsibleUnit: 'Phòng Quản lý xây dựng',
  dueBefore: ms('2026-03-19T17:00:00+07:00'),
  newDueAt: ms('2026-03-26T17:00:00+07:00'),
  signerName: 'Trần Văn Bình',
  signerTitle: 'PHÓ GIÁM ĐỐC',
};

function apology(fields: LetterFields, overrides: Partial<Apology> = {}): Apology {
  return { ...fields, id: 42, citizenToken: 'tok', letterNumber: '05/PXL-SXD', ...overrides } as Apology;
}

const RENDERED: RenderedNotice = {
  emailSubject: 'Thông báo hẹn lại',
  emailHtml: '<p>Hẹn lại</p>',
  emailText: 'Hẹn lại',
  zaloParams: { code: 'H13.01-260212-0007' },
  sms: { text: 'Hẹn lại', encoding: 'UCS-2', segments: ['Hẹn lại'] },
  smsAscii: { text: 'Hen lai', encoding: 'GSM-7', segments: ['Hen lai'] },
  templateVersion: 'v1',
};

/** The issuing agency as citizenNotices sees it: its id and its channel settings. */
const ISSUER = { id: 1, settings: { ...DEFAULT_AGENCY_SETTINGS } };

describe('the apology letter’s content', () => {
  describe('who signs on whose behalf', () => {
    const cases: [string, string | null][] = [
      ['PHÓ GIÁM ĐỐC', 'KT. GIÁM ĐỐC'],
      ['  PHÓ CHỦ TỊCH  ', 'KT. CHỦ TỊCH'],
      ['GIÁM ĐỐC', null],
      ['CHỦ TỊCH', null],
    ];
    for (const [title, line] of cases) {
      it(`"${title.trim()}" signs ${line ? `"${line}"` : 'in their own name'}`, () => assert.equal(onBehalfLine(title), line));
    }
  });

  describe('a draft’s letter values', () => {
    it('go to the applicant, in the TT 03/2025 form, with the deputy signing for the head', () => {
      const f = letterFields(dossier(), SETTLED);
      assert.equal(f.recipientName, 'Nguyễn Văn An');
      assert.equal(f.toRepresentative, false);
      assert.equal(f.form, 'tt03-2025');
      assert.equal(f.signerOnBehalf, 'KT. GIÁM ĐỐC');
      assert.equal(f.reason, SETTLED.reason);
    });

    it('go to the authorised representative when there is one', () => {
      const f = letterFields(dossier({ applicantKind: 'organisation', applicantName: 'Công ty TNHH Hòa Bình', representativeName: 'Lê Thị Cúc' }), SETTLED);
      assert.equal(f.recipientName, 'Lê Thị Cúc');
      assert.equal(f.toRepresentative, true);
    });

    it('use the TT 01/2018 form for a dossier received before 1/7/2025', () => {
      assert.equal(letterFields(dossier({ acceptedAt: ms('2025-06-30T16:59:00+07:00') }), SETTLED).form, 'tt01-2018');
      assert.equal(letterFields(dossier({ acceptedAt: ms('2025-07-01T00:00:00+07:00') }), SETTLED).form, 'tt03-2025');
    });

    it('keep an on-behalf line the form gave, even an empty one', () => {
      assert.equal(letterFields(dossier(), { ...SETTLED, signerOnBehalf: null }).signerOnBehalf, null);
      assert.equal(letterFields(dossier(), { ...SETTLED, signerOnBehalf: 'TL. GIÁM ĐỐC' }).signerOnBehalf, 'TL. GIÁM ĐỐC');
    });
  });

  describe('the letter’s template data', () => {
    const now = new Date('2026-03-04T18:00:00Z'); // 01:00 on 05/03 in Vietnam

    it('dates the letter on the Vietnam-local day and writes the dates in words', () => {
      const data = letterData({ fields: letterFields(dossier(), SETTLED), dossier: dossier(), agency: AGENCY, receiving: AGENCY, procedure: PROCEDURE, letterNumber: '05/PXL-SXD', now });
      assert.equal(data.placeDateLine, 'Cần Thơ, ngày 05 tháng 3 năm 2026');
      assert.equal(data.dossier.originalDue, 'ngày 19 tháng 3 năm 2026');
      assert.equal(data.delay.newDue, 'ngày 26 tháng 3 năm 2026');
      assert.equal(data.dossier.acceptedAt, '09 giờ 30 phút, ngày 12 tháng 02 năm 2026');
      assert.equal(data.issuer.letterNumber, '05/PXL-SXD');
      assert.equal(data.archive, 'SXD');
      assert.deepEqual(data.signature, { onBehalf: 'KT. GIÁM ĐỐC', title: 'PHÓ GIÁM ĐỐC', name: 'Trần Văn Bình' });
    });

    it('addresses a person as Ông/Bà with their phone written as on paper', () => {
      const data = letterData({ fields: letterFields(dossier(), SETTLED), dossier: dossier(), agency: AGENCY, receiving: AGENCY, procedure: PROCEDURE, letterNumber: 'x', now });
      assert.deepEqual(data.addressee, { salutation: 'Ông/Bà', name: 'Nguyễn Văn An', address: '12 Hòa Bình, Ninh Kiều', phone: '0912 345 678', onBehalfOf: null });
    });

    it('names an organisation without Ông/Bà', () => {
      const d = dossier({ applicantKind: 'organisation', applicantName: 'Công ty TNHH Hòa Bình' });
      assert.equal(letterData({ fields: letterFields(d, SETTLED), dossier: d, agency: AGENCY, receiving: AGENCY, procedure: PROCEDURE, letterNumber: 'x', now }).addressee.salutation, '');
    });

    it('writes to the representative on behalf of the applicant, falling back to the applicant’s address and phone', () => {
      const d = dossier({ applicantKind: 'organisation', applicantName: 'Công ty TNHH Hòa Bình', representativeName: 'Lê Thị Cúc' });
      const data = letterData({ fields: letterFields(d, SETTLED), dossier: d, agency: AGENCY, receiving: AGENCY, procedure: PROCEDURE, letterNumber: 'x', now });
      assert.deepEqual(data.addressee, { salutation: 'Ông/Bà', name: 'Lê Thị Cúc', address: '12 Hòa Bình, Ninh Kiều', phone: '0912 345 678', onBehalfOf: 'Công ty TNHH Hòa Bình' });
      const own = dossier({ ...d, representativeAddress: '3 Mậu Thân', representativePhone: '+84987654321' });
      const ownData = letterData({ fields: letterFields(own, SETTLED), dossier: own, agency: AGENCY, receiving: AGENCY, procedure: PROCEDURE, letterNumber: 'x', now });
      assert.equal(ownData.addressee.address, '3 Mậu Thân');
      assert.equal(ownData.addressee.phone, '0987 654 321');
    });

    it('sends copies to the parent body and to a different receiving agency, which is where the result is returned', () => {
      const both = letterData({ fields: letterFields(dossier(), SETTLED), dossier: dossier(), agency: AGENCY, receiving: COUNTER, procedure: PROCEDURE, letterNumber: 'x', now });
      assert.deepEqual(both.recipients, ['UBND thành phố Cần Thơ (để báo cáo)', 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ (để phối hợp trả kết quả)']);
      assert.equal(both.delay.returnPlace, 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ, số 2 Hòa Bình');
      const none = letterData({ fields: letterFields(dossier(), SETTLED), dossier: dossier(), agency: COUNTER, receiving: COUNTER, procedure: PROCEDURE, letterNumber: 'x', now });
      assert.deepEqual(none.recipients, []);
      const noAddress = letterData({ fields: letterFields(dossier(), SETTLED), dossier: dossier(), agency: AGENCY, receiving: { ...AGENCY, address: null }, procedure: PROCEDURE, letterNumber: 'x', now });
      assert.equal(noAddress.delay.returnPlace, 'Sở Xây dựng thành phố Cần Thơ');
    });

    it('files the copy under the drafting unit of the agency’s settings ("Lưu: VT, QLXD"), else the abbreviation of its letter symbol, never the system code', () => {
      const base = { fields: letterFields(dossier(), SETTLED), dossier: dossier(), receiving: AGENCY, procedure: PROCEDURE, letterNumber: 'x', now };
      const set = letterData({ ...base, agency: { ...AGENCY, settings: { ...DEFAULT_AGENCY_SETTINGS, draftingUnit: 'QLXD' } } });
      assert.equal(set.archive, 'QLXD');
      const unset = letterData({ ...base, agency: { ...AGENCY, code: 'SO_XAY_DUNG', letterSymbol: 'PXL-SXD' } });
      assert.equal(unset.archive, 'SXD', 'without the setting, the symbol after "PXL-" names the unit');
    });

    it('keeps the time of the original due date when the procedure counts in working hours', () => {
      const hours = dossier({ clockUnit: 'hours', clockAmount: 8 });
      const settled = { ...SETTLED, dueBefore: ms('2026-03-19T15:30:00+07:00') };
      const data = letterData({ fields: letterFields(hours, settled), dossier: hours, agency: AGENCY, receiving: AGENCY, procedure: PROCEDURE, letterNumber: 'x', now });
      assert.equal(data.dossier.originalDue, '15 giờ 30 phút, ngày 19 tháng 3 năm 2026');
      const days = letterData({ fields: letterFields(dossier(), settled), dossier: dossier(), agency: AGENCY, receiving: AGENCY, procedure: PROCEDURE, letterNumber: 'x', now });
      assert.equal(days.dossier.originalDue, 'ngày 19 tháng 3 năm 2026', 'a procedure counted in days gives the day alone');
    });

    it('leaves a preview’s number blank before the symbol, as on a paper draft', () => {
      assert.equal(previewLetterNumber(AGENCY), '     /PXL-SXD');
    });
  });

  describe('the notice', () => {
    it('carries the letter’s facts in short form and the citizen’s link', () => {
      const a = apology(letterFields(dossier(), SETTLED));
      const link = citizenLink('https://henlai.example.vn', a);
      assert.equal(link, 'https://henlai.example.vn/c/tok');
      assert.deepEqual(noticeData({ apology: a, dossier: dossier(), agency: AGENCY, receiving: AGENCY, procedure: PROCEDURE, letterNumber: '05/PXL-SXD', link }), {
        agencyName: 'Sở Xây dựng thành phố Cần Thơ',
        recipientName: 'Nguyễn Văn An',
        dossierCode: 'H13.01-260212-0007',
        procedureName: 'Cấp giấy phép xây dựng',
        oldDue: '19/03/2026',
        newDue: '26/03/2026',
        reason: SETTLED.reason,
        returnPlace: 'Sở Xây dựng thành phố Cần Thơ, 25 Lý Tự Trọng, phường Ninh Kiều',
        link,
        letterNumber: '05/PXL-SXD',
      });
    });

    const now = new Date('2026-03-20T02:00:00Z');
    const cases: { name: string; d: Partial<Dossier>; channel: string; recipient: string; email: string | null }[] = [
      { name: 'Zalo when the citizen agreed to it and has a phone', d: {}, channel: 'zalo', recipient: '+84912345678', email: 'an@example.vn' },
      { name: 'e-mail when they did not agree to Zalo', d: { consentZalo: false }, channel: 'email', recipient: 'an@example.vn', email: 'an@example.vn' },
      { name: 'e-mail when they have no phone', d: { phone: null }, channel: 'email', recipient: 'an@example.vn', email: 'an@example.vn' },
      { name: 'the counter when no channel is agreed', d: { consentZalo: false, consentEmail: false }, channel: 'print', recipient: '+84912345678', email: null },
      { name: 'the counter, with no number to call, when there is no contact at all', d: { phone: null, email: null }, channel: 'print', recipient: '', email: null },
      { name: 'SMS when they agreed to SMS but not to Zalo', d: { consentZalo: false, consentSms: true }, channel: 'sms', recipient: '+84912345678', email: 'an@example.vn' },
    ];
    for (const c of cases) {
      it(`goes on one channel: ${c.name}`, () => {
        const d = dossier(c.d);
        const notices = citizenNotices(apology(letterFields(d, SETTLED)), d, ISSUER, RENDERED, now);
        assert.equal(notices.length, 1);
        const [n] = notices;
        assert.equal(n.channel, c.channel);
        assert.equal(n.recipient, c.recipient);
        assert.equal(n.businessKey, `apology:42:${c.channel}:${c.channel === 'print' ? 'counter' : c.recipient}`);
        assert.equal(n.audience, 'citizen');
        assert.equal(n.kind, 'new_appointment');
        assert.equal(n.notBefore, now.getTime());
        assert.equal(n.apologyId, 42);
        assert.equal(n.dossierId, 7);
        assert.deepEqual((n.payload.contact as { email: string | null }).email, c.email, 'e-mail is a fallback only with consent');
      });
    }

    it('goes to the representative’s contact, and carries every rendering for a fallback', () => {
      const d = dossier({ representativeName: 'Lê Thị Cúc', representativePhone: '+84987654321', representativeEmail: 'cuc@example.vn' });
      const [n] = citizenNotices(apology(letterFields(d, SETTLED)), d, ISSUER, RENDERED, now);
      assert.equal(n.recipient, '+84987654321');
      assert.deepEqual(n.payload, {
        zalo: { params: RENDERED.zaloParams },
        email: { subject: RENDERED.emailSubject, html: RENDERED.emailHtml, text: RENDERED.emailText },
        sms: RENDERED.smsAscii,
        contact: { phone: '+84987654321', email: 'cuc@example.vn' },
        route: [
          { channel: 'zalo', recipient: '+84987654321' },
          { channel: 'email', recipient: 'cuc@example.vn' },
          { channel: 'print', recipient: '+84987654321' },
        ],
        templateVersion: 'v1',
      });
    });

    it('follows the agency’s channel order and sends the SMS without diacritics unless the agency chose Unicode', () => {
      const d = dossier({ consentSms: true });
      const smsFirst = { id: 1, settings: { ...DEFAULT_AGENCY_SETTINGS, noticeChannels: ['sms' as const, 'zalo' as const, 'email' as const] } };
      const [n] = citizenNotices(apology(letterFields(d, SETTLED)), d, smsFirst, RENDERED, now);
      assert.equal(n.channel, 'sms', 'the agency put SMS first');
      assert.deepEqual((n.payload.route as { channel: string }[]).map((s) => s.channel), ['sms', 'zalo', 'email', 'print'], 'every later step is on the notice');
      assert.deepEqual(n.payload.sms, RENDERED.smsAscii, 'by default the registered text without diacritics (one GSM-7 segment)');
      const unicode = { id: 1, settings: { ...DEFAULT_AGENCY_SETTINGS, smsUnicode: true } };
      assert.deepEqual(citizenNotices(apology(letterFields(d, SETTLED)), d, unicode, RENDERED, now)[0].payload.sms, RENDERED.sms, 'Unicode where the agency chose it');
    });
  });

  describe('files and previews', () => {
    it('marks a preview with a banner right after <body>', () => {
      const html = markPreview('<html><body class="a4"><p>Thư</p></body></html>');
      assert.match(html, /^<html><body class="a4"><div [^>]*>BẢN XEM TRƯỚC — CHƯA BAN HÀNH, CHƯA CÓ SỐ<\/div><p>Thư<\/p>/);
    });

    it('names the PDF after the letter’s number, or the apology’s id before it has one', () => {
      assert.equal(pdfFileName({ id: 42, letterNumber: '05/PXL-SXD' }), 'thu-xin-loi-05-PXL-SXD.pdf');
      assert.equal(pdfFileName({ id: 42, letterNumber: null }), 'thu-xin-loi-42.pdf');
    });

    const phones: [string | null, string | null][] = [
      ['+84912345678', '0912 345 678'],
      ['+842923820000', '02923820000'],
      [null, null],
    ];
    for (const [e164, paper] of phones) {
      it(`writes ${e164 ?? 'no phone'} as ${paper ?? 'nothing'}`, () => assert.equal(formatPhone(e164), paper));
    }
  });
});
