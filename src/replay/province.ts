/**
 * The synthetic province: its catalogue (agencies and procedures as the registry takes them) and
 * the dossiers it receives, day by day. Everything about a day — how many dossiers, which, from
 * whom, and what will happen to them (supplement rounds, how long the officer takes, whether it
 * slips) — is drawn from streams seeded by (seed, day), so a day is the same whichever process
 * generates it and in whatever order; and a run never holds more than one day in memory.
 */
import type { AgencyInput } from '../db/agencies';
import type { ApplicantKind, IntakeChannel } from '../db/dossiers';
import type { ProcedureInput } from '../db/procedures';
import { DEFAULT_AGENCY_SETTINGS } from '../domain/agency';
import type { Actor } from '../domain/actor';
import { dayStartMs, dayToYmd, formatVnIso, MINUTE_MS, parseHhmm, type DayNumber } from '../domain/time';
import type { DossierInput } from '../services/dossiers';
import type { RegistryService } from '../services/registry';
import { emailOf, mobile, organisationName, personName } from '../demo/people';
import { fateOf, type DossierFate } from './fate';
import { intakeModelOf, type Desk } from './intake';
import type { AgencyParams, ProcedureParams, ReplayParams } from './params';
import { cumulative, logNormal, normal, pickIndex, poisson, STREAM, streamRng, type Rng } from './random';

export { afterOfficeHours, allowedOfficeHours, finishInstant, type DossierFate, type SupplementRound } from './fate';

const HOUR_MS = 60 * MINUTE_MS;

export interface DossierArrival {
  code: string;
  /** Epoch ms the dossier is received (accepted) at the counter or from the portal: inside office hours. */
  receivedAt: number;
  /** Online and post: when the citizen submitted or posted it. */
  submittedAt?: number;
  /** The deciding agency. */
  agencyCode: string;
  /** The counter that receives it (the service centre for departments). */
  receivingAgencyCode: string;
  procedureCode: string;
  source: IntakeChannel;
  applicant: { kind: ApplicantKind; name: string; phone?: string; email?: string; zalo: boolean };
  fate: DossierFate;
}

/** A procedure as the registry takes it, its deciding agency named by code (ids exist only once agencies are created). */
export type CatalogueProcedure = Omit<ProcedureInput, 'agencyId'> & { agencyCode: string | null };

export interface Catalogue {
  agencies: AgencyInput[];
  procedures: CatalogueProcedure[];
}

function agencyInput(a: AgencyParams): AgencyInput {
  return {
    code: a.code,
    name: a.name,
    parentName: a.parentName,
    placeName: a.placeName,
    letterSymbol: a.letterSymbol,
    level: a.level,
    contactEmail: null,
    contactPhone: null,
    address: null,
    settings: {
      ...DEFAULT_AGENCY_SETTINGS,
      apologyMode: a.apologyMode,
      apologyLeadWorkingDays: a.apologyLeadWorkingDays,
      officeHours: a.officeHours,
      signerName: a.signerName,
      signerTitle: a.signerTitle,
    },
  };
}

function procedureInput(x: ProcedureParams, agencyCode: string | null): CatalogueProcedure {
  const { days, hours, sameDayCutoff } = x.processing;
  return {
    code: x.code,
    name: x.name,
    field: x.field,
    agencyCode,
    timeUnit: days !== undefined ? 'days' : hours !== undefined ? 'hours' : 'same_day',
    timeAmount: days ?? hours ?? 0,
    sameDayCutoff: sameDayCutoff !== undefined ? parseHhmm(sameDayCutoff) : null,
    supplementPolicy: x.supplementPolicy,
    defaultExtensionDays: x.extensionDays,
    defaultDelayReason: x.delayReason,
  };
}

/**
 * Agencies and procedures of the province. A procedure listed under several agencies (civil
 * status at every commune) is one procedure with no deciding agency of its own: the commune
 * that receives the dossier decides it.
 */
export function provinceCatalogue(p: ReplayParams): Catalogue {
  const owners = new Map<string, { x: ProcedureParams; agencies: Set<string> }>();
  for (const a of p.agencies) {
    for (const x of a.procedures) {
      const seen = owners.get(x.code);
      if (seen) seen.agencies.add(a.code);
      else owners.set(x.code, { x, agencies: new Set([a.code]) });
    }
  }
  return {
    agencies: p.agencies.map(agencyInput),
    procedures: [...owners.values()].map(({ x, agencies }) => procedureInput(x, agencies.size === 1 ? [...agencies][0] : null)),
  };
}

