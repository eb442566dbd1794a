import { Router } from 'express';
import type { Services } from '../../compose';
import type { Agency, AgencyInput } from '../../db/agencies';
import { DEFAULT_AGENCY_SETTINGS } from '../../domain/agency';
import type { Procedure, ProcedureInput } from '../../db/procedures';
import { isSupportedInstant } from '../../domain/calendar';
import { computeDue } from '../../domain/deadline';
import { localDayOf, parseHhmm } from '../../domain/time';
import { RuleError, ValidationError } from '../../errors';
import { actorOf, requireToken } from '../middleware/auth';
import { idempotency } from '../middleware/idempotency';
import { parse } from '../validate';
import {
  agencyQuery,
  agencyPatchSchema,
  agencySchema,
  calendarEntriesSchema,
  createDossierSchema,
  dueQuery,
  eventSchema,
  listDossiersQuery,
  dossierListArgs,
  procedurePatchSchema,
  procedureSchema,
  yearParam,
  entryId,
  OUT_OF_RANGE,
} from './schemas';
import { agencyJson, calendarDayJson, dossierJson, eventJson, iso, pauseJson, procedureJson, storedEntryJson } from './present';
import type { z } from 'zod';
import { registerApologyRoutes } from './apologies';
import { registerMessageRoutes } from './messages';
import { registerPublicRoutes, registerReportRoutes } from './reports';
import { registerInteropRoutes } from './interop';
import { registerBatchRoutes } from './batches';

type AgencyBody = z.output<typeof agencySchema>;
type ProcedureBody = z.output<typeof procedureSchema>;

/** A validated body (whole or patch) over the current agency; the staff pages reuse it. */
export function agencyInput(body: Partial<AgencyBody>, base: AgencyInput): AgencyInput {
  return {
    code: body.code ?? base.code,
    name: body.name ?? base.name,
    parentName: body.parentName ?? base.parentName,
    placeName: body.placeName ?? base.placeName,
    letterSymbol: body.letterSymbol ?? base.letterSymbol,
    level: body.level ?? base.level,
    contactEmail: body.contactEmail === undefined ? base.contactEmail : body.contactEmail,
    contactPhone: body.contactPhone === undefined ? base.contactPhone : body.contactPhone,
    address: body.address === undefined ? base.address : body.address,
    settings: { ...base.settings, ...(body.settings ?? {}) } as Agency['settings'],
  };
}

/** A validated body (whole or patch) over the current procedure; the staff pages reuse it. */
export async function procedureInput(
  body: Partial<ProcedureBody>,
  base: ProcedureInput,
  agencyIdOf: (code: string | null | undefined, field: string) => Promise<number | null>,
): Promise<ProcedureInput> {
  const time = body.processingTime;
  return {
    code: body.code ?? base.code,
    name: body.name ?? base.name,
    field: body.field ?? base.field,
    agencyId: body.agencyCode === undefined ? base.agencyId : await agencyIdOf(body.agencyCode, 'agencyCode'),
    timeUnit: time?.unit ?? base.timeUnit,
    timeAmount: time ? (time.unit === 'same_day' ? 0 : time.amount) : base.timeAmount,
    sameDayCutoff: time ? (time.unit === 'same_day' ? parseHhmm(time.cutoff) : null) : base.sameDayCutoff,
    supplementPolicy: body.supplementPolicy ?? base.supplementPolicy,
    defaultExtensionDays: body.defaultExtensionDays ?? base.defaultExtensionDays,
    defaultDelayReason: body.defaultDelayReason ?? base.defaultDelayReason,
  };
}

