/**
 * The replay's report (issue 18 §5): one self-contained HTML file people read — charts drawn
 * inline, nothing fetched — and a JSON file with the same figures and the run's parameters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatNumber } from '../domain/vn-format';
import type { Sample } from '../db/replay-audit';
import { brokenPromises, type Audit, type AuditParams, type Latency } from './audit';
import { esc, groupedBars } from './report-charts';

export const REPORT_HTML = 'replay-report.html';
export const REPORT_JSON = 'replay-report.json';

/** The JSON file: the audit, the promises it found broken, and the parameters of the run. */
export interface ReportFile {
  audit: Audit;
  brokenPromises: string[];
  params: AuditParams;
}

export function writeReport(dir: string, a: Audit, params: AuditParams): { htmlFile: string; jsonFile: string } {
  fs.mkdirSync(dir, { recursive: true });
  const htmlFile = path.join(dir, REPORT_HTML);
  const jsonFile = path.join(dir, REPORT_JSON);
  const file: ReportFile = { audit: a, brokenPromises: brokenPromises(a), params };
  fs.writeFileSync(jsonFile, `${JSON.stringify(file, null, 2)}\n`);
  fs.writeFileSync(htmlFile, renderReport(file));
  return { htmlFile, jsonFile };
}

const n = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined ? '—' : formatNumber(v, digits));
const pct = (v: number | null): string => (v === null ? '—' : `${formatNumber(v * 100, 1)} %`);

/** A duration in the unit that reads best: ms, giây, giờ, ngày. */
function duration(ms: number | null, clock: 'virtual' | 'real'): string {
  if (ms === null) return '—';
  if (clock === 'real' && Math.abs(ms) < 10_000) return `${n(ms)} ms`;
  if (Math.abs(ms) < 3_600_000) return `${n(ms / 1000, 1)} giây`;
  if (Math.abs(ms) < 3 * 86_400_000) return `${n(ms / 3_600_000, 1)} giờ`;
  return `${n(ms / 86_400_000, 1)} ngày`;
}

function table(headers: string[], rows: (string | number)[][], caption?: string): string {
  const cell = (v: string | number): string => (typeof v === 'number' ? `<td class="num">${n(v)}</td>` : `<td>${v}</td>`);
  return (
    `<table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`
  );
}

/** '2026-03' → 'Tháng 3/2026' in tables, 'T3/2026' under a chart's bars. */
function monthLabel(month: string, prefix: 'Tháng ' | 'T'): string {
  const [year, m] = month.split('-');
  return `${prefix}${Number(m)}/${year}`;
}

const examples = (s: Sample): string => esc(s.examples.join(', ') || '—');
const kept = (ok: boolean): string => (ok ? '<span class="ok">Giữ đúng</span>' : '<span class="bad">Vi phạm</span>');

const LATENCY_LABELS: Record<Latency['measure'], string> = {
  slipToApology: 'Từ lúc trễ hạn đến khi phát hành thư (thư sau hạn)',
  draftToIssue: 'Từ lúc soạn dự thảo đến khi phát hành thư',
  apologyToCitizen: 'Từ lúc phát hành thư đến khi thông báo tới nhà cung cấp / người dân',
};

const CHANNEL_LABELS: Record<string, string> = { zalo: 'Zalo', sms: 'SMS', email: 'Thư điện tử', print: 'Quầy (gọi điện / in thư)', onestop: 'Hệ thống một cửa' };

