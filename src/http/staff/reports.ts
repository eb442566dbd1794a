import type { Request, Response, Router } from 'express';
import type { Services } from '../../compose';
import type { ReportTable } from '../../documents/spreadsheet';
import type { ReportGrouping } from '../../db/reports';
import { SUPPORTED_YEARS } from '../../domain/calendar';
import { AGENCY_CODE } from '../../domain/dossier';
import { readsFor } from '../../domain/actor';
import { parsePeriod, rangePeriod, type Period } from '../../domain/reports';
import { dayStartMs, dayToIso, dayToVn, dayToYmd, localDayOf, type DayNumber } from '../../domain/time';
import { formatNumber } from '../../domain/vn-format';
import { ValidationError, type FieldProblem } from '../../errors';
import { formErrors, staffPage } from '../pages';
import type { ViewRenderer } from '../views';
import { agencyCode } from '../api/schemas';
import { dayShown, readDay } from '../dates';
import { agencyPicker } from './pickers';
import { sendTable } from '../api/reports';
import { barChart, monthSeries } from './chart';
import { staffOf } from './session';
import type { PageGroup } from './index';

/** The form's value for "any range of days": the from / to fields are used instead. */
const RANGE = 'range';
const GROUPINGS: { value: ReportGrouping; label: string }[] = [
  { value: 'agency', label: 'Cơ quan giải quyết' },
  { value: 'procedure', label: 'Thủ tục hành chính' },
  { value: 'field', label: 'Lĩnh vực' },
  { value: 'unit', label: 'Đơn vị tiếp nhận' },
];
const ROMAN = ['I', 'II', 'III', 'IV'];
/** Bars beyond these would not fit a printed page; the table below the chart has every row. */
const MAX_BARS = 15;

type FormValues = Record<'period' | 'from' | 'to' | 'groupBy' | 'asOf' | 'agency' | 'at', string>;

interface ReportQuery {
  period: Period;
  groupBy: ReportGrouping;
  asOf?: Date;
  agencyCode?: string;
}

function formValues(query: Request['query'], defaultPeriod: string): FormValues {
  const str = (k: string) => (typeof query[k] === 'string' ? (query[k] as string).trim() : '');
  return {
    period: str('period') || defaultPeriod,
    from: str('from'),
    to: str('to'),
    groupBy: str('groupBy') || 'agency',
    asOf: str('asOf'),
    agency: str('agency'),
    at: str('at'),
  };
}

/** A day field (dd/mm/yyyy, or yyyy-mm-dd from older links), or its problem added to the others. */
function dayOf(values: FormValues, field: 'from' | 'to' | 'asOf' | 'at', problems: FieldProblem[]): DayNumber | undefined {
  const read = readDay(values[field]);
  if ('day' in read) return read.day;
  problems.push({ field, message: read.problem });
  return undefined;
}

/** A day field as the end of that day in Vietnam: "as of 31/03" includes all of the 31st. */
function endOfDay(values: FormValues, field: 'asOf' | 'at', problems: FieldProblem[]): Date | undefined {
  const day = values[field] ? dayOf(values, field, problems) : undefined;
  return day === undefined ? undefined : new Date(dayStartMs(day + 1) - 1);
}

