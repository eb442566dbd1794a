import assert from 'node:assert/strict';
import type { Response } from 'superagent';
import { AGENCY, createTestContext, dossierBody, PROCEDURE, seedBasics, type TestContext } from '../../support/context';
import { csrfOf, PASSWORD, signIn, type SignedInAgent } from '../../support/pages';
import supertest from 'supertest';
import { createApp } from '../../../src/app';
import { ImportJobRepository } from '../../../src/db/import-jobs';
import { createLogger } from '../../../src/logger';
import { buildServices } from '../../../src/compose';

/** The text of the error shown next to a form field (`id="e-<field>"`), or null when there is none. */
function fieldError(html: string, field: string): string | null {
  const m = new RegExp(`id="e-${field}"[^>]*>([^<]*)<`).exec(html);
  return m ? m[1] : null;
}

/** The response body as bytes, whatever its type (supertest would decode text and drop a BOM). */
function bytes(res: Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** An agency whose name would run as markup if a page printed it raw. */
const STP_NAME = 'Sở Tư pháp <script>alert(1)</script>';

describe('pages: reports (/bao-cao)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let leader: SignedInAgent;
  let supervisor: SignedInAgent;
  let counter: SignedInAgent;

  before(async () => {
    ctx = await createTestContext('2026-04-10T09:00:00+07:00');
    await seedBasics(ctx);
    await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, code: 'STP', name: STP_NAME, letterSymbol: 'PXL-STP' }).expect(201);
    await ctx.api('post', '/api/v1/procedures').send({ ...PROCEDURE, code: '2.000001', agencyCode: 'STP' }).expect(201);
    // Accepted in January with 20 working days: overdue by more than 30 days on 10/04.
    for (const [i, code] of [['1', 'SXD'], ['2', 'SXD'], ['3', 'STP']] as const) {
      await ctx
        .api('post', '/api/v1/dossiers')
        .send(dossierBody({ code: `BC-${i}`, receivingAgencyCode: code, procedureCode: code === 'SXD' ? PROCEDURE.code : '2.000001', acceptedAt: '2026-01-05T08:00:00+07:00' }))
        .expect(201);
    }
    leader = await signIn(ctx, 'leader', 'SXD');
    supervisor = await signIn(ctx, 'supervisor', null);
    counter = await signIn(ctx, 'counter', 'SXD');
  });
  after(async () => ctx.close());

  const pages = ['/bao-cao', '/bao-cao?period=2026-Q1&groupBy=procedure', '/bao-cao?period=range&from=2026-01-01&to=2026-02-15&groupBy=field', '/bao-cao/qua-han', '/bao-cao/xin-loi?period=2026-H1'];
  const exports = ['/bao-cao/xuat.csv?period=2026-Q1', '/bao-cao/xuat.xlsx?period=2026-Q1', '/bao-cao/qua-han/xuat.csv', '/bao-cao/qua-han/xuat.xlsx', '/bao-cao/xin-loi/xuat.csv?period=2026-Q1', '/bao-cao/xin-loi/xuat.xlsx?period=2026-Q1'];

  it('every report page renders for a leader and a supervisor, with "Báo cáo" marked in the menu, a print button and both exports', async () => {
    for (const who of [leader, supervisor]) {
      for (const url of pages) {
        const res = await who.agent.get(url);
        assert.equal(res.status, 200, `${url} answered ${res.status} to ${who.username}`);
        assert.match(res.text, /<h1>[^<]+<\/h1>/, `${url} has no page heading`);
        assert.match(res.text, /<a href="\/bao-cao" aria-current="page">Báo cáo<\/a>/, `${url} does not mark "Báo cáo" in the menu`);
        assert.match(res.text, /<button type="button" data-print hidden>/, `${url} has no print button (hidden until app.js shows it: without JavaScript it would do nothing)`);
        assert.match(res.text, /href="\/bao-cao\/(qua-han\/|xin-loi\/)?xuat\.csv[^"]*"/, `${url} has no CSV link`);
        assert.match(res.text, /href="\/bao-cao\/(qua-han\/|xin-loi\/)?xuat\.xlsx[^"]*"/, `${url} has no XLSX link`);
      }
    }
  });

  it('counter staff see no "Báo cáo" menu entry and get the 403 page for every report and export', async () => {
    const home = await counter.agent.get('/tong-quan').expect(200);
    assert.ok(!home.text.includes('href="/bao-cao"'), 'counter staff must not see the "Báo cáo" menu entry');
    for (const url of [...pages, ...exports]) {
      const res = await counter.agent.get(url).set('Accept', 'text/html');
      assert.equal(res.status, 403, `${url} answered ${res.status} to counter staff instead of 403`);
      assert.match(res.text, /không có quyền xem báo cáo/, `${url}: the 403 page does not say what is missing`);
    }
  });

  it('a supervisor sees every agency; a leader only their own', async () => {
    for (const url of ['/bao-cao?period=2026-Q1', '/bao-cao/qua-han', '/bao-cao/xin-loi?period=2026-Q1']) {
      const all = (await supervisor.agent.get(url).expect(200)).text;
      assert.ok(all.includes('Sở Xây dựng thành phố Cần Thơ') && all.includes('Sở Tư pháp'), `${url}: the supervisor should see both agencies`);
      const own = (await leader.agent.get(url).expect(200)).text;
      assert.ok(own.includes('Sở Xây dựng thành phố Cần Thơ'), `${url}: the leader should see their own agency`);
      assert.ok(!own.includes('Sở Tư pháp'), `${url}: the leader of SXD must not see the other agency`);
    }
    const csv = (await supervisor.agent.get('/bao-cao/qua-han/xuat.csv').buffer(true).parse(bytes).expect(200)).body as Buffer;
    assert.match(csv.toString('utf8'), /STP/, 'the supervisor’s export lists the other agency too');
    const ownCsv = (await leader.agent.get('/bao-cao/qua-han/xuat.csv').buffer(true).parse(bytes).expect(200)).body as Buffer;
    assert.doesNotMatch(ownCsv.toString('utf8'), /STP/, 'the leader’s export must not list another agency');
  });

  it('shows the figures: totals row, overdue counts, the agencies without an apology, and both charts with their numbers as text', async () => {
    const period = (await supervisor.agent.get('/bao-cao?period=2026-Q1').expect(200)).text;
    assert.match(period, /<tfoot>\s*<tr class="total">(<td[^>]*>[^<]*<\/td>)?<th scope="row">Tổng cộng<\/th><td class="num">3<\/td>/, 'the totals row should count the 3 dossiers received');
    assert.match(period, /<th scope="col" class="num">Tỷ lệ đúng hạn theo QĐ 766<\/th>/, 'the table has every column of the export');
    assert.match(period, /<figcaption id="late-caption">/, 'the bars of late dossiers are missing');
    assert.match(period, /<text [^>]*>SXD<\/text>[\s\S]*?<text [^>]*>2<\/text>/, 'the bar of SXD should carry its number (2) as text');
    assert.doesNotMatch(period, /<figcaption id="months-caption">/, 'the monthly chart (twelve more reports) is computed only when asked for');
    assert.match(period, /href="\/bao-cao\?[^"]*theoThang(=|&#x3D;)1#months-title"/, 'the page offers the monthly chart as a link');
    const withMonths = (await supervisor.agent.get('/bao-cao?period=2026-Q1&theoThang=1').expect(200)).text;
    assert.match(withMonths, /<figcaption id="months-caption">/, 'the monthly on-time chart is missing');
    for (const m of ['T1', 'T2', 'T3', 'T4']) assert.ok(withMonths.includes(`>${m}</text>`), `the monthly chart has no column for ${m}`);
    assert.ok(!withMonths.includes('>T5</text>'), 'a month that has not begun must not be drawn');

    const overdue = (await supervisor.agent.get('/bao-cao/qua-han').expect(200)).text;
    assert.match(overdue, /Tổng số hồ sơ đang giải quyết quá hạn: <strong>3<\/strong>, trong đó quá hạn trên 30 ngày: <strong>3<\/strong>/);
    assert.match(overdue, /<td class="num">1<\/td><td>SXD<\/td><th scope="row">Sở Xây dựng thành phố Cần Thơ<\/th><td class="num">2<\/td>/, 'SXD (2 overdue) ranks first');

    const compliance = (await supervisor.agent.get('/bao-cao/xin-loi?period=2026-Q1').expect(200)).text;
    assert.match(compliance, /<li><strong>Sở Xây dựng thành phố Cần Thơ<\/strong> \(SXD\): 2 hồ sơ trễ hạn chưa có thư xin lỗi<\/li>/, 'the agency that did not apologise is named');
    assert.match(compliance, /Thư xin lỗi có chữ ký số.*Thư xin lỗi không có chữ ký số/s, 'signed and unsigned letters are counted on the page');
  });

  it('prints agency names as text, never as markup', async () => {
    const html = (await supervisor.agent.get('/bao-cao/qua-han').expect(200)).text;
    assert.ok(!html.includes('<script>alert(1)</script>'), 'an agency name went into the page as markup');
    assert.ok(html.includes('Sở Tư pháp &lt;script&gt;alert(1)&lt;/script&gt;'), 'the agency name should be shown escaped');
  });

  it('exports CSV as UTF-8 with a BOM and Vietnamese headers, and XLSX as a zip, under Vietnamese file names', async () => {
    const csv = await supervisor.agent.get('/bao-cao/xuat.csv?period=2026-Q1&groupBy=agency').buffer(true).parse(bytes).expect(200);
    const body = csv.body as Buffer;
    assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV must start with the UTF-8 byte order mark, or Excel garbles Vietnamese');
    assert.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
    const text = body.toString('utf8');
    assert.match(text.split('\r\n')[0], /^\uFEFFMã,Cơ quan giải quyết,Tổng số tiếp nhận,/, 'the first line holds the Vietnamese headers');
    assert.match(text, /,Tổng cộng,3,/, 'the CSV has the totals row');
    assert.match(csv.headers['content-disposition'], /filename\*=UTF-8''B%C3%A1o%20c%C3%A1o%20gi%E1%BA%A3i%20quy%E1%BA%BFt/, 'the file name should be the Vietnamese one');

    for (const url of ['/bao-cao/xuat.xlsx?period=2026-Q1', '/bao-cao/qua-han/xuat.xlsx', '/bao-cao/xin-loi/xuat.xlsx?period=2026-Q1']) {
      const xlsx = await supervisor.agent.get(url).buffer(true).parse(bytes).expect(200);
      assert.equal(xlsx.headers['content-type'], XLSX_TYPE, `${url}: wrong content type`);
      assert.equal((xlsx.body as Buffer).subarray(0, 2).toString('latin1'), 'PK', `${url}: an XLSX file is a zip and starts with "PK"`);
      assert.match(xlsx.headers['content-disposition'], /filename\*=UTF-8''.+\.xlsx/, `${url}: no file name`);
    }
    const compliance = (await supervisor.agent.get('/bao-cao/xin-loi/xuat.csv?period=2026-Q1').buffer(true).parse(bytes).expect(200)).body as Buffer;
    assert.match(compliance.toString('utf8'), /^\uFEFFMã cơ quan,Cơ quan,Hồ sơ trễ hạn,Đã xin lỗi trước hạn,/);
  });

  it('refuses bad form values with 400 and the message next to the field, keeping what was typed', async () => {
    const cases: [string, string, RegExp][] = [
      ['/bao-cao?period=2026-Q5', 'period', /Chọn kỳ báo cáo/],
      ['/bao-cao?period=range&to=2026-02-01', 'from', /Cần chọn ngày/],
      ['/bao-cao?period=range&from=2026-03-01&to=2026-02-01', 'to', /sau hoặc bằng ngày bắt đầu/],
      ['/bao-cao?period=2026-Q1&groupBy=city', 'groupBy', /Chọn cách tổng hợp/],
      ['/bao-cao?period=2026-Q1&asOf=31%2F02%2F2026', 'asOf', /Ngày không hợp lệ: nhập dạng dd\/mm\/yyyy/],
      ['/bao-cao?period=2026-Q1&asOf=2025-12-01', 'asOf', /sau ngày bắt đầu kỳ báo cáo/],
      ['/bao-cao?period=2026-Q1&agency=KHONGCO', 'agency', /Không có cơ quan mã &quot;KHONGCO&quot;/],
      ['/bao-cao/xin-loi?period=abc', 'period', /Chọn kỳ báo cáo/],
      ['/bao-cao/qua-han?at=hôm-qua', 'at', /Ngày không hợp lệ/],
    ];
    for (const [url, field, message] of cases) {
      const res = await supervisor.agent.get(url);
      assert.equal(res.status, 400, `${url} answered ${res.status} instead of 400`);
      const shown = fieldError(res.text, field);
      assert.ok(shown !== null, `${url}: no message next to the field "${field}"`);
      assert.match(shown, message, `${url}: the message next to "${field}" says "${shown}"`);
      assert.ok(!res.text.includes('<tfoot>'), `${url}: a refused form must not show a report`);
    }
    const kept = (await supervisor.agent.get('/bao-cao?period=range&from=2026-03-01&to=2026-02-01').expect(400)).text;
    assert.match(kept, /id="f-from" name="from" type="text"[^>]* value="01\/03\/2026"/, 'the typed dates should stay in the form, written dd/mm/yyyy');
    assert.match(kept, /<option value="range" selected>/, 'the chosen kind of period should stay selected');
  });
});

