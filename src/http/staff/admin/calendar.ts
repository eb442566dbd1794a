/**
 * The working calendar of a year: days off and make-up days, national or of one agency, and the
 * confirmation of days estimated from the law. Saving re-computes the due dates it moves.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { mayActFor } from '../../../domain/actor';
import { OCCASION_NAMES, type CalendarEntry, type Occasion } from '../../../domain/holidays';
import { NotFoundError, RuleError } from '../../../errors';
import { calendarEntriesSchema, text, yearParam } from '../../api/schemas';
import { parse } from '../../validate';
import { readDay } from '../../dates';
import { dayToIso } from '../../../domain/time';
import { markedDays, WEEKDAY_HEADERS, yearGrid } from './calendar-grid';
import { actorOf, adminPage, formOf, orNull, refusal, type AdminDeps } from './shared';

const confirmForm = z.object({ occasion: z.enum(Object.keys(OCCASION_NAMES) as [Occasion, ...Occasion[]]), source: text(500) });

const movedNotice = (req: Request): string | null => {
  const moved = typeof req.query.moved === 'string' && /^\d{1,9}$/.test(req.query.moved) ? Number(req.query.moved) : null;
  return moved === null ? null : `Đã lưu lịch; ${moved.toLocaleString('vi-VN')} hồ sơ được tính lại hạn giải quyết.`;
};

export function calendarPages({ services: s, views }: AdminDeps<'calendars' | 'registry' | 'recompute' | 'clock'>): Router {
  const r = Router();
  const page = adminPage(views);
  const calendarPage = async (
    req: Request,
    res: Response,
    year: number,
    extra: Record<string, unknown> = {},
    status = 200,
    confirm?: { occasion: string; error: string | null },
  ) => {
    const agencyCode = typeof req.query.coQuan === 'string' && req.query.coQuan ? req.query.coQuan : undefined;
    const { days, estimated } = await s.calendars.yearToManage(year, actorOf(req), agencyCode);
    const marks = markedDays(days);
    const estimates = new Map<string, { occasion: string; name: string; days: typeof marks; sourceError: string | null }>();
    for (const d of days.filter((x) => x.estimate)) {
      const occasion = d.occasion ?? '';
      const group = estimates.get(occasion) ?? {
        occasion,
        name: d.occasion ? OCCASION_NAMES[d.occasion] : 'Ngày khác',
        days: [],
        sourceError: occasion === confirm?.occasion ? confirm.error : null,
      };
      group.days.push(...marks.filter((m) => m.date === d.date && m.agencyCode === d.agencyCode));
      estimates.set(occasion, group);
    }
    const agencies = await s.registry.agenciesToManage(actorOf(req));
    const scope = agencyCode ? `&coQuan=${encodeURIComponent(agencyCode)}` : '';
    page(
      req,
      res,
      'calendar',
      {
        title: `Lịch làm việc năm ${year}`,
        year,
        agencyCode,
        scope,
        prevYear: year - 1,
        nextYear: year + 1,
        estimated,
        months: yearGrid(year, marks),
        weekdays: WEEKDAY_HEADERS,
        marks,
        estimates: [...estimates.values()],
        agencies,
        mayEditNational: mayActFor(actorOf(req), 'registry.manage', null),
        kinds: [
          { value: 'off', label: 'Ngày nghỉ' },
          { value: 'work', label: 'Ngày làm việc (làm bù)' },
        ],
        values: { kind: 'off', agencyCode: agencyCode ?? '' },
        errors: {},
        ...extra,
      },
      status,
    );
  };
  const yearOf = (v: unknown): number => {
    try {
      return parse(yearParam, v ?? new Date(s.clock.now()).getUTCFullYear(), 'nam');
    } catch {
      throw new NotFoundError('Năm không hợp lệ');
    }
  };
  /** Saves the entries, re-computes the dossiers they move, and says where to go next. */
  const saveCalendar = async (req: Request, year: number, entries: CalendarEntry[]): Promise<string> => {
    const saved = await s.calendars.saveEntries(entries, actorOf(req));
    const agencyCodes = saved.some((e) => e.agencyCode === null) ? null : [...new Set(saved.map((e) => e.agencyCode as string))];
    const { moved } = await s.recompute.recompute(agencyCodes, actorOf(req), `Lịch thay đổi: ${entries.map((e) => e.date).join(', ')}`);
    const scope = agencyCodes?.length === 1 ? `&coQuan=${encodeURIComponent(agencyCodes[0])}` : '';
    return `/quan-tri/lich?nam=${year}${scope}&moved=${moved}`;
  };

  r.get('/quan-tri/lich', async (req, res) => {
    await calendarPage(req, res, yearOf(req.query.nam), { saved: movedNotice(req) });
  });
  r.post('/quan-tri/lich', async (req, res) => {
    const year = yearOf(req.query.nam);
    const f = formOf(req);
    const day = readDay(f.date ?? '');
    try {
      const { entries } = parse(calendarEntriesSchema, {
        entries: [{ date: 'day' in day ? dayToIso(day.day) : '', kind: f.kind, name: f.name ?? '', source: f.source ?? '', agencyCode: orNull(f.agencyCode) }],
      });
      res.redirect(303, await saveCalendar(req, Number(entries[0].date.slice(0, 4)), entries));
    } catch (err) {
      const shown = refusal(err, { kind: 'Chọn ngày nghỉ hoặc ngày làm bù', ...('problem' in day ? { date: day.problem } : {}) });
      await calendarPage(req, res, year, { values: f, errors: shown.errors, error: shown.message }, shown.status);
    }
  });
  // Confirming an estimate stores the whole occasion as decided: a decision about an occasion
  // replaces all its law-derived days of that year, so every one of them is saved again.
  r.post('/quan-tri/lich/xac-nhan', async (req, res) => {
    const year = yearOf(req.query.nam);
    const f = formOf(req);
    try {
      const { occasion, source } = parse(confirmForm, f);
      const { days } = await s.calendars.yearToManage(year, actorOf(req));
      const ofOccasion = days.filter((d) => d.occasion === occasion && d.agencyCode === null);
      if (!ofOccasion.some((d) => d.estimate)) throw new RuleError('nothing-to-confirm', `Năm ${year} không có ngày dự kiến nào của dịp này`);
      res.redirect(303, await saveCalendar(req, year, ofOccasion.map((d) => ({ date: d.date, kind: d.kind, occasion: d.occasion, name: d.name, agencyCode: null, source, estimate: false }))));
    } catch (err) {
      const shown = refusal(err, { source: 'Ghi rõ văn bản quyết định (số hiệu, ngày, cơ quan ban hành)' });
      await calendarPage(req, res, year, { error: shown.message }, shown.status, { occasion: f.occasion ?? '', error: shown.errors.source ?? null });
    }
  });
  return r;
}
