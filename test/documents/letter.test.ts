/**
 * The apology letter as HTML: every element letter-layout.md requires, the right title per form,
 * strict templates (a missing value names the field), escaping, NFC, agency overrides and the
 * template version.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LETTER_FIELDS } from '../../src/documents/data';
import { TemplateDataError, TemplateError } from '../../src/documents/errors';
import { DocumentRenderer } from '../../src/documents/renderer';
import type { LetterData } from '../../src/documents/types';
import { placeDateLine } from '../../src/domain/vn-format';
import { ymdToDay } from '../../src/domain/time';
import { HOSTILE_NAME, letterData, TEMPLATES_DIR } from './fixtures';

const TT03_TITLE = 'VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT';
const TT01_TITLE = 'PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ';

/** What a reader sees: tags and the stylesheet removed, entities decoded, whitespace collapsed. */
function visibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<title>[\s\S]*?<\/title>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function assertContains(haystack: string, needle: string, what: string): void {
  assert.ok(haystack.includes(needle), `expected the letter to show ${what}: "${needle}"\n--- letter text ---\n${haystack.slice(0, 3000)}`);
}

/** A deep copy with one field (dotted path) removed. */
function without(data: LetterData, field: string): LetterData {
  const copy = structuredClone(data) as unknown as Record<string, unknown>;
  const parts = field.split('.');
  let cur = copy;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  delete cur[parts[parts.length - 1]];
  return copy as unknown as LetterData;
}

function withValue(data: LetterData, field: string, value: unknown): LetterData {
  const copy = structuredClone(data) as unknown as Record<string, unknown>;
  const parts = field.split('.');
  let cur = copy;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  cur[parts[parts.length - 1]] = value;
  return copy as unknown as LetterData;
}

const tempDirs: string[] = [];

function tempOverrides(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-overrides-'));
  tempDirs.push(dir);
  return dir;
}