function promises(f: ReportFile): string {
  const a = f.audit;
  const dupDeliveries = a.deliveries.flatMap((d) => d.duplicates);
  const rows: (string | number)[][] = [
    ['Không có thư xin lỗi trùng cho cùng một hạn', a.duplicateApologies.count, kept(!a.duplicateApologies.count), examples(a.duplicateApologies)],
    ['Sổ văn bản không hở số', a.letterNumbers.gaps, kept(!a.letterNumbers.gaps), esc(a.letterNumbers.examples.join(', ') || '—')],
    ['Không mất thông báo nào', a.notices.lost.count, kept(!a.notices.lost.count), '—'],
    ['Mọi hồ sơ trễ đều được xin lỗi', a.dossiers.never.count, kept(!a.dossiers.never.count), examples(a.dossiers.never)],
    ['Trễ lần hai được xin lỗi lại hoặc báo cáo cấp trên', a.secondSlips.unhandled.count, kept(!a.secondSlips.unhandled.count), examples(a.secondSlips.unhandled)],
    [
      'Tin gửi trùng ở nhà cung cấp đều do một lần gửi bị ngắt',
      dupDeliveries.filter((d) => !d.explained).length,
      kept(dupDeliveries.every((d) => d.explained)),
      esc(dupDeliveries.map((d) => `${d.provider}:${d.key}${d.explained ? '' : ' (không có lý do)'}`).slice(0, 10).join(', ') || '—'),
    ],
  ];
  const list = f.brokenPromises.length
    ? `<ul class="broken">${f.brokenPromises.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`
    : '<p class="ok">Mọi lời hứa đều được giữ đúng.</p>';
  return `<section><h2>Các lời hứa bắt buộc</h2>${table(['Lời hứa', 'Số vi phạm', 'Kết quả', 'Ví dụ'], rows)}${list}</section>`;
}

function months(a: Audit): string {
  const labels = a.months.map((m) => monthLabel(m.month, 'T'));
  const charts =
    groupedBars('Hồ sơ tiếp nhận và hồ sơ trễ hạn theo tháng', labels, [
      { label: 'Tiếp nhận', color: '#4c78a8', values: a.months.map((m) => m.received) },
      { label: 'Trễ hạn', color: '#e45756', values: a.months.map((m) => m.late) },
    ]) +
    groupedBars('Thư xin lỗi và danh sách gọi điện theo tháng', labels, [
      { label: 'Xin lỗi trước hạn', color: '#54a24b', values: a.months.map((m) => m.apologisedBefore) },
      { label: 'Xin lỗi sau hạn', color: '#f58518', values: a.months.map((m) => m.apologisedAfter) },
      { label: 'Chưa xin lỗi', color: '#b8002e', values: a.months.map((m) => m.never) },
      { label: 'Vào danh sách gọi điện', color: '#72b7b2', values: a.months.map((m) => m.callListAdded) },
    ]);
  const rows = a.months.map((m) => [esc(monthLabel(m.month, 'Tháng ')), m.received, m.late, m.apologisedBefore, m.apologisedAfter, m.never, m.callListAdded, m.callListLeft]);
  return (
    `<section><h2>Theo tháng</h2>${charts}` +
    table(['Tháng', 'Tiếp nhận', 'Trễ hạn', 'Xin lỗi trước hạn', 'Xin lỗi sau hạn', 'Chưa xin lỗi', 'Vào danh sách gọi điện', 'Còn trong danh sách cuối kỳ'], rows, 'Số liệu theo tháng') +
    '</section>'
  );
}

function dossiers(a: Audit): string {
  const d = a.dossiers;
  return (
    `<section><h2>Hồ sơ trễ hạn và thư xin lỗi</h2>` +
    table(['Chỉ số', 'Giá trị'], [
      ['Hồ sơ tiếp nhận', d.received],
      ['Hồ sơ trễ hạn', d.late],
      ['Xin lỗi trước hạn', d.apologisedBefore],
      ['Xin lỗi sau hạn', d.apologisedAfter],
      ['Chỉ báo cáo cấp trên (không thư)', d.escalatedOnly],
      ['Chưa bao giờ được xin lỗi', d.never.count],
      ['Thư đã soạn nhưng chờ lãnh đạo duyệt đến hết đợt chạy, hoặc đến khi hồ sơ có kết quả (bị huỷ)', d.leftToLeader.count],
      ['Tỷ lệ xin lỗi trước hạn', pct(d.beforeShare)],
      ['Thư phát hành có chữ ký số', a.letters.signed],
      ['Thư phát hành không ký số', a.letters.unsigned],
      ['Trễ lần hai: báo cáo cấp trên', a.secondSlips.escalations],
      ['Hồ sơ được xin lỗi từ hai lần', a.secondSlips.apologisedTwice],
      ['Trễ lần hai bị bỏ sót', a.secondSlips.unhandled.count],
    ]) +
    table(
      ['Cơ quan', 'Năm', 'Số cuối đã lấy', 'Thư đã phát hành', 'Số đang giữ chờ ký', 'Số của thư đã huỷ (để trống)', 'Số bị hở'],
      a.letterNumbers.registers.map((r) => [esc(r.agencyCode), String(r.year), r.lastSeq, r.issued, r.reserved, r.voided, esc(r.gaps.slice(0, 20).join(', ') || '0')]),
      'Sổ văn bản (số thư theo cơ quan và năm)',
    ) +
    '</section>'
  );
}