/** What the report form asks for, or every problem with it, each named by its field. */
function reportQuery(values: FormValues): ReportQuery {
  const problems: FieldProblem[] = [];
  let period: Period | null = null;
  if (values.period === RANGE) {
    const [from, to] = (['from', 'to'] as const).map((k) => {
      if (values[k]) return dayOf(values, k, problems);
      problems.push({ field: k, message: 'Cần chọn ngày khi báo cáo theo khoảng ngày tự chọn' });
      return undefined;
    });
    if (from !== undefined && to !== undefined) {
      if (to < from) problems.push({ field: 'to', message: 'Ngày kết thúc phải sau hoặc bằng ngày bắt đầu' });
      else period = rangePeriod(from, to, dayToIso(from), dayToIso(to));
    }
  } else {
    period = parsePeriod(values.period);
    if (!period) problems.push({ field: 'period', message: `Chọn kỳ báo cáo: tháng, quý, 6 tháng, năm (từ ${SUPPORTED_YEARS.first} đến ${SUPPORTED_YEARS.last}), hoặc khoảng ngày tự chọn` });
  }
  const grouping = GROUPINGS.find((g) => g.value === values.groupBy);
  if (!grouping) problems.push({ field: 'groupBy', message: 'Chọn cách tổng hợp: theo cơ quan, thủ tục, lĩnh vực hoặc đơn vị tiếp nhận' });
  if (values.agency && !agencyCode.safeParse(values.agency).success) problems.push({ field: 'agency', message: AGENCY_CODE.message });
  const asOf = endOfDay(values, 'asOf', problems);
  if (problems.length || !period || !grouping) throw new ValidationError(problems);
  return { period, groupBy: grouping.value, asOf, agencyCode: values.agency || undefined };
}

/** The service names its query fields as the API does ("query.asOf"); the form's fields have plain names. */
function fieldErrors(errors: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k.replace(/^query\./, ''), v]));
}

/** The periods offered in the form: this year and the two before, each as year, halves, quarters and months. */
function periodOptions(now: Date, selected: string): { label: string; options: { value: string; label: string; selected: boolean }[] }[] {
  const year = dayToYmd(localDayOf(now)).year;
  const groups = [year, year - 1, year - 2].map((y) => {
    const values = [
      `${y}`,
      `${y}-H1`,
      `${y}-H2`,
      ...ROMAN.map((_r, i) => `${y}-Q${i + 1}`),
      ...Array.from({ length: 12 }, (_x, i) => `${y}-${String(i + 1).padStart(2, '0')}`),
    ];
    return {
      label: `Năm ${y}`,
      options: values.map((v) => ({ value: v, label: (parsePeriod(v) as Period).label, selected: v === selected })),
    };
  });
  // A period typed into the address (an older year) stays selected rather than silently changing.
  const known = groups.some((g) => g.options.some((o) => o.selected));
  const typed = !known && selected !== RANGE ? parsePeriod(selected) : null;
  if (typed) groups.unshift({ label: 'Kỳ đang xem', options: [{ value: selected, label: typed.label, selected: true }] });
  return groups;
}

function currentQuarter(now: Date): string {
  const { year, month } = dayToYmd(localDayOf(now));
  return `${year}-Q${Math.ceil(month / 3)}`;
}

/** A bar's label has 120 px: a field's name is cut (the table below has it whole). */
function shortLabel(key: string): string {
  return key.length > 16 ? `${key.slice(0, 15)}…` : key;
}

/** A report table as the page shows it: the same columns and rows as the CSV / XLSX files. */
function htmlTable(t: ReportTable, rowHeader: number) {
  const cell = (v: string | number | null, i: number) => {
    const kind = t.columns[i].kind;
    const text = v === null || v === '' ? (kind === 'text' ? '' : '—') : kind === 'rate' ? `${formatNumber((v as number) * 100, 1)}%` : typeof v === 'number' ? formatNumber(v) : v;
    return { text, num: kind !== 'text', header: i === rowHeader };
  };
  const rows = t.rows.map((r) => ({ cells: r.map(cell) }));
  return {
    headers: t.columns.map((c) => ({ text: c.header, num: c.kind !== 'text' })),
    body: rows.slice(0, -1),
    total: rows[rows.length - 1],
  };
}

/** The same query, for the export links. */
function queryString(values: FormValues, keys: (keyof FormValues)[]): string {
  const q = new URLSearchParams();
  for (const k of keys) if (values[k]) q.set(k, values[k]);
  return q.toString();
}

/** A report's period and the instant its figures stand at, as the report pages show them. */
function periodShown(report: { period: Period; at: Date }): { periodFrom: string; periodTo: string; stateAt: number } {
  return {
    periodFrom: dayToVn(report.period.from),
    periodTo: dayToVn(report.period.to),
    // The state is taken just before `at` (the start of the day after the period, or just after asOf).
    stateAt: report.at.getTime() - 1,
  };
}

