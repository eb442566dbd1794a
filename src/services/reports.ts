import type { Agency, AgencyRepository } from '../db/agencies';
import type { Procedure, ProcedureRepository } from '../db/procedures';
import type { AsOf, ReportGrouping, ReportRepository } from '../db/reports';
import {
  addCompliance,
  addCounts,
  complianceRate,
  daysLate,
  maskCode,
  periodFigures,
  periodInstants,
  ZERO_COMPLIANCE,
  ZERO_COUNTS,
  type ComplianceCounts,
  type Period,
  type PeriodFigures,
} from '../domain/reports';
import { DAY_MS, localDayOf, formatVnIso } from '../domain/time';
import { shortDate, shortInstant } from '../domain/vn-format';
import { ValidationError } from '../errors';
import type { Clock } from '../clock';
import { scopeAgencies, type Actor } from '../domain/actor';
import { authorize } from './authorize';
import type { ReportTable } from '../documents/spreadsheet';

export interface ReportRow<F> {
  /** Agency or procedure code; the field's name for the 'field' grouping. */
  key: string;
  name: string;
  figures: F;
}

export interface PeriodReport {
  title: string;
  period: Period;
  groupBy: ReportGrouping;
  /** The instant the state is taken at: the end of the period, or `asOf` if earlier. */
  at: Date;
  asOf: Date;
  rows: ReportRow<PeriodFigures>[];
  total: PeriodFigures;
}

export interface OverdueEntry {
  rank: number;
  agency: Agency;
  overdue: number;
  over30Days: number;
  oldestCode: string;
  oldestDueAt: Date;
  oldestDaysLate: number;
}

export interface OverdueReport {
  title: string;
  at: Date;
  rows: OverdueEntry[];
  total: { overdue: number; over30Days: number };
}

export type ComplianceFigures = ComplianceCounts & { complianceRate: number | null };

export interface ComplianceReport {
  title: string;
  period: Period;
  at: Date;
  asOf: Date;
  rows: ReportRow<ComplianceFigures>[];
  total: ComplianceFigures;
}

export interface PublicApology {
  agencyName: string;
  procedureName: string;
  maskedCode: string;
  originalDueAt: Date;
  newDueAt: Date;
  reason: string;
  issuedAt: Date;
}

export interface PublicBoard {
  days: number;
  since: Date;
  agencies: { code: string; name: string; onTimeRate: number | null; resolved: number }[];
  apologies: PublicApology[];
}

export const GROUPING_LABELS: Record<ReportGrouping, string> = {
  agency: 'Cơ quan giải quyết',
  procedure: 'Thủ tục hành chính',
  field: 'Lĩnh vực',
  unit: 'Đơn vị tiếp nhận',
};

const PUBLIC_BOARD_LIMIT = 500;

export interface ReportServiceDeps {
  reports: ReportRepository;
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  clock: Clock;
}

/**
 * Supervision: what each agency received, resolved and left late in a period, the overdue
 * ranking, apology compliance and the public board — all taken from the event history at a
 * moment, so a report once given does not change.
 */
export class ReportService {
  constructor(private readonly deps: ReportServiceDeps) {}

  async period(input: { period: Period; groupBy: ReportGrouping; asOf?: Date; agencyCode?: string }, actor: Actor): Promise<PeriodReport> {
    authorize(actor, 'report.read');
    const agencies = await this.deps.agencies.list();
    const moment = this.moment(input.period, input.asOf);
    const counts = await this.deps.reports.periodCounts(
      { ...moment, ...this.scope(agencies, input.agencyCode, actor, input.groupBy === 'unit' ? 'receiving_agency_id' : 'deciding_agency_id') },
      input.groupBy,
    );
    const names = await this.namesFor(input.groupBy, agencies);
    const rows = [...counts].map(([id, c]) => ({ ...(names.get(id) ?? { key: id, name: id }), figures: periodFigures(c) }));
    rows.sort((a, b) => a.key.localeCompare(b.key, 'vi'));
    return {
      title: `Báo cáo tình hình giải quyết hồ sơ theo ${GROUPING_LABELS[input.groupBy].toLowerCase()} — ${input.period.label}`,
      period: input.period,
      groupBy: input.groupBy,
      at: new Date(moment.atMs),
      asOf: new Date(moment.asOfMs),
      rows,
      total: periodFigures([...counts.values()].reduce(addCounts, ZERO_COUNTS)),
    };
  }

  async overdue(input: { at?: Date }, actor: Actor): Promise<OverdueReport> {
    authorize(actor, 'report.read');
    const agencies = await this.deps.agencies.list();
    const byId = new Map(agencies.map((a) => [a.id, a]));
    const atMs = Math.min(input.at?.getTime() ?? Infinity, this.deps.clock.now().getTime());
    const found = await this.deps.reports.overdue({ fromMs: atMs, atMs, asOfMs: atMs, ...this.scope(agencies, undefined, actor, 'deciding_agency_id') });
    found.sort((a, b) => b.overdue - a.overdue || a.oldestDueAt - b.oldestDueAt);
    const rows = found.map((r, i) => ({
      rank: i + 1,
      agency: byId.get(r.agencyId) as Agency,
      overdue: r.overdue,
      over30Days: r.over30Days,
      oldestCode: r.oldestCode,
      oldestDueAt: new Date(r.oldestDueAt),
      oldestDaysLate: daysLate(r.oldestDueAt, atMs),
    }));
    return {
      title: `Danh sách cơ quan có hồ sơ đang giải quyết quá hạn — đến ${shortInstant(new Date(atMs))}`,
      at: new Date(atMs),
      rows,
      total: { overdue: rows.reduce((n, r) => n + r.overdue, 0), over30Days: rows.reduce((n, r) => n + r.over30Days, 0) },
    };
  }