/** Remote signing (SmartCA): the fake's requests and how they ended, beside the letters as the rows have them. */
function remoteSigning(a: Audit): string {
  const r = a.remoteSigning;
  if (!r) return '';
  return (
    `<section><h2>Ký số từ xa (xác nhận trên điện thoại)</h2>` +
    table(['Chỉ số', 'Giá trị'], [
      ['Yêu cầu ký dịch vụ ký số đã nhận', r.requests],
      ['Yêu cầu bị lỗi, quá giờ hoặc mất kết nối (dịch vụ ngừng)', r.requestsFailed],
      ['Yêu cầu người ký đã xác nhận (theo dịch vụ)', r.atFake.confirmed],
      ['Yêu cầu người ký từ chối (theo dịch vụ)', r.atFake.refused],
      ['Yêu cầu hết hạn, không ai xác nhận (theo dịch vụ)', r.atFake.expired],
      ['Yêu cầu còn chờ cuối kỳ (theo dịch vụ)', r.atFake.pending],
      ['Thư phát hành ký số từ xa', r.signedRemotely],
      ['Thư còn chờ chữ ký cuối kỳ', r.waiting],
      ['Thư bị từ chối ký hoặc hết hạn, sau đó phê duyệt lại và phát hành', r.handedBack.issued],
      ['Thư bị từ chối ký hoặc hết hạn, còn trả lại lãnh đạo cuối kỳ', r.handedBack.draft],
      ['Thư bị từ chối ký hoặc hết hạn, huỷ vì hồ sơ đã có kết quả', r.handedBack.cancelled],
      ['Thư đến ngày hẹn mới khi còn chờ ký, trả lại để chọn ngày mới', r.datePassed.handedBack],
      ['Thư đến ngày hẹn mới khi còn chờ ký, chọn ngày mới và phát hành', r.datePassed.issued],
      ['Lần phát hành bị từ chối vì ngày hẹn mới đã qua mà vẫn thử lại', r.datePassed.retried],
    ]) +
    table(['Lớp chữ ký', 'Sự kiện', 'Số lần'], r.events.map((e) => [e.layer === 'leader' ? 'Lãnh đạo' : 'Cơ quan', esc(e.outcome), e.n]), 'Sự kiện ký số ghi trong cơ sở dữ liệu') +
    '</section>'
  );
}

/**
 * A provider's delivery reports (Zalo's receipts, the SMS gateway's reports): what its fake sent to
 * our webhook, taken or not, and the notices the rows record as delivered.
 */
function deliveryReports(r: Audit['zaloReceipts'], caption: string, labels: { taken: string; failed: string; delivered: string }): string {
  if (!r) return '';
  return table(['Chỉ số', 'Giá trị'], [
    [labels.taken, r.taken],
    [labels.failed, r.failed],
    [labels.delivered, r.noticesDelivered],
  ], caption);
}

function zaloReceipts(a: Audit): string {
  return deliveryReports(a.zaloReceipts, 'Báo nhận của Zalo (webhook)', {
    taken: 'Báo nhận Zalo webhook đã nhận',
    failed: 'Báo nhận Zalo không gửi được tới webhook',
    delivered: 'Thông báo Zalo ghi nhận đã đến người dân',
  });
}