/** The JSON API, `/api/v1`. Routes only translate HTTP to use cases and back. */
export function apiRouter(s: Services): Router {
  const r = Router();
  registerPublicRoutes(r, s);
  r.use(requireToken(s.tokens));
  r.use(idempotency(s.idempotency, s.clock, s.config.idempotencyClaimMs));

  const agencyIdOf = s.registry.agencyIdOf.bind(s.registry);
  const agencyMap = async () => new Map((await s.registry.listAgencies()).map((a) => [a.id, a]));

  // Agencies
  r.get('/agencies', async (_req, res) => {
    res.json({ items: (await s.registry.listAgencies()).map(agencyJson) });
  });
  r.post('/agencies', async (req, res) => {
    const body = parse(agencySchema, req.body);
    const blank = { ...agencyInput(body, { settings: DEFAULT_AGENCY_SETTINGS } as AgencyInput) };
    const agency = await s.registry.createAgency(blank, actorOf(req));
    res.status(201).location(`/api/v1/agencies/${encodeURIComponent(agency.code)}`).json(agencyJson(agency));
  });
  r.get('/agencies/:code', async (req, res) => {
    res.json(agencyJson(await s.registry.agency(req.params.code)));
  });
  r.patch('/agencies/:code', async (req, res) => {
    const body = parse(agencyPatchSchema, req.body);
    const agency = await s.registry.updateAgency(req.params.code, (current) => agencyInput(body, current), actorOf(req));
    s.calendars.invalidate();
    res.json(agencyJson(agency));
  });
  r.delete('/agencies/:code', async (req, res) => {
    await s.registry.deleteAgency(req.params.code, actorOf(req));
    res.status(204).end();
  });

  // Procedures
  r.get('/procedures', async (_req, res) => {
    const agencies = await agencyMap();
    res.json({ items: (await s.registry.listProcedures()).map((p) => procedureJson(p, agencies)) });
  });
  r.post('/procedures', async (req, res) => {
    const body = parse(procedureSchema, req.body);
    const p = await s.registry.createProcedure(await procedureInput(body, {} as ProcedureInput, agencyIdOf), actorOf(req));
    res.status(201).location(`/api/v1/procedures/${encodeURIComponent(p.code)}`).json(procedureJson(p, await agencyMap()));
  });
  r.get('/procedures/:code', async (req, res) => {
    res.json(procedureJson(await s.registry.procedure(req.params.code), await agencyMap()));
  });
  r.patch('/procedures/:code', async (req, res) => {
    const body = parse(procedurePatchSchema, req.body);
    const current = await s.registry.procedure(req.params.code);
    const next = await procedureInput(body, current as Procedure, agencyIdOf);
    const p = await s.registry.updateProcedure(req.params.code, () => next, actorOf(req));
    res.json(procedureJson(p, await agencyMap()));
  });
  r.delete('/procedures/:code', async (req, res) => {
    await s.registry.deleteProcedure(req.params.code, actorOf(req));
    res.status(204).end();
  });

  // Dossiers
  r.post('/dossiers', async (req, res) => {
    const body = parse(createDossierSchema, req.body);
    const { view, created } = await s.dossiers.create(body, actorOf(req));
    res
      .status(created ? 201 : 200)
      .location(`/api/v1/dossiers/${encodeURIComponent(view.dossier.code)}`)
      .json(dossierJson(view));
  });
  r.get('/dossiers', async (req, res) => {
    const q = parse(listDossiersQuery, req.query, 'query');
    const { filter, sort, limit, offset } = dossierListArgs(q);
    const { items, total } = await s.dossiers.list(filter, sort, limit, offset, actorOf(req));
    res.json({ items: items.map(dossierJson), page: q.page, pageSize: q.pageSize, total });
  });
  r.get('/dossiers/:code', async (req, res) => {
    res.json(dossierJson(await s.dossiers.get(req.params.code, actorOf(req))));
  });
  r.get('/dossiers/:code/events', async (req, res) => {
    const { events, pauses } = await s.dossiers.history(req.params.code, actorOf(req));
    res.json({ items: events.map(eventJson), pauses: pauses.map(pauseJson) });
  });
  r.post('/dossiers/:code/events', async (req, res) => {
    const body = parse(eventSchema, req.body);
    const view = await s.dossiers.recordEvent(req.params.code, body, actorOf(req));
    res.status(201).json(dossierJson(view));
  });

  // Calendar
  r.get('/calendar/due', async (req, res) => {
    const q = parse(dueQuery, req.query, 'query');
    if ((q.days === undefined) === (q.hours === undefined)) {
      throw new ValidationError([{ field: 'query.days', message: 'Cần đúng một trong hai tham số days hoặc hours' }]);
    }
    const { agency, calendar } = await s.calendars.forAgencyCode(q.agency);
    const time = q.days !== undefined ? { unit: 'days' as const, amount: q.days } : { unit: 'hours' as const, amount: q.hours as number };
    const due = computeDue(calendar, q.from, time);
    if (!isSupportedInstant(due)) {
      throw new RuleError('out-of-calendar', 'Hạn tính được nằm ngoài phạm vi lịch hỗ trợ', [{ field: `query.${time.unit}`, message: `Hạn tính được: ${OUT_OF_RANGE.toLowerCase()}` }]);
    }
    res.json({
      from: iso(q.from.getTime()),
      ...time,
      agencyCode: agency?.code ?? null,
      dueAt: iso(due.getTime()),
      dueDate: iso(due.getTime())?.slice(0, 10),
      estimated: calendar.isEstimated(Number(iso(due.getTime())?.slice(0, 4))) || calendar.isEstimated(Number(iso(q.from.getTime())?.slice(0, 4))),
      workingDaysFromToday: calendar.workingDaysBetween(localDayOf(s.clock.now()), localDayOf(due)),
    });
  });
  r.get('/calendar/:year', async (req, res) => {
    const year = parse(yearParam, req.params.year, 'year');
    const { agency } = parse(agencyQuery, req.query, 'query');
    const { days, estimated } = await s.calendars.year(year, agency);
    res.json({ year, agencyCode: agency ?? null, estimated, days: days.map(calendarDayJson) });
  });
  r.post('/calendar/entries', async (req, res) => {
    const body = parse(calendarEntriesSchema, req.body);
    const actor = actorOf(req);
    const saved = await s.calendars.saveEntries(body.entries, actor);
    const agencyCodes = body.entries.some((e) => e.agencyCode === null) ? null : [...new Set(body.entries.map((e) => e.agencyCode as string))];
    const recomputed = await s.recompute.recompute(agencyCodes, actor, `Lịch thay đổi: ${body.entries.map((e) => e.date).join(', ')}`);
    res.status(201).json({ entries: saved.map(storedEntryJson), recomputed });
  });
  r.delete('/calendar/entries/:id', async (req, res) => {
    const id = parse(entryId, req.params.id, 'id');
    const actor = actorOf(req);
    const removed = await s.calendars.removeEntry(id, actor);
    const recomputed = await s.recompute.recompute(removed.agencyCode ? [removed.agencyCode] : null, actor, `Lịch thay đổi: bỏ ${removed.date}`);
    res.json({ removed: storedEntryJson(removed), recomputed });
  });

  registerApologyRoutes(r, s);
  registerMessageRoutes(r, s);
  registerReportRoutes(r, s);
  registerInteropRoutes(r, s);
  registerBatchRoutes(r, s);
  return r;
}