  async compliance(input: { period: Period; asOf?: Date; agencyCode?: string }, actor: Actor): Promise<ComplianceReport> {
    authorize(actor, 'report.read');
    const agencies = await this.deps.agencies.list();
    const byId = new Map(agencies.map((a) => [a.id, a]));
    const moment = this.moment(input.period, input.asOf);
    const found = await this.deps.reports.compliance({ ...moment, ...this.scope(agencies, input.agencyCode, actor, 'deciding_agency_id') });
    const withRate = (c: ComplianceCounts): ComplianceFigures => ({ ...c, complianceRate: complianceRate(c) });
    const rows = found
      .map(({ agencyId, ...c }) => {
        const a = byId.get(agencyId) as Agency;
        return { key: a.code, name: a.name, figures: withRate(c) };
      })
      // The agencies that left the most late dossiers without an apology come first.
      .sort((a, b) => b.figures.noApology - a.figures.noApology || b.figures.late - a.figures.late || a.key.localeCompare(b.key));
    return {
      title: `Tình hình xin lỗi người dân, tổ chức khi giải quyết hồ sơ trễ hạn — ${input.period.label}`,
      period: input.period,
      at: new Date(moment.atMs),
      asOf: new Date(moment.asOfMs),
      rows,
      total: withRate(found.reduce<ComplianceCounts>((sum, { agencyId: _id, ...c }) => addCompliance(sum, c), ZERO_COMPLIANCE)),
    };
  }

  /**
   * The public board: apologies issued in the last `days` days by the agencies that publish them,
   * and each such agency's on-time rate over the same days. Codes are masked; nothing names,
   * locates or reaches a citizen.
   */
  async publicBoard(days: number): Promise<PublicBoard> {
    const now = this.deps.clock.now().getTime();
    const published = (await this.deps.agencies.list()).filter((a) => a.settings.publicBoard);
    const since = now - days * DAY_MS;
    const byId = new Map(published.map((a) => [a.id, a]));
    const rows = await this.deps.reports.publicApologies([...byId.keys()], since, PUBLIC_BOARD_LIMIT);
    const counts = published.length
      ? await this.deps.reports.periodCounts({ fromMs: since, atMs: now, asOfMs: now, agencyIds: [...byId.keys()] }, 'agency')
      : new Map();
    return {
      days,
      since: new Date(since),
      agencies: published.map((a) => {
        const f = periodFigures(counts.get(String(a.id)) ?? ZERO_COUNTS);
        return { code: a.code, name: a.name, onTimeRate: f.onTimeRate, resolved: f.resolved };
      }),
      apologies: rows.map((r) => ({
        agencyName: (byId.get(r.agencyId) as Agency).name,
        procedureName: r.procedureName,
        maskedCode: maskCode(r.dossierCode),
        originalDueAt: new Date(r.dueBefore),
        newDueAt: new Date(r.newDueAt),
        reason: r.reason,
        issuedAt: new Date(r.issuedAt),
      })),
    };
  }

  periodTable(r: PeriodReport): ReportTable {
    const line = (key: string, name: string, f: PeriodFigures) => [
      key, name, f.received, f.carriedOver, f.newTotal, f.newOnline, f.newCounter, f.newPost,
      f.resolved, f.resolvedEarly, f.resolvedOnTime, f.resolvedLate, f.pending, f.pendingNotDue, f.pendingOverdue,
      f.paused, f.withdrawn, f.rejected, f.onTimeRate, f.timelinessRate,
    ];
    const int = (header: string) => ({ header, kind: 'int' as const });
    return {
      title: r.title,
      fileName: `Báo cáo giải quyết hồ sơ theo ${GROUPING_LABELS[r.groupBy].toLowerCase()} - ${r.period.label}`,
      columns: [
        { header: r.groupBy === 'field' ? 'Lĩnh vực' : 'Mã', kind: 'text' },
        { header: GROUPING_LABELS[r.groupBy], kind: 'text' },
        int('Tổng số tiếp nhận'), int('Kỳ trước chuyển sang'), int('Mới tiếp nhận'), int('Mới tiếp nhận trực tuyến'),
        int('Mới tiếp nhận trực tiếp'), int('Mới tiếp nhận qua bưu chính'), int('Đã giải quyết'), int('Giải quyết trước hạn'),
        int('Giải quyết đúng hạn'), int('Giải quyết quá hạn'), int('Đang giải quyết'), int('Đang giải quyết trong hạn'),
        int('Đang giải quyết quá hạn'), int('Tạm dừng (chờ bổ sung)'), int('Rút hồ sơ'), int('Từ chối giải quyết'),
        { header: 'Tỷ lệ giải quyết đúng hạn', kind: 'rate' },
        { header: 'Tỷ lệ đúng hạn theo QĐ 766', kind: 'rate' },
      ],
      rows: [...r.rows.map((row) => line(row.key, row.name, row.figures)), line('', 'Tổng cộng', r.total)],
    };
  }