function writeOverride(root: string, agency: string, rel: string, content: string): string {
  const file = path.join(root, agency, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

describe('documents: apology letter HTML (DocumentRenderer.renderLetter)', () => {
  const renderer = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
  after(() => {
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [form, title, otherTitle] of [
    ['tt03-2025', TT03_TITLE, TT01_TITLE],
    ['tt01-2018', TT01_TITLE, TT03_TITLE],
  ] as const) {
    describe(`form ${form}`, () => {
      const data = letterData({ form });
      let html = '';
      let text = '';
      before(() => {
        html = renderer.renderLetter('TTPVHCC', data).html;
        text = visibleText(html);
      });

      it('is a complete standalone HTML document in Vietnamese, UTF-8, with the font embedded', () => {
        assert.ok(html.startsWith('<!doctype html>'), `the letter must start with <!doctype html>, it starts with: ${JSON.stringify(html.slice(0, 60))}`);
        assert.match(html, /<html lang="vi">/, 'the <html> element must say lang="vi"');
        assert.match(html, /<meta charset="utf-8">/, 'the document must declare <meta charset="utf-8">');
        for (const [weight, style] of [
          ['400', 'normal'],
          ['400', 'italic'],
          ['700', 'normal'],
          ['700', 'italic'],
        ]) {
          const face = new RegExp(`@font-face\\{font-family:'Tinos';font-style:${style};font-weight:${weight};[^}]*src:url\\(data:font/woff2;base64,`);
          assert.match(html, face, `the Tinos ${weight} ${style} face must be embedded as a data: URL, so the letter prints the same everywhere`);
        }
        assert.match(html, /@page\s*\{\s*size:\s*A4/, 'the stylesheet must set @page size A4');
        assert.match(html, /margin:\s*20mm 15mm 20mm 30mm/, 'the page margins must be 20/15/20/30 mm (NĐ 30/2020)');
        assert.match(html, /@page :first\s*\{\s*@top-center\s*\{\s*content:\s*none/, 'page 1 must carry no page number');
        assert.match(html, /@top-center\s*\{\s*content:\s*counter\(page\)/, 'pages from 2 on must carry their number in the top margin');
      });

      it(`carries the title of ${form} and not the other form's`, () => {
        assertContains(text, title, 'the form title');
        assert.ok(!text.includes(otherTitle), `a ${form} letter must not carry the other form's title "${otherTitle}"`);
      });

      it('shows the issuer: parent agency and issuing agency in upper case, number, place and date', () => {
        assertContains(text, 'ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ', 'the parent agency in upper case');
        assertContains(text, 'TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ CẦN THƠ', 'the issuing agency in upper case');
        assertContains(text, 'Số: 05/PXL-TTPVHCC', 'the number and symbol');
        assertContains(text, 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'the national title');
        assertContains(text, 'Độc lập - Tự do - Hạnh phúc', 'the motto');
        assertContains(text, 'Cần Thơ, ngày 05 tháng 3 năm 2026', 'the place-date line');
      });

      it('addresses the applicant with address and phone', () => {
        assertContains(text, 'Kính gửi: Ông/Bà Nguyễn Văn An', 'the "Kính gửi" line');
        assertContains(text, '12 đường 30 Tháng 4, phường Ninh Kiều, thành phố Cần Thơ', 'the address');
        assertContains(text, '0912 345 678', 'the phone number');
      });

      it('states the dossier: code, procedure, time accepted, original due date', () => {
        assertContains(text, 'H13.01-260212-0007', 'the dossier code');
        assertContains(text, 'Cấp giấy phép xây dựng nhà ở riêng lẻ', 'the procedure (nội dung yêu cầu giải quyết)');
        assertContains(text, '09 giờ 30 phút, ngày 12 tháng 02 năm 2026', 'the time the dossier was accepted');
        assertContains(text, 'ngày 19 tháng 3 năm 2026', 'the original appointment date');
      });

      it('states the delay: responsible unit, reason, apology, new date and place of return', () => {
        assertContains(text, 'Sở Xây dựng thành phố Cần Thơ', 'the unit responsible');
        assertContains(text, 'Cần lấy ý kiến thẩm định bổ sung của cơ quan quản lý đê điều.', 'the reason, ending with one full stop');
        assertContains(text, 'xin lỗi Ông/Bà', 'the apology');
        assertContains(text, 'ngày 26 tháng 3 năm 2026', 'the new appointment date');
        assertContains(text, 'số 2 Hòa Bình, phường Ninh Kiều', 'the place of return');
        assertContains(text, 'thông cảm', 'the closing request for understanding');
      });

      it('ends with the signature block and "Nơi nhận" as the decree lays them out', () => {
        assertContains(text, 'KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC', 'the authority and title');
        assertContains(text, 'Trần Thị Bích Ngọc', 'the signer');
        assertContains(text, 'Nơi nhận: - Như trên; - Văn phòng UBND thành phố (để b/c); - Sở Xây dựng; - Lưu: VT, TTPVHCC.', 'the recipients list');
        assert.match(html, /class="signer-space"/, 'there must be room for the signature and seal');
      });

      it('is NFC and its version is 16 hex digits', () => {
        assert.equal(html, html.normalize('NFC'), 'the letter HTML must be in Unicode NFC');
        assert.match(renderer.renderLetter('TTPVHCC', data).templateVersion, /^[0-9a-f]{16}$/);
      });
    });
  }

  it('writes dates with the leading-zero rules of NĐ 30/2020 (via vn-format)', () => {
    for (const [y, m, d, expected] of [
      [2026, 3, 5, 'Cần Thơ, ngày 05 tháng 3 năm 2026'],
      [2026, 2, 15, 'Cần Thơ, ngày 15 tháng 02 năm 2026'],
    ] as const) {
      const line = placeDateLine('Cần Thơ', ymdToDay(y, m, d));
      assert.equal(line, expected, 'vn-format.placeDateLine');
      const text = visibleText(renderer.renderLetter('TTPVHCC', letterData({ placeDateLine: line })).html);
      assertContains(text, expected, 'the place-date line exactly as formatted');
    }
  });

  it('addresses an authorised representative on behalf of the applicant', () => {
    const data = letterData({
      addressee: { salutation: 'Ông/Bà', name: 'Lê Thị Hồng', address: null, phone: null, onBehalfOf: 'Ông Nguyễn Văn An' },
    });
    for (const form of ['tt03-2025', 'tt01-2018'] as const) {
      const text = visibleText(renderer.renderLetter('TTPVHCC', { ...data, form }).html);
      assertContains(text, 'Kính gửi: Ông/Bà Lê Thị Hồng (người được ủy quyền của Ông Nguyễn Văn An)', 'the representative and whom they act for');
      assertContains(text, 'hồ sơ của Ông Nguyễn Văn An do Ông/Bà Lê Thị Hồng nộp theo ủy quyền', 'whose dossier it is');
      assert.ok(!text.includes('Địa chỉ:'), 'with no address there must be no empty "Địa chỉ:" line');
      assert.ok(!text.includes('Điện thoại:'), 'with no phone there must be no empty "Điện thoại:" line');
    }
  });

  it('addresses an organisation without "Ông/Bà", and a commune agency without a parent line', () => {
    const data = letterData({
      issuer: { parentName: '', name: 'Ủy ban nhân dân phường Ninh Kiều', letterNumber: '07/PXL-UBND' },
      addressee: { salutation: '', name: 'Công ty TNHH Xây dựng Hoàng Long', address: null, phone: null, onBehalfOf: null },
      signature: { onBehalf: null, title: 'Chủ tịch', name: 'Phạm Văn Bình' },
    });
    const { html } = renderer.renderLetter('UBNDNK', data);
    const text = visibleText(html);
    assertContains(text, 'Kính gửi: Công ty TNHH Xây dựng Hoàng Long', 'the organisation as addressee');
    assertContains(text, 'Quý cơ quan, tổ chức', 'the organisation addressed as "Quý cơ quan, tổ chức"');
    assert.ok(!text.includes('Ông/Bà'), 'an organisation must not be called "Ông/Bà"');
    assert.ok(!html.includes('class="parent-agency"'), 'no parent agency line when parentName is empty');
    assertContains(text, 'ỦY BAN NHÂN DÂN PHƯỜNG NINH KIỀU', 'the issuing agency in upper case');
    assertContains(text, 'CHỦ TỊCH Phạm Văn Bình', 'the head signing in person: title in upper case, no "KT."');
  });

  describe('strict templates: a missing value stops the letter and names the field', () => {
    const base = letterData();

    it('a field missing from the data', () => {
      assert.throws(
        () => renderer.renderLetter('TTPVHCC', without(base, 'delay.reason')),
        (e: unknown) =>
          e instanceof TemplateDataError &&
          e.field === 'delay.reason' &&
          e.message === 'Thiếu dữ liệu "delay.reason" khi dựng mẫu letters/tt03-2025',
        'a letter without delay.reason must throw TemplateDataError: Thiếu dữ liệu "delay.reason" khi dựng mẫu letters/tt03-2025',
      );
    });

    it('a nullable field must still be present (null), not left out', () => {
      assert.throws(() => renderer.renderLetter('TTPVHCC', without(base, 'addressee.address')), /"addressee\.address"/);
    });

    it('every required field: missing or blank throws naming it, never renders a blank', () => {
      const required = Object.entries(LETTER_FIELDS).filter(([, kind]) => kind === 'text').map(([f]) => f);
      assert.ok(required.length >= 15, 'the list of required letter fields looks too short');
      for (const field of required) {
        if (field === 'form') continue;
        assert.throws(() => renderer.renderLetter('TTPVHCC', without(base, field)), (e: unknown) => e instanceof TemplateDataError && e.field === field, `missing ${field} must throw naming "${field}"`);
        assert.throws(() => renderer.renderLetter('TTPVHCC', withValue(base, field, '  ')), (e: unknown) => e instanceof TemplateDataError && e.field === field && /để trống/.test(e.message), `a blank ${field} must throw naming "${field}"`);
      }
      assert.throws(() => renderer.renderLetter('TTPVHCC', withValue(base, 'recipients', ['Sở Xây dựng', ''])), /"recipients\.1"/);
      assert.throws(() => renderer.renderLetter('TTPVHCC', withValue(base, 'delay.reason', undefined)), /"delay\.reason"/, 'undefined counts as missing');
    });

    it('a field that only an override template uses (Handlebars strict mode)', () => {
      const dir = tempOverrides();
      writeOverride(dir, 'TTPVHCC', 'letters/tt03-2025.hbs', '<p>Phí: {{dossier.fee}}</p>\n');
      const r = new DocumentRenderer({ templatesDir: TEMPLATES_DIR, overridesDir: dir });
      assert.throws(
        () => r.renderLetter('TTPVHCC', base),
        (e: unknown) => e instanceof TemplateDataError && e.field === 'dossier.fee' && e.message.startsWith('Thiếu dữ liệu "dossier.fee" khi dựng mẫu letters/tt03-2025'),
        'an override using {{dossier.fee}} must fail naming "dossier.fee"',
      );
    });

    it('a missing field inside a partial, and one passed to a helper, are named too', () => {
      const dir = tempOverrides();
      writeOverride(dir, 'TTPVHCC', 'partials/signature.hbs', '<p>{{signature.name}}</p>\n<p>{{signature.seal}}</p>\n');
      writeOverride(dir, 'UBNDNK', 'partials/national-header.hbs', '<p>{{upper issuer.shortName}}</p>\n');
      const r = new DocumentRenderer({ templatesDir: TEMPLATES_DIR, overridesDir: dir });
      assert.throws(() => r.renderLetter('TTPVHCC', base), (e: unknown) => e instanceof TemplateDataError && e.field === 'signature.seal' && /partials\/signature\.hbs, dòng 2/.test(e.message));
      assert.throws(() => r.renderLetter('UBNDNK', base), (e: unknown) => e instanceof TemplateDataError && e.field === 'issuer.shortName' && /national-header/.test(e.message));
    });

    it('an unknown form, a broken override and an unsafe agency code are errors, not letters', () => {
      assert.throws(() => renderer.renderLetter('TTPVHCC', withValue(base, 'form', 'tt99-2030')), (e: unknown) => e instanceof TemplateError && /letters\/tt99-2030/.test(e.message));
      assert.throws(() => renderer.renderLetter('TTPVHCC', withValue(base, 'form', '../secret')), (e: unknown) => e instanceof TemplateDataError && e.field === 'form');
      assert.throws(() => renderer.renderLetter('../TTPVHCC', base), TemplateError, 'an agency code with "/" must be refused');
      const dir = tempOverrides();
      writeOverride(dir, 'TTPVHCC', 'letters/tt03-2025.hbs', '{{#if x}}unclosed\n');
      const r = new DocumentRenderer({ templatesDir: TEMPLATES_DIR, overridesDir: dir });
      assert.throws(() => r.renderLetter('TTPVHCC', base), (e: unknown) => e instanceof TemplateError && /lỗi cú pháp/.test(e.message));
    });
  });

  describe('escaping', () => {
    it(`shows a name like ${HOSTILE_NAME} literally: escaped in the HTML, never as markup`, () => {
      const data = letterData({
        addressee: { salutation: 'Ông/Bà', name: HOSTILE_NAME, address: null, phone: null, onBehalfOf: null },
        delay: { ...letterData().delay, reason: `Thiếu chữ ký <script>alert(1)</script>` },
      });
      const { html } = renderer.renderLetter('TTPVHCC', data);
      assert.ok(html.includes('&lt;b&gt;Lê&lt;/b&gt; &amp; &quot;Trần&quot;'), 'the name must appear HTML-escaped');
      assert.ok(!html.includes('<b>Lê</b>'), 'the raw <b> tag from the data must not reach the HTML');
      assert.ok(!html.includes('<script>'), 'a <script> from the data must not reach the HTML');
      assertContains(visibleText(html), `Kính gửi: Ông/Bà ${HOSTILE_NAME}`, 'the name as the reader sees it');
    });
  });

  it('normalises NFD input to NFC', () => {
    const nfd = 'Nguyễn Thị Ánh Tuyết'.normalize('NFD');
    const data = letterData({ addressee: { salutation: 'Ông/Bà', name: nfd, address: null, phone: null, onBehalfOf: null } });
    const { html } = renderer.renderLetter('TTPVHCC', data);
    assert.ok(html.includes('Nguyễn Thị Ánh Tuyết'.normalize('NFC')), 'the NFC form of the name must be in the letter');
    assert.ok(!html.includes(nfd), 'the NFD form must not be in the letter');
    assert.equal(html, html.normalize('NFC'));
  });

  describe('agency overrides and template version', () => {
    it('the same wording gives the same version; the two forms differ', () => {
      const a = renderer.renderLetter('TTPVHCC', letterData());
      const b = new DocumentRenderer({ templatesDir: TEMPLATES_DIR }).renderLetter('UBNDNK', letterData({ placeDateLine: 'Cần Thơ, ngày 06 tháng 3 năm 2026' }));
      const c = renderer.renderLetter('TTPVHCC', letterData({ form: 'tt01-2018' }));
      assert.equal(a.templateVersion, b.templateVersion, 'the version depends on the templates, not on the data or the renderer instance');
      assert.notEqual(a.templateVersion, c.templateVersion, 'the two forms use different templates, so different versions');
    });

    it("an override partial changes only that agency's letter and version, and edits are picked up", () => {
      const dir = tempOverrides();
      const shipped = fs.readFileSync(path.join(TEMPLATES_DIR, 'partials/signature.hbs'), 'utf8');
      const file = writeOverride(dir, 'TTPVHCC', 'partials/signature.hbs', shipped.replace('<div class="signer-space"></div>', '<div class="signer-space">(Đã ký số)</div>'));
      const plain = new DocumentRenderer({ templatesDir: TEMPLATES_DIR });
      const r = new DocumentRenderer({ templatesDir: TEMPLATES_DIR, overridesDir: dir });
      const data = letterData();

      const own = r.renderLetter('TTPVHCC', data);
      const other = r.renderLetter('UBNDNK', data);
      const reference = plain.renderLetter('TTPVHCC', data);
      assert.ok(own.html.includes('(Đã ký số)'), 'the agency with the override must get the overriding partial');
      assert.ok(!other.html.includes('(Đã ký số)'), 'another agency must keep the shipped partial');
      assert.equal(other.html, reference.html, "another agency's letter must be exactly the shipped one");
      assert.equal(other.templateVersion, reference.templateVersion);
      assert.notEqual(own.templateVersion, reference.templateVersion, 'a changed partial must give a new template version');

      // Edit the override: the next render uses the new text (cache keyed by the file's mtime).
      fs.writeFileSync(file, shipped.replace('<div class="signer-space"></div>', '<div class="signer-space">(Đã ký số lần 2)</div>'));
      const later = new Date(Date.now() + 5_000);
      fs.utimesSync(file, later, later);
      const edited = r.renderLetter('TTPVHCC', data);
      assert.ok(edited.html.includes('(Đã ký số lần 2)'), 'an edited override must be picked up without a restart');
      assert.notEqual(edited.templateVersion, own.templateVersion);

      // Remove it: back to the shipped wording and version.
      fs.rmSync(file);
      assert.equal(r.renderLetter('TTPVHCC', data).templateVersion, reference.templateVersion, 'removing the override restores the shipped version');
    });

    it('an override of a whole letter replaces it for that agency only', () => {
      const dir = tempOverrides();
      writeOverride(dir, 'TTPVHCC', 'letters/tt01-2018.hbs', '<!doctype html><p>{{dossier.code}} – mẫu riêng của đơn vị</p>\n');
      const r = new DocumentRenderer({ templatesDir: TEMPLATES_DIR, overridesDir: dir });
      const data = letterData({ form: 'tt01-2018' });
      assert.ok(r.renderLetter('TTPVHCC', data).html.includes('H13.01-260212-0007 – mẫu riêng của đơn vị'));
      assert.ok(r.renderLetter('UBNDNK', data).html.includes(TT01_TITLE));
    });
  });
});

describe('documents: shipped templates', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.hbs')) files.push(p);
    }
  };
  walk(TEMPLATES_DIR);

  it('are all present, in Unicode NFC, and never use {{{ }}} on data', () => {
    const rel = files.map((f) => path.relative(TEMPLATES_DIR, f).split(path.sep).join('/')).sort();
    for (const needed of [
      'letters/tt01-2018.hbs',
      'letters/tt03-2025.hbs',
      'notices/email-subject.hbs',
      'notices/email.html.hbs',
      'notices/email.txt.hbs',
      'notices/sms.hbs',
      'partials/letter-style.hbs',
      'partials/national-header.hbs',
      'partials/signature.hbs',
    ]) {
      assert.ok(rel.includes(needed), `templates/${needed} is missing`);
    }
    for (const f of files) {
      const src = fs.readFileSync(f, 'utf8');
      assert.equal(src, src.normalize('NFC'), `${f} must be saved in NFC (composed Vietnamese), or its text would not match NFC data`);
      assert.ok(!src.includes('{{{'), `${f} uses {{{ }}}: triple braces skip escaping and must never touch citizen data`);
    }
  });
});