/** Creates the catalogue through the registry's use cases (as an administrator would), skipping what exists. */
export async function installCatalogue(registry: RegistryService, actor: Actor, p: ReplayParams): Promise<void> {
  const { agencies, procedures } = provinceCatalogue(p);
  const existing = new Set((await registry.listAgencies()).map((a) => a.code));
  for (const a of agencies) if (!existing.has(a.code)) await registry.createAgency(a, actor);
  const ids = new Map((await registry.listAgencies()).map((a) => [a.code, a.id]));
  const known = new Set((await registry.listProcedures()).map((x) => x.code));
  for (const { agencyCode, ...x } of procedures) {
    if (known.has(x.code)) continue;
    await registry.createProcedure({ ...x, agencyId: agencyCode === null ? null : (ids.get(agencyCode) ?? null) }, actor);
  }
}

interface DeskPlan {
  desk: Desk;
  procedures: ProcedureParams[];
  cumProcedures: Float64Array;
}

const plans = new WeakMap<ReplayParams, { desks: DeskPlan[]; cumSources: Float64Array; cumContacts: Float64Array; cumRounds: Map<ProcedureParams, Float64Array> }>();

function planOf(p: ReplayParams) {
  let plan = plans.get(p);
  if (!plan) {
    const model = intakeModelOf(p);
    const cumRounds = new Map<ProcedureParams, Float64Array>();
    for (const a of p.agencies) for (const x of a.procedures) cumRounds.set(x, cumulative(x.supplementRounds));
    plan = {
      desks: model.desks.map((desk) => ({ desk, procedures: desk.agency.procedures, cumProcedures: cumulative(desk.agency.procedures.map((x) => x.share)) })),
      cumSources: cumulative([p.intake.sources.online, p.intake.sources.counter, p.intake.sources.post]),
      cumContacts: cumulative([p.contacts.zalo, p.contacts.noZaloPhone, p.contacts.email, p.contacts.none]),
      cumRounds,
    };
    plans.set(p, plan);
  }
  return plan;
}

const SOURCES: IntakeChannel[] = ['online', 'counter', 'post'];
const SECOND_MS = 1000;

/** A whole-second instant in the desk's office hours of the day; mornings take `morningShare` of the dossiers. */
function receiptInstant(rng: Rng, desk: Desk, day: DayNumber, morningShare: number): number {
  const segments = desk.calendar.segmentsOf(day);
  const noon = 12 * 60;
  const morning = segments.filter((s) => s.start < noon);
  const afternoon = segments.filter((s) => s.start >= noon);
  const useMorning = afternoon.length === 0 || (morning.length > 0 && rng.float() < morningShare);
  const pool = useMorning ? morning : afternoon;
  const minutes = pool.reduce((s, r) => s + (r.end - r.start), 0);
  let u = rng.float() * minutes;
  for (const r of pool) {
    const len = r.end - r.start;
    if (u < len) return Math.floor((dayStartMs(day) + (r.start + u) * MINUTE_MS) / SECOND_MS) * SECOND_MS;
    u -= len;
  }
  return dayStartMs(day) + pool[0].start * MINUTE_MS;
}

function applicantOf(p: ReplayParams, rng: Rng, x: ProcedureParams, cumContacts: Float64Array): DossierArrival['applicant'] {
  const kind: ApplicantKind = x.applicants === 'both' ? (rng.chance(0.25) ? 'organisation' : 'person') : x.applicants;
  const name = kind === 'person' ? personName(rng) : organisationName(rng);
  switch (pickIndex(rng, cumContacts)) {
    case 0:
      return { kind, name, phone: mobile(rng), zalo: true };
    case 1:
      return { kind, name, phone: mobile(rng), zalo: false };
    case 2:
      return { kind, name, email: emailOf(name, rng), zalo: false };
    default:
      return { kind, name, zalo: false };
  }
}

function yymmdd(day: DayNumber): string {
  const { year, month, day: d } = dayToYmd(day);
  return `${String(year % 100).padStart(2, '0')}${String(month).padStart(2, '0')}${String(d).padStart(2, '0')}`;
}