const PERIOD_KEYS: (keyof FormValues)[] = ['period', 'from', 'to', 'groupBy', 'asOf', 'agency'];
const COMPLIANCE_KEYS: (keyof FormValues)[] = ['period', 'from', 'to', 'asOf', 'agency'];

/** Supervision reports: the period report, the overdue ranking and apology compliance, with charts and exports. */
export function reportPages(s: Services, views: ViewRenderer): PageGroup {
  /** On-time rate of each month of the period's year that has begun by the report's moment. */
  const monthlyRates = async (q: ReportQuery, req: Request) => {
    const year = dayToYmd(q.period.to).year;
    const until = Math.min(q.asOf?.getTime() ?? Infinity, s.clock.now().getTime());
    const points: { label: string; rate: number | null }[] = [];
    for (let m = 1; m <= 12; m++) {
      const month = parsePeriod(`${year}-${String(m).padStart(2, '0')}`) as Period;
      if (dayStartMs(month.from) > until) break;
      const r = await s.reports.period({ period: month, groupBy: 'agency', asOf: q.asOf, agencyCode: q.agencyCode }, staffOf(req).actor);
      points.push({ label: `T${m}`, rate: r.total.onTimeRate });
    }
    return { year, chart: points.length ? monthSeries(points) : null };
  };

  const showForm = async (req: Request, res: Response, view: string, data: Record<string, unknown>, values: FormValues, shown: ReturnType<typeof formErrors>) => {
    // Only the agencies whose figures the person may read: a leader's report is their own agency's.
    const actor = staffOf(req).actor;
    const agencies = (await s.registry.listAgencies()).filter((a) => readsFor(actor, a.id));
    staffPage(
      views,
      req,
      res,
      view,
      {
        nav: 'reports',
        values: { ...values, from: dayShown(values.from), to: dayShown(values.to), asOf: dayShown(values.asOf), at: dayShown(values.at) },
        agencyGroups: agencyPicker(agencies, values.agency),
        periodGroups: periodOptions(s.clock.now(), values.period),
        rangeSelected: values.period === RANGE,
        groupings: GROUPINGS.map((g) => ({ ...g, selected: g.value === values.groupBy })),
        errors: shown ? fieldErrors(shown.errors) : undefined,
        error: shown ? 'Chưa lập được báo cáo: xem thông báo cạnh từng ô' : null,
        ...data,
        title: data.title as string,
      },
      shown?.status ?? 200,
    );
  };

  return (r: Router) => {
    r.get('/bao-cao', async (req, res) => {
      const values = formValues(req.query, currentQuarter(s.clock.now()));
      try {
        const q = reportQuery(values);
        const report = await s.reports.period(q, staffOf(req).actor);
        const table = s.reports.periodTable(report);
        const late = report.rows
          .map((row) => ({ label: shortLabel(row.key), count: row.figures.resolvedLate + row.figures.pendingOverdue }))
          .filter((b) => b.count > 0)
          .sort((a, b) => b.count - a.count)
          .slice(0, MAX_BARS);
        // Twelve more period reports: only when asked for, so that the report itself stays one query.
        const withMonths = req.query.theoThang === '1';
        const months = withMonths ? await monthlyRates(q, req) : { year: dayToYmd(q.period.to).year, chart: null };
        const query = queryString(values, PERIOD_KEYS);
        await showForm(req, res, 'staff/reports/period', {
          title: 'Báo cáo tình hình giải quyết hồ sơ',
          report,
          ...periodShown(report),
          table: htmlTable(table, 1),
          lateChart: late.length ? barChart(late) : null,
          monthChart: months.chart,
          withMonths,
          monthsLink: `/bao-cao?${query}&theoThang=1#months-title`,
          year: months.year,
          csv: `/bao-cao/xuat.csv?${query}`,
          xlsx: `/bao-cao/xuat.xlsx?${query}`,
        }, values, null);
      } catch (err) {
        const shown = formErrors(err);
        if (!shown) throw err;
        await showForm(req, res, 'staff/reports/period', { title: 'Báo cáo tình hình giải quyết hồ sơ' }, values, shown);
      }
    });

    for (const kind of ['csv', 'xlsx'] as const) {
      r.get(`/bao-cao/xuat.${kind}`, async (req, res) => {
        const report = await s.reports.period(reportQuery(formValues(req.query, currentQuarter(s.clock.now()))), staffOf(req).actor);
        await sendTable(res, kind, s.reports.periodTable(report));
      });
      r.get(`/bao-cao/qua-han/xuat.${kind}`, async (req, res) => {
        const problems: FieldProblem[] = [];
        const at = endOfDay(formValues(req.query, ''), 'at', problems);
        if (problems.length) throw new ValidationError(problems);
        await sendTable(res, kind, s.reports.overdueTable(await s.reports.overdue({ at }, staffOf(req).actor)));
      });
      r.get(`/bao-cao/xin-loi/xuat.${kind}`, async (req, res) => {
        const q = reportQuery({ ...formValues(req.query, currentQuarter(s.clock.now())), groupBy: 'agency' });
        await sendTable(res, kind, s.reports.complianceTable(await s.reports.compliance(q, staffOf(req).actor)));
      });
    }

    r.get('/bao-cao/qua-han', async (req, res) => {
      const values = formValues(req.query, '');
      const problems: FieldProblem[] = [];
      try {
        const at = endOfDay(values, 'at', problems);
        if (problems.length) throw new ValidationError(problems);
        const report = await s.reports.overdue({ at }, staffOf(req).actor);
        const query = queryString(values, ['at']);
        await showForm(req, res, 'staff/reports/overdue', {
          title: 'Xếp hạng cơ quan có hồ sơ quá hạn',
          report,
          table: htmlTable(s.reports.overdueTable(report), 2),
          chart: report.rows.length ? barChart(report.rows.slice(0, MAX_BARS).map((e) => ({ label: e.agency.code, count: e.overdue }))) : null,
          csv: `/bao-cao/qua-han/xuat.csv${query ? `?${query}` : ''}`,
          xlsx: `/bao-cao/qua-han/xuat.xlsx${query ? `?${query}` : ''}`,
        }, values, null);
      } catch (err) {
        const shown = formErrors(err);
        if (!shown) throw err;
        await showForm(req, res, 'staff/reports/overdue', { title: 'Xếp hạng cơ quan có hồ sơ quá hạn' }, values, shown);
      }
    });

    r.get('/bao-cao/xin-loi', async (req, res) => {
      const values = { ...formValues(req.query, currentQuarter(s.clock.now())), groupBy: 'agency' };
      try {
        const report = await s.reports.compliance(reportQuery(values), staffOf(req).actor);
        const without = report.rows.filter((row) => row.figures.noApology > 0);
        const query = queryString(values, COMPLIANCE_KEYS);
        await showForm(req, res, 'staff/reports/compliance', {
          title: 'Tình hình xin lỗi khi giải quyết hồ sơ trễ hạn',
          report,
          ...periodShown(report),
          table: htmlTable(s.reports.complianceTable(report), 1),
          without: without.map((row) => ({ code: row.key, name: row.name, count: row.figures.noApology })),
          chart: without.length ? barChart(without.slice(0, MAX_BARS).map((row) => ({ label: row.key, count: row.figures.noApology }))) : null,
          csv: `/bao-cao/xin-loi/xuat.csv?${query}`,
          xlsx: `/bao-cao/xin-loi/xuat.xlsx?${query}`,
        }, values, null);
      } catch (err) {
        const shown = formErrors(err);
        if (!shown) throw err;
        await showForm(req, res, 'staff/reports/compliance', { title: 'Tình hình xin lỗi khi giải quyết hồ sơ trễ hạn' }, values, shown);
      }
    });
  };
}
