/**
 * The new-appointment notice: e-mail (subject, HTML, text), SMS and Zalo ZNS parameters. Text
 * outputs are not HTML, so citizen data appears in them as-is; Zalo values are fitted to Zalo's
 * maximum lengths, counted after NFC.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TemplateDataError } from '../../src/documents/errors';
import { DocumentRenderer } from '../../src/documents/renderer';
import { shortenAgencyName, shortenCode, shortenName, ZALO_LIMITS, zaloLength, zaloParams } from '../../src/documents/zalo';
import { HOSTILE_NAME, noticeData, TEMPLATES_DIR } from './fixtures';

describe('documents: new-appointment notice (DocumentRenderer.renderNotice)', () => {
  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });

  it('says who apologises, the dossier, the old and new date, where to collect and the link, in every channel', () => {
    const n = renderer.renderNotice('TTPVHCC', noticeData());
    assert.equal(n.emailSubject, 'TTPVHCC thành phố Cần Thơ xin lỗi và hẹn lại ngày trả kết quả hồ sơ H13.01-260212-0007: 26/03/2026');
    assert.ok(!/[\r\n]/.test(n.emailSubject), 'a subject is one line');
    for (const [channel, text] of [
      ['e-mail text', n.emailText],
      ['e-mail HTML', n.emailHtml],
    ] as const) {
      for (const needle of ['Trung tâm Phục vụ hành chính công thành phố Cần Thơ', 'H13.01-260212-0007', '19/03/2026', '26/03/2026', 'số 2 Hòa Bình', 'https://henlai.cantho.gov.vn/x/9f2c4a1b', 'Cần lấy ý kiến thẩm định', '05/PXL-TTPVHCC']) {
        assert.ok(text.includes(needle), `the ${channel} must contain "${needle}"`);
      }
    }
    assert.match(n.emailHtml, /<a href="https:\/\/henlai\.cantho\.gov\.vn\/x\/9f2c4a1b"/, 'the e-mail HTML links to the letter');
    assert.match(n.emailHtml, /max-width:600px/, 'the e-mail is a single column at most 600 px wide');
    assert.ok(!/<style/i.test(n.emailHtml), 'mail clients drop <style>: styles are inline');
    for (const needle of ['H13.01-260212-0007', '26/03/2026', 'https://henlai.cantho.gov.vn/x/9f2c4a1b']) {
      assert.ok(n.sms.text.includes(needle), `the SMS must contain "${needle}"`);
      assert.ok(n.smsAscii.text.includes(needle), `the SMS without diacritics must contain "${needle}"`);
    }
    assert.match(n.templateVersion, /^[0-9a-f]{16}$/);
  });

  it('writes the SMS as a registered brandname template: without diacritics it is one 160-character GSM-7 segment with a real citizen link', () => {
    // A real link: PUBLIC_BASE_URL of a province's portal and a 32-character citizen token.
    const link = 'https://dichvucong.cantho.gov.vn/c/Q2FuVGhvLUhlbkxhaS0yMDI2LTAzLTEw';
    const { sms, smsAscii } = renderer.renderNotice('TTPVHCC', noticeData({ link }));
    assert.equal(smsAscii.text, `Ho so H13.01-260212-0007 tre hen. Ngay hen moi 26/03/2026. Chi tiet: ${link}`);
    assert.equal(smsAscii.encoding, 'GSM-7');
    assert.equal(smsAscii.segments.length, 1, `the province pays for one SMS, not ${smsAscii.segments.length} (${smsAscii.text.length} characters)`);
    assert.equal(sms.text, `Hồ sơ H13.01-260212-0007 trễ hẹn. Ngày hẹn mới 26/03/2026. Chi tiết: ${link}`);
    assert.equal(sms.encoding, 'UCS-2', 'with diacritics the SMS is Unicode');
    assert.equal(sms.segments.join(''), sms.text);
    assert.ok(sms.segments.length > 1 && sms.segments.every((s) => s.length <= 67), 'Unicode parts hold 67 characters each');
  });

  it(`keeps ${HOSTILE_NAME} literal: escaped in the e-mail HTML, as-is in text, SMS and Zalo`, () => {
    const n = renderer.renderNotice('TTPVHCC', noticeData({ recipientName: HOSTILE_NAME, reason: 'Thiếu <bản vẽ> & "chữ ký"' }));
    assert.ok(n.emailHtml.includes('&lt;b&gt;Lê&lt;/b&gt; &amp; &quot;Trần&quot;'), 'escaped in the HTML e-mail');
    assert.ok(!n.emailHtml.includes('<b>Lê</b>'), 'never as markup in the HTML e-mail');
    assert.ok(n.emailText.includes(`Kính gửi ${HOSTILE_NAME},`), `as-is in the text e-mail (not "&lt;b&gt;"): ${n.emailText.split('\n')[0]}`);
    assert.ok(n.emailText.includes('Thiếu <bản vẽ> & "chữ ký"'), 'the reason as-is in the text e-mail');
    assert.equal(n.zaloParams.customer_name, HOSTILE_NAME, 'Zalo gets the name as-is');
    const smsN = renderer.renderNotice('TTPVHCC', noticeData({ agencyShortName: HOSTILE_NAME, dossierCode: HOSTILE_NAME }));
    assert.ok(smsN.sms.text.startsWith(`Hồ sơ ${HOSTILE_NAME} trễ hẹn`), `the SMS shows it as-is: ${smsN.sms.text}`);
    assert.ok(smsN.emailSubject.startsWith(HOSTILE_NAME), 'the subject shows it as-is');
  });

  it("an agency's own SMS wording (override) changes only its notices and their version", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-overrides-'));
    try {
      fs.mkdirSync(path.join(dir, 'UBNDNK', 'notices'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'UBNDNK', 'notices', 'sms.hbs'), 'UBND phường Ninh Kiều hẹn lại hồ sơ {{dossierCode}} vào ngày {{newDue}}.\n');
      const r = new DocumentRenderer({ templatesDir: TEMPLATES_DIR, overridesDir: dir });
      const own = r.renderNotice('UBNDNK', noticeData());
      const other = r.renderNotice('TTPVHCC', noticeData());
      assert.equal(own.sms.text, 'UBND phường Ninh Kiều hẹn lại hồ sơ H13.01-260212-0007 vào ngày 26/03/2026.');
      assert.equal(other.sms.text, renderer.renderNotice('TTPVHCC', noticeData()).sms.text, 'another agency keeps the shipped SMS');
      assert.equal(other.templateVersion, renderer.renderNotice('TTPVHCC', noticeData()).templateVersion);
      assert.notEqual(own.templateVersion, other.templateVersion, 'changed wording, new version');
      assert.equal(own.emailText, other.emailText, 'the other channels are untouched');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails loudly on a missing field, a non-http link or a link too long for Zalo', () => {
    const data = noticeData() as unknown as Record<string, unknown>;
    delete data.newDue;
    assert.throws(() => renderer.renderNotice('TTPVHCC', data as never), (e: unknown) => e instanceof TemplateDataError && e.field === 'newDue');
    assert.throws(() => renderer.renderNotice('TTPVHCC', noticeData({ reason: '' })), /"reason" để trống/);
    assert.throws(() => renderer.renderNotice('TTPVHCC', noticeData({ link: 'javascript:alert(1)' })), (e: unknown) => e instanceof TemplateDataError && e.field === 'link');
    assert.throws(() => renderer.renderNotice('TTPVHCC', noticeData({ link: `https://x.vn/${'a'.repeat(200)}` })), (e: unknown) => e instanceof TemplateDataError && e.field === 'link');
  });
});

describe('documents: Zalo ZNS parameters (zalo.ts)', () => {
  it('maps a notice to the six parameters, every one a string within its limit after NFC', () => {
    const long = noticeData({
      recipientName: 'Nguyễn Thị Minh Khai Phương Linh'.normalize('NFD'),
      dossierCode: '000.00.12.H13-260212-0007/ABCDEFGHIJKLMNOPQRSTUVWXYZ-0000123',
      agencyName: 'Ủy ban nhân dân phường Ninh Kiều thành phố Cần Thơ',
    });
    const params = zaloParams({ ...long, recipientName: long.recipientName.normalize('NFC') });
    assert.deepEqual(Object.keys(params).sort(), ['agency_name', 'customer_name', 'dossier_code', 'link', 'new_date', 'old_date']);
    for (const [name, value] of Object.entries(params)) {
      assert.equal(typeof value, 'string');
      const max = ZALO_LIMITS[name as keyof typeof ZALO_LIMITS];
      assert.ok(zaloLength(value) <= max, `${name} = "${value}" has ${zaloLength(value)} characters, Zalo allows ${max}`);
      assert.equal(value, value.normalize('NFC'), `${name} must be NFC`);
    }
    // Through the renderer, which also normalises the NFD name first.
    const viaRenderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR }).renderNotice('TTPVHCC', long).zaloParams;
    assert.equal(viaRenderer.customer_name, 'Nguyễn T. M. K. P. Linh');
    assert.equal(viaRenderer.agency_name, 'UBND P. Ninh Kiều TP. Cần Thơ');
    assert.equal(viaRenderer.dossier_code, '000.00.12.H13-2…UVWXYZ-0000123', 'a long code keeps its head and its serial-number tail');
  });

  describe('shortening a name a citizen still recognises', () => {
    const cases: Array<[string, string, string]> = [
      ['Nguyễn Văn An', 'Nguyễn Văn An', 'a short name is left alone'],
      ['Tôn Nữ Thị Hoàng Anh Phương', 'Tôn Nữ Thị Hoàng Anh Phương', '27 characters: fits'],
      ['Nguyễn Thị Minh Khai Phương An', 'Nguyễn Thị Minh Khai Phương An', 'exactly 30 characters: fits'],
      ['Nguyễn Thị Minh Khai Phương Lan', 'Nguyễn T. M. K. P. Lan', '31 characters: one too many'],
      ['Nguyễn Thị Minh Khai Phương Linh', 'Nguyễn T. M. K. P. Linh', 'family + given name kept, middle names abbreviated'],
      ['Nguyễn Thị Minh Khai Phương Linh Hoàng Thùy Dương Thanh', 'Nguyễn T. M. K. P. L.… Thanh', 'too many middle names: family and given name still kept'],
      ['Công ty trách nhiệm hữu hạn một thành viên Xây dựng Hoàng Long', 'Cty TNHH MTV XD Hoàng Long', 'an organisation uses the usual abbreviations'],
      ['Abcdefghijklmnopqrstuvwxyzabcdefgh Lê', 'Abcdefghijklmnopqrstuvwxyzabc…', 'last resort: cut with "…"'],
    ];
    for (const [input, expected, why] of cases) {
      it(`${input} → ${expected} (${why})`, () => {
        const out = shortenName(input);
        if (zaloLength(input) <= 30) assert.equal(out, input, 'a name within 30 characters must not change');
        else assert.equal(out, expected);
        assert.ok(zaloLength(out) <= 30, `"${out}" has ${zaloLength(out)} characters`);
      });
    }

    it('counts characters after NFC: a 30-character name typed in NFD is not shortened', () => {
      const name = 'Nguyễn Thị Hồng Nhung Thủy Tiên'.slice(0, 30).trim();
      const nfd = name.normalize('NFD');
      assert.ok(nfd.length > 30 && zaloLength(nfd) <= 30, 'the test name must be longer than 30 code units in NFD but not in NFC');
      assert.equal(shortenName(nfd), name.normalize('NFC'));
    });

    it('agency names use administrative abbreviations, or the short name the agency gave', () => {
      assert.equal(shortenAgencyName('Trung tâm Phục vụ hành chính công thành phố Cần Thơ'), 'TTPVHCC thành phố Cần Thơ');
      assert.equal(shortenAgencyName('Sở Nông nghiệp và Môi trường thành phố Hồ Chí Minh'), 'Sở NN&MT thành phố Hồ Chí Minh');
      assert.equal(shortenAgencyName('Ủy ban nhân dân xã Tân Phú', 'UBND xã Tân Phú'), 'UBND xã Tân Phú');
      assert.equal(shortenAgencyName('Ủy ban nhân dân xã Tân Phú', 'x'.repeat(31)), 'Ủy ban nhân dân xã Tân Phú', 'a short name over the limit is ignored');
    });

    it('codes keep head and tail', () => {
      assert.equal(shortenCode('H13.01-260212-0007'), 'H13.01-260212-0007');
      const c = shortenCode('A'.repeat(20) + 'B'.repeat(20) + '-0042');
      assert.equal(zaloLength(c), 30);
      assert.ok(c.endsWith('-0042') && c.startsWith('AAAA') && c.includes('…'));
    });
  });
});