describe('pages: import of a dossier list (/ho-so/nhap)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let counter: SignedInAgent;
  let officer: SignedInAgent;

  const HEADER = 'Mã hồ sơ;Mã thủ tục;Mã cơ quan tiếp nhận;Tên người nộp;Số điện thoại;Hình thức nộp;Ngày tiếp nhận';
  const file = (lines: string[]) => Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');

  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    counter = await signIn(ctx, 'counter', 'SXD');
    officer = await signIn(ctx, 'officer', 'SXD');
  });
  after(async () => ctx.close());

  const upload = (who: SignedInAgent, name: string, body: Buffer, csrf: string | null = who.csrf) => {
    const req = who.agent.post('/ho-so/nhap').set('Content-Type', 'text/csv').set('Accept', 'application/json').set('X-File-Name', encodeURIComponent(name));
    return (csrf ? req.set('X-CSRF-Token', csrf) : req).send(body);
  };

  /** The result page once the background import has finished (it stops asking to be reloaded). */
  async function finished(who: SignedInAgent, url: string): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const page = await who.agent.get(url).expect(200);
      if (!page.text.includes('http-equiv="refresh"')) return page.text;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`the import at ${url} did not finish`);
  }

  const codes = async (prefix: string) => (await ctx.db('dossiers').where('code', 'like', `${prefix}%`).orderBy('code')).map((d: { code: string }) => d.code);

  it('shows the upload form and the column set to counter staff; an officer gets the 403 page', async () => {
    const page = await counter.agent.get('/ho-so/nhap').expect(200);
    assert.match(page.text, /<h1>Nhập danh sách hồ sơ<\/h1>/);
    assert.match(page.text, /data-upload="\/ho-so\/nhap"/, 'the form is not wired to the upload script');
    assert.match(page.text, /name="_csrf"/, 'the form has no token for the script to send');
    assert.match(page.text, /<th scope="row">Mã hồ sơ<\/th><td>Có<\/td>/, 'the required columns are listed');
    const template = await counter.agent.get('/ho-so/nhap/mau.csv').buffer(true).parse(bytes).expect(200);
    assert.match((template.body as Buffer).toString('utf8'), /^\uFEFFMã hồ sơ,Mã thủ tục,/, 'the template file starts with the headers');
    assert.match((await counter.agent.get('/ho-so').expect(200)).text, /href="\/ho-so\/nhap"/, 'the dossier list should lead counter staff to the import');
    assert.doesNotMatch((await officer.agent.get('/ho-so').expect(200)).text, /href="\/ho-so\/nhap"/, 'an officer may not import: no link');
    const refused = await officer.agent.get('/ho-so/nhap').set('Accept', 'text/html');
    assert.equal(refused.status, 403, 'an officer does not register dossiers, so may not import them');
    assert.match(refused.text, /không có quyền tiếp nhận hồ sơ/);
    const post = await upload(officer, 'ds.csv', file([HEADER, 'OFF-1;1.009972;SXD;Nguyễn Văn An;;Trực tiếp;02/02/2026 08:00']));
    assert.equal(post.status, 403, 'an officer’s upload must be refused');
    assert.deepEqual(await codes('OFF-'), [], 'nothing may be imported from a refused upload');
  });

  it('imports the good rows of a CSV and lists the bad one with its line number, column and reason', async () => {
    const res = await upload(counter, 'danh sách tháng 2.csv', file([
      HEADER,
      'UP-1;1.009972;SXD;Nguyễn Văn An;0912 345 678;Trực tiếp;02/02/2026 08:00',
      'UP-2;1.009972;SXD;<b>Trần Thị Bình</b>;;Fax;03/02/2026 09:00',
      'UP-3;1.009972;SXD;Lê Văn Cường;;Trực tuyến;04/02/2026 10:00',
    ]));
    assert.equal(res.status, 202, `the upload answered ${res.status}: ${res.text}`);
    assert.match(res.body.url, /^\/ho-so\/nhap\/[\w-]+$/, 'the answer names the progress page');
    const page = await finished(counter, res.body.url);
    assert.match(page, /<h1>Kết quả nhập tệp danh sách tháng 2\.csv<\/h1>/);
    assert.match(page, /<strong>3<\/strong>dòng đã đọc/);
    assert.match(page, /<strong>2<\/strong>hồ sơ mới/);
    assert.match(page, /<tr><th scope="row" class="num">3<\/th><td>Hình thức nộp<\/td><td>Hình thức nộp &quot;Fax&quot; không rõ/, 'the bad row is listed with its line (3), column and reason');
    assert.deepEqual(await codes('UP-'), ['UP-1', 'UP-3'], 'the good rows are imported and the bad one is not');
    const other = await signIn(ctx, 'counter', 'SXD');
    assert.equal((await other.agent.get(res.body.url).set('Accept', 'text/html')).status, 404, 'another person must not see the rows of this import');
  });

  it('refuses an upload without the form token (403), a file that is not .csv or .xlsx, and a file without the required columns — saving nothing', async () => {
    const good = file([HEADER, 'CSRF-1;1.009972;SXD;Nguyễn Văn An;;Trực tiếp;02/02/2026 08:00']);
    assert.equal((await upload(counter, 'ds.csv', good, null)).status, 403, 'an upload without X-CSRF-Token must be refused');
    assert.equal((await upload(counter, 'ds.csv', good, 'x'.repeat(counter.csrf.length))).status, 403, 'an upload with a wrong token must be refused');
    assert.deepEqual(await codes('CSRF-'), [], 'a refused upload must not import anything');

    const pdf = await upload(counter, 'ds.pdf', good);
    assert.equal(pdf.status, 400);
    assert.match(pdf.body.title, /không phải \.csv hoặc \.xlsx/, 'the refusal says which files are accepted');
    assert.deepEqual(await codes('CSRF-'), []);

    const missing = await upload(counter, 'thieu-cot.csv', file(['Mã hồ sơ;Tên người nộp', 'MISS-1;Nguyễn Văn An']));
    assert.equal(missing.status, 202);
    const page = await finished(counter, missing.body.url);
    assert.match(page, /Tệp không nhập được:/);
    assert.match(page, /Thiếu cột &quot;Mã thủ tục&quot;/, 'the missing column is named');
    assert.deepEqual(await codes('MISS-'), [], 'a file without the required columns saves nothing');
  });

  it('shows the import on any instance of the service and after a restart, and says so when its process stopped midway', async () => {
    const res = await upload(counter, 'ds-hai-may.csv', file([HEADER, 'TWO-1;1.009972;SXD;Nguyễn Văn An;;Trực tiếp;02/02/2026 08:00']));
    assert.equal(res.status, 202);
    await finished(counter, res.body.url);
    // A second instance over the same database: its own services, nothing shared in memory.
    const second = supertest.agent(createApp(buildServices(ctx.config, ctx.db, ctx.clock, createLogger('silent'))));
    const form = await second.get('/dang-nhap').expect(200);
    await second.post('/dang-nhap').type('form').send({ _csrf: csrfOf(form.text), username: counter.username, password: PASSWORD, next: '/tong-quan' }).expect(303);
    const there = await second.get(res.body.url).expect(200);
    assert.match(there.text, /<h1>Kết quả nhập tệp ds-hai-may\.csv<\/h1>/, 'the other instance must show the result of an import it did not run');
    assert.match(there.text, /<strong>1<\/strong>hồ sơ mới/);

    // An import whose process died: not finished, and not written to for over a minute.
    const at = ctx.clock.now().getTime() - 5 * 60_000;
    await new ImportJobRepository(ctx.db).create({
      id: 'dung-giua-chung', userId: (await ctx.db('users').where({ username: counter.username }).first()).id, fileName: 'lon.csv', bytes: 1000, bytesRead: 400,
      startedAt: at, updatedAt: at, finishedAt: null, progress: { rowsRead: 40000, created: 40000, updated: 0, unchanged: 0, rejected: 0 }, rejections: null, failure: null,
    });
    const stopped = await counter.agent.get('/ho-so/nhap/dung-giua-chung').expect(200);
    assert.doesNotMatch(stopped.text, /http-equiv="refresh"/, 'a stopped import must not keep the page reloading forever');
    assert.match(stopped.text, /Lần nhập bị dừng giữa chừng/, 'the page must say the import stopped');
    assert.match(stopped.text, /sau khoảng 40\.000 dòng/);
  });
});