function smsReports(a: Audit): string {
  return deliveryReports(a.smsReports, 'Báo cáo gửi tin của cổng SMS (webhook)', {
    taken: 'Báo cáo gửi tin SMS webhook đã nhận',
    failed: 'Báo cáo gửi tin SMS không gửi được tới webhook',
    delivered: 'Tin SMS ghi nhận đã đến người dân',
  });
}

function notices(a: Audit): string {
  const lost = a.notices.lost;
  const byState = table(
    ['Kênh', 'Người nhận', 'Trạng thái', 'Số thông báo', 'Số phần SMS'],
    a.notices.byState.map((t) => [esc(CHANNEL_LABELS[t.channel] ?? t.channel), t.audience === 'citizen' ? 'Người dân' : 'Cán bộ', esc(t.status), t.n, t.smsSegments]),
    'Thông báo theo trạng thái cuối',
  );
  const lostTable = table(
    ['Loại', 'Số lượng', 'Ví dụ'],
    [
      ['Kẹt ở trạng thái đang gửi', lost.stuckSending.count, examples(lost.stuckSending)],
      ['Thất bại hẳn, không có kênh tiếp theo', lost.failedWithoutFallback.count, examples(lost.failedWithoutFallback)],
      ['Thư đã phát hành, người dân không có thông báo', lost.issuedWithoutNotice.count, examples(lost.issuedWithoutNotice)],
      ['Ghi đã gửi, nhà cung cấp không nhận', lost.sentWithoutDelivery.count, examples(lost.sentWithoutDelivery)],
    ],
    `Thông báo bị mất: ${formatNumber(lost.count)} · Người dân còn trong danh sách gọi điện: ${formatNumber(a.notices.callListLeft)}`,
  );
  const providers = table(
    ['Nhà cung cấp', 'Đối chiếu', 'Nhận', 'Lỗi', 'Quá thời gian', 'Từ chối', 'Khóa khác nhau', 'Không có khóa', 'Thông báo ghi đã gửi', 'Gửi trùng', 'Trùng có lý do', 'Nhận mà không ghi đã gửi'],
    a.deliveries.map((d) => [
      esc(CHANNEL_LABELS[d.provider] ?? d.provider), d.checked ? 'Có' : 'Không (không chạy giả lập)', d.accepted, d.errors, d.timeouts, d.refused, d.distinctKeys, d.withoutKey, d.noticesSent,
      d.duplicates.length, d.duplicates.filter((x) => x.explained).length, d.acceptedNotRecorded,
    ]),
    'Tin nhà cung cấp (giả lập) đã nhận so với thông báo đã gửi',
  );
  return `<section><h2>Thông báo</h2>${byState}${lostTable}${providers}</section>`;
}

function latenciesAndCosts(a: Audit): string {
  const lat = table(
    ['Khoảng thời gian', 'Đồng hồ', 'Số lượng', 'Trung vị (p50)', 'p99', 'Lớn nhất'],
    a.latencies.map((l) => [LATENCY_LABELS[l.measure], l.clock === 'virtual' ? 'Mô phỏng' : 'Thực', l.count, duration(l.p50Ms, l.clock), duration(l.p99Ms, l.clock), duration(l.maxMs, l.clock)]),
    'Độ trễ',
  );
  const cost = table(
    ['Kênh', 'Tin đã gửi (hệ thống ghi)', 'Tin nhà cung cấp nhận', 'Phần SMS', 'Đơn giá', `Chi phí (${a.costs.currency})`],
    [
      ...a.costs.rows.map((c) => [esc(CHANNEL_LABELS[c.channel]), c.messages, c.acceptedAtFake === null ? '—' : c.acceptedAtFake, c.smsSegments, c.unitPrice, c.cost]),
      ['<strong>Tổng</strong>', '', '', '', '', a.costs.total],
    ],
    'Tin nhắn và chi phí theo kênh',
  );
  const procs = table(
    ['Tiến trình', 'CPU (ms)', 'Bộ nhớ tối đa (MB)'],
    a.run.processes.map((p) => [esc(String(p.role)), p.cpuMs, p.maxRssMb]),
    'CPU và bộ nhớ của từng tiến trình',
  );
  return `<section><h2>Độ trễ, chi phí và tài nguyên</h2>${lat}${cost}${procs}</section>`;
}

