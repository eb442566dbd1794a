import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../compose';
import type { ComplianceFigures } from '../../services/reports';
import { parsePeriod, rangePeriod, type Period, type PeriodFigures } from '../../domain/reports';
import { dayToIso, isoToDay } from '../../domain/time';
import { tableToCsv, tableToXlsx, type ReportTable } from '../../documents/spreadsheet';
import { ValidationError } from '../../errors';
import { actorOf } from '../middleware/auth';
import { parse } from '../validate';
import { agencyCode, instant, isoDate, PERIOD_FORMAT } from './schemas';
import { iso } from './present';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const format = z.enum(['json', 'csv', 'xlsx']).optional();
const periodFields = {
  period: z.string().optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  asOf: instant.optional(),
  agency: agencyCode.optional(),
  format,
};

export const periodReportQuery = z.strictObject({ ...periodFields, groupBy: z.enum(['agency', 'procedure', 'field', 'unit']).default('agency') });
export const complianceReportQuery = z.strictObject(periodFields);
export const overdueReportQuery = z.strictObject({ at: instant.optional(), format });
export const publicBoardQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(365).default(30) });

/** `period=2026-Q1` (also 2026, 2026-H1, 2026-03) or `from` and `to` (days, both included). */
function periodOf(q: { period?: string; from?: string; to?: string }): Period {
  if (q.period !== undefined) {
    if (q.from !== undefined || q.to !== undefined) {
      throw new ValidationError([{ field: 'query.period', message: 'Chỉ dùng period hoặc cặp from, to — không dùng cả hai' }]);
    }
    const p = parsePeriod(q.period);
    if (!p) throw new ValidationError([{ field: 'query.period', message: PERIOD_FORMAT }]);
    return p;
  }
  const missing = (['from', 'to'] as const).filter((k) => q[k] === undefined);
  if (missing.length) throw new ValidationError(missing.map((k) => ({ field: `query.${k}`, message: 'Cần kỳ báo cáo: period, hoặc from và to (YYYY-MM-DD)' })));
  const from = isoToDay(q.from as string);
  const to = isoToDay(q.to as string);
  if (to < from) throw new ValidationError([{ field: 'query.to', message: 'Ngày kết thúc phải sau hoặc bằng ngày bắt đầu' }]);
  return rangePeriod(from, to, q.from as string, q.to as string);
}

function formatOf(req: Request, asked: 'json' | 'csv' | 'xlsx' | undefined): 'json' | 'csv' | 'xlsx' {
  if (asked) return asked;
  const accepted = req.accepts(['application/json', 'text/csv', XLSX_TYPE]);
  return accepted === 'text/csv' ? 'csv' : accepted === XLSX_TYPE ? 'xlsx' : 'json';
}

/** A plain-ASCII twin of a Vietnamese file name, for clients that ignore `filename*`. */
function asciiName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-+/g, '-');
}

export async function sendTable(res: Response, kind: 'csv' | 'xlsx', table: ReportTable): Promise<void> {
  const name = `${table.fileName}.${kind}`.normalize('NFC');
  res.setHeader('Content-Disposition', `attachment; filename="${asciiName(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`);
  if (kind === 'csv') res.type('text/csv; charset=utf-8').send(tableToCsv(table));
  else res.type(XLSX_TYPE).send(await tableToXlsx(table));
}

const rate = (r: number | null) => (r === null ? null : Math.round(r * 10_000) / 10_000);

function figuresJson(f: PeriodFigures) {
  return { ...f, onTimeRate: rate(f.onTimeRate), timelinessRate: rate(f.timelinessRate) };
}

function complianceJson(f: ComplianceFigures) {
  return { ...f, complianceRate: rate(f.complianceRate) };
}

function periodJson(p: Period) {
  return { from: dayToIso(p.from), to: dayToIso(p.to), label: p.label };
}

/** Supervision reports, each as JSON, CSV (UTF-8 with BOM) or XLSX. */
export function registerReportRoutes(r: Router, s: Services): void {
  r.get('/reports/period', async (req, res) => {
    const q = parse(periodReportQuery, req.query, 'query');
    const report = await s.reports.period({ period: periodOf(q), groupBy: q.groupBy, asOf: q.asOf, agencyCode: q.agency }, actorOf(req));
    const kind = formatOf(req, q.format);
    if (kind !== 'json') return sendTable(res, kind, s.reports.periodTable(report));
    res.json({
      title: report.title,
      period: periodJson(report.period),
      groupBy: report.groupBy,
      at: iso(report.at.getTime()),
      asOf: iso(report.asOf.getTime()),
      rows: report.rows.map((row) => ({ key: row.key, name: row.name, ...figuresJson(row.figures) })),
      total: figuresJson(report.total),
    });
  });

  r.get('/reports/overdue', async (req, res) => {
    const q = parse(overdueReportQuery, req.query, 'query');
    const report = await s.reports.overdue({ at: q.at }, actorOf(req));
    const kind = formatOf(req, q.format);
    if (kind !== 'json') return sendTable(res, kind, s.reports.overdueTable(report));
    res.json({
      title: report.title,
      at: iso(report.at.getTime()),
      rows: report.rows.map((e) => ({
        rank: e.rank,
        agencyCode: e.agency.code,
        agencyName: e.agency.name,
        overdue: e.overdue,
        over30Days: e.over30Days,
        oldest: { code: e.oldestCode, dueAt: iso(e.oldestDueAt.getTime()), daysLate: e.oldestDaysLate },
      })),
      total: report.total,
    });
  });

  r.get('/reports/apologies', async (req, res) => {
    const q = parse(complianceReportQuery, req.query, 'query');
    const report = await s.reports.compliance({ period: periodOf(q), asOf: q.asOf, agencyCode: q.agency }, actorOf(req));
    const kind = formatOf(req, q.format);
    if (kind !== 'json') return sendTable(res, kind, s.reports.complianceTable(report));
    res.json({
      title: report.title,
      period: periodJson(report.period),
      at: iso(report.at.getTime()),
      asOf: iso(report.asOf.getTime()),
      rows: report.rows.map((row) => ({ agencyCode: row.key, agencyName: row.name, ...complianceJson(row.figures) })),
      total: complianceJson(report.total),
    });
  });
}

/** The public board's data, without a token: registered before the API's authentication. */
export function registerPublicRoutes(r: Router, s: Services): void {
  r.get('/public/apologies', async (req, res) => {
    const q = parse(publicBoardQuery, req.query, 'query');
    const board = await s.reports.publicBoard(q.days);
    res.json({
      days: board.days,
      since: iso(board.since.getTime()),
      agencies: board.agencies.map((a) => ({ ...a, onTimeRate: rate(a.onTimeRate) })),
      items: board.apologies.map((a) => ({
        agencyName: a.agencyName,
        procedureName: a.procedureName,
        dossierCode: a.maskedCode,
        originalDueAt: iso(a.originalDueAt.getTime()),
        newDueAt: iso(a.newDueAt.getTime()),
        reason: a.reason,
        issuedAt: iso(a.issuedAt.getTime()),
      })),
    });
  });
}