  overdueTable(r: OverdueReport): ReportTable {
    return {
      title: r.title,
      fileName: `Xếp hạng cơ quan có hồ sơ quá hạn - đến ngày ${shortDate(localDayOf(r.at)).replace(/\//g, '-')}`,
      columns: [
        { header: 'Thứ tự', kind: 'int' },
        { header: 'Mã cơ quan', kind: 'text' },
        { header: 'Cơ quan', kind: 'text' },
        { header: 'Số hồ sơ đang giải quyết quá hạn', kind: 'int' },
        { header: 'Quá hạn trên 30 ngày', kind: 'int' },
        { header: 'Hồ sơ quá hạn lâu nhất', kind: 'text' },
        { header: 'Hạn giải quyết của hồ sơ đó', kind: 'text' },
        { header: 'Số ngày quá hạn', kind: 'int' },
      ],
      rows: [
        ...r.rows.map((e) => [e.rank, e.agency.code, e.agency.name, e.overdue, e.over30Days, e.oldestCode, shortInstant(e.oldestDueAt), e.oldestDaysLate]),
        [null, '', 'Tổng cộng', r.total.overdue, r.total.over30Days, '', '', null],
      ],
    };
  }

  complianceTable(r: ComplianceReport): ReportTable {
    const line = (key: string, name: string, f: ComplianceFigures) => [
      key, name, f.late, f.apologyBeforeDue, f.apologyAfterDue, f.noApology, f.secondSlips,
      f.noticesDelivered, f.noticesFailed, f.noticesNotSent, f.lettersSigned, f.lettersUnsigned, f.smsSegments, f.complianceRate,
    ];
    const int = (header: string) => ({ header, kind: 'int' as const });
    return {
      title: r.title,
      fileName: `Tình hình xin lỗi hồ sơ trễ hạn - ${r.period.label}`,
      columns: [
        { header: 'Mã cơ quan', kind: 'text' },
        { header: 'Cơ quan', kind: 'text' },
        int('Hồ sơ trễ hạn'), int('Đã xin lỗi trước hạn'), int('Xin lỗi sau khi đã quá hạn'), int('Chưa xin lỗi'),
        int('Trễ cả ngày hẹn lại'), int('Thông báo đã đến người dân'), int('Thông báo gửi không thành công'), int('Thông báo chưa gửi'),
        int('Thư xin lỗi có chữ ký số'), int('Thư xin lỗi không có chữ ký số'), int('Tin nhắn SMS tính cước'),
        { header: 'Tỷ lệ xin lỗi đúng quy định', kind: 'rate' },
      ],
      rows: [...r.rows.map((row) => line(row.key, row.name, row.figures)), line('', 'Tổng cộng', r.total)],
    };
  }

  /** The instants a period report is taken at; a period still running is taken now. */
  private moment(period: Period, asOf: Date | undefined): Pick<AsOf, 'fromMs' | 'atMs' | 'asOfMs'> {
    const now = this.deps.clock.now().getTime();
    const asOfMs = Math.min(asOf?.getTime() ?? now, now);
    const { fromMs, toMs } = periodInstants(period);
    if (asOfMs < fromMs) {
      throw new ValidationError([{ field: 'query.asOf', message: `Thời điểm chốt số liệu phải sau ngày bắt đầu kỳ báo cáo (${formatVnIso(new Date(fromMs)).slice(0, 10)})` }]);
    }
    return { fromMs, atMs: Math.min(toMs, asOfMs + 1), asOfMs };
  }

  private scope(agencies: Agency[], code: string | undefined, actor: Actor, column: AsOf['agencyColumn']): Pick<AsOf, 'agencyIds' | 'agencyColumn'> {
    let requested: number[] | undefined;
    if (code !== undefined) {
      const a = agencies.find((x) => x.code === code);
      if (!a) throw new ValidationError([{ field: 'query.agency', message: `Không có cơ quan mã "${code}"` }]);
      requested = [a.id];
    }
    const agencyIds = scopeAgencies(actor, requested);
    return agencyIds ? { agencyIds, agencyColumn: column } : {};
  }

  private async namesFor(groupBy: ReportGrouping, agencies: Agency[]): Promise<Map<string, { key: string; name: string }>> {
    if (groupBy === 'agency' || groupBy === 'unit') return new Map(agencies.map((a) => [String(a.id), { key: a.code, name: a.name }]));
    if (groupBy === 'field') return new Map();
    const procedures: Procedure[] = await this.deps.procedures.list();
    return new Map(procedures.map((p) => [String(p.id), { key: p.code, name: p.name }]));
  }
}