function periodAndCalibration(a: Audit): string {
  const p = a.periodReport;
  const fig = (f: typeof p.total, name: string): (string | number)[] => [name, f.received, f.resolvedEarly + f.resolvedOnTime, f.resolvedLate, f.pendingOverdue, pct(f.onTimeRate)];
  const report = table(
    ['Cơ quan', 'Tiếp nhận', 'Giải quyết đúng hạn', 'Giải quyết trễ', 'Đang trễ hạn', 'Tỷ lệ đúng hạn'],
    [...p.rows.map((r) => fig(r.figures, esc(`${r.key} — ${r.name}`))), fig(p.total, '<strong>Tổng</strong>')],
    p.title,
  );
  const calib = table(
    ['Chỉ số', 'Số liệu công bố', 'Mô phỏng', 'Số liệu mô phỏng là'],
    a.calibration.rows.map((r) => [esc(r.key), r.rate ? pct(r.published) : n(r.published), r.rate ? pct(r.simulated) : n(r.simulated), esc(r.simulatedAs || '—')]),
    `Đối chiếu với số liệu công bố (nguồn: ${a.calibration.source})`,
  );
  return `<section><h2>Báo cáo kỳ của năm mô phỏng</h2><div class="side">${report}${calib}</div></section>`;
}

function runFacts(f: ReportFile): string {
  const { audit: a, params } = f;
  const r = a.run;
  const facts = table(['Thông số', 'Giá trị'], [
    ['Cơ sở dữ liệu', esc(a.database)],
    ['Hạt giống (seed)', String(params.seed)],
    ['Thời gian mô phỏng', esc(`${a.virtual.start} → ${a.virtual.end} (${a.virtual.days} ngày)`)],
    ['Thời gian chạy thực', duration(r.endedRealMs - r.startedRealMs, 'real')],
    ['Số lần tắt tiến trình (SIGKILL)', r.kills.length],
    ['Số lần mất kết nối cơ sở dữ liệu', a.database === 'sqlite' ? 'Không áp dụng cho SQLite' : n(r.dbOutages.length)],
    ['Autovacuum (tự dọn dẹp) của PostgreSQL', a.database === 'sqlite' ? 'Không áp dụng cho SQLite' : r.autovacuumOff === undefined ? '—' : r.autovacuumOff ? 'Tắt: số đo thời gian chậm hơn khi bật' : 'Bật'],
    ['Giá: tin Zalo / phần SMS / thư điện tử', esc(`${n(params.prices.zaloMessage)} / ${n(params.prices.smsSegment)} / ${n(params.prices.email)} ${params.prices.currency}`)],
  ]);
  return `<section><h2>Thông số của lần chạy</h2>${facts}<details><summary>Toàn bộ tham số (JSON)</summary><pre>${esc(JSON.stringify(params, null, 2))}</pre></details></section>`;
}

const STYLE = `body{font-family:system-ui,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{font-weight:600;text-align:left;padding:4px 0}.ok{color:#1a7f37;font-weight:600}.bad,.broken{color:#b8002e;font-weight:600}
figure.chart{margin:1rem 0}figcaption{font-weight:600}svg{max-width:100%;height:auto}.side{display:flex;gap:2rem;flex-wrap:wrap;align-items:flex-start}
pre{background:#f6f6f6;padding:1rem;overflow:auto;font-size:12px}`;

export function renderReport(f: ReportFile): string {
  const title = `Báo cáo chạy thử một năm của tỉnh — ${f.audit.virtual.start} đến ${f.audit.virtual.end}`;
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><h1>${esc(title)}</h1>
${promises(f)}${months(f.audit)}${dossiers(f.audit)}${remoteSigning(f.audit)}${notices(f.audit)}${zaloReceipts(f.audit)}${smsReports(f.audit)}${latenciesAndCosts(f.audit)}${periodAndCalibration(f.audit)}${runFacts(f)}
</body></html>
`.normalize('NFC');
}