/**
 * The dossiers received on day `dayIndex` of the run (0 = params.start), sorted by receipt.
 * Codes are `<receiving agency>.<yymmdd>.<n>`, numbered per counter in order of receipt.
 */
export function arrivalsForDay(p: ReplayParams, dayIndex: number): DossierArrival[] {
  if (!Number.isInteger(dayIndex) || dayIndex < 0) throw new RangeError(`dayIndex must be a whole number ≥ 0, got ${dayIndex}`);
  const model = intakeModelOf(p);
  const plan = planOf(p);
  const day = model.startDay + dayIndex;
  const expected = model.expected(day);
  const intake = streamRng(p.seed, dayIndex, STREAM.intake);
  // One factor for the whole province: a rainy day or a system outage at the portal is province-wide.
  const sigma = p.intake.dailyNoise;
  const noise = sigma > 0 ? Math.exp(sigma * normal(intake) - (sigma * sigma) / 2) : 1;

  const drafts: { desk: DeskPlan; x: ProcedureParams; source: IntakeChannel; receivedAt: number }[] = [];
  plan.desks.forEach((desk, i) => {
    const n = poisson(intake, expected[i] * noise);
    for (let k = 0; k < n; k++) {
      drafts.push({
        desk,
        x: desk.procedures[pickIndex(intake, desk.cumProcedures)],
        source: SOURCES[pickIndex(intake, plan.cumSources)],
        receivedAt: receiptInstant(intake, desk.desk, day, p.intake.morningShare),
      });
    }
  });
  drafts.sort((a, b) => a.receivedAt - b.receivedAt); // stable: ties keep desk order

  const people = streamRng(p.seed, dayIndex, STREAM.applicant);
  const fates = streamRng(p.seed, dayIndex, STREAM.fate);
  const serial = new Map<string, number>();
  const stamp = yymmdd(day);
  return drafts.map(({ desk, x, source, receivedAt }) => {
    const receiving = desk.desk.receiving.code;
    const n = (serial.get(receiving) ?? 0) + 1;
    serial.set(receiving, n);
    const applicant = applicantOf(p, people, x, plan.cumContacts);
    let submittedAt: number | undefined;
    if (source === 'online') submittedAt = receivedAt - Math.round(logNormal(people, { median: 6, p90: 48 }) * HOUR_MS);
    if (source === 'post') submittedAt = receivedAt - (1 + Math.floor(people.float() * 4)) * 24 * HOUR_MS;
    return {
      code: `${receiving}.${stamp}.${String(n).padStart(5, '0')}`.toUpperCase(),
      receivedAt,
      ...(submittedAt !== undefined ? { submittedAt } : {}),
      agencyCode: desk.desk.agency.code,
      receivingAgencyCode: receiving,
      procedureCode: x.code,
      source,
      applicant,
      fate: fateOf(p, fates, desk.desk.agency, x, plan.cumRounds.get(x)!),
    };
  });
}

/**
 * The dossier as the service's create use case takes it. Consent follows the contact mix: Zalo
 * for Zalo users, SMS for a phone without Zalo, e-mail when there is an address.
 */
export function dossierInputOf(a: DossierArrival): DossierInput {
  const { applicant } = a;
  return {
    code: a.code,
    procedureCode: a.procedureCode,
    receivingAgencyCode: a.receivingAgencyCode,
    decidingAgencyCode: a.agencyCode,
    applicant: { kind: applicant.kind, name: applicant.name },
    ...(applicant.phone ? { phone: applicant.phone } : {}),
    ...(applicant.email ? { email: applicant.email } : {}),
    consent: { zalo: applicant.zalo, email: Boolean(applicant.email), sms: Boolean(applicant.phone) && !applicant.zalo },
    channel: a.source,
    ...(a.submittedAt !== undefined ? { submittedAt: new Date(a.submittedAt) } : {}),
    acceptedAt: new Date(a.receivedAt),
  };
}

/**
 * The same dossier as the body of `POST /api/v1/dossiers`, for a driver that receives through
 * the HTTP API (instants in ISO 8601 with the +07:00 offset, as a one-stop system sends them).
 */
export function dossierBodyOf(a: DossierArrival): Record<string, unknown> {
  const { submittedAt, acceptedAt, ...rest } = dossierInputOf(a);
  return { ...rest, ...(submittedAt ? { submittedAt: formatVnIso(submittedAt) } : {}), acceptedAt: formatVnIso(acceptedAt) };
}
