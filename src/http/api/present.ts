import type { Agency } from '../../db/agencies';
import type { Procedure } from '../../db/procedures';
import type { DossierEvent, Pause } from '../../db/dossiers';
import type { StoredCalendarEntry } from '../../db/calendar';
import type { CalendarDay } from '../../domain/calendar';
import { STATE_LABELS } from '../../domain/dossier';
import { formatHhmm, formatVnIso } from '../../domain/time';
import type { DossierView } from '../../services/dossiers';

/** Every instant leaves the API in Vietnam time with its offset: 2026-02-26T17:00:00+07:00. */
export const iso = (ms: number | null): string | null => (ms === null ? null : formatVnIso(new Date(ms)));

export function agencyJson(a: Agency) {
  return {
    code: a.code,
    name: a.name,
    parentName: a.parentName,
    placeName: a.placeName,
    letterSymbol: a.letterSymbol,
    level: a.level,
    contactEmail: a.contactEmail,
    contactPhone: a.contactPhone,
    address: a.address,
    settings: a.settings,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

export function procedureJson(p: Procedure, agencies: Map<number, Agency>) {
  return {
    code: p.code,
    name: p.name,
    field: p.field,
    agencyCode: p.agencyId === null ? null : (agencies.get(p.agencyId)?.code ?? null),
    processingTime:
      p.timeUnit === 'same_day'
        ? { unit: 'same_day', cutoff: formatHhmm(p.sameDayCutoff ?? 900) }
        : { unit: p.timeUnit, amount: p.timeAmount },
    supplementPolicy: p.supplementPolicy,
    defaultExtensionDays: p.defaultExtensionDays,
    defaultDelayReason: p.defaultDelayReason,
  };
}

export function dossierJson(v: DossierView) {
  const d = v.dossier;
  return {
    code: d.code,
    procedure: { code: v.procedure.code, name: v.procedure.name, field: v.procedure.field },
    receivingAgencyCode: v.receivingAgency.code,
    decidingAgencyCode: v.decidingAgency.code,
    applicant: { kind: d.applicantKind, name: d.applicantName },
    representative: d.representativeName
      ? { name: d.representativeName, phone: d.representativePhone, email: d.representativeEmail, address: d.representativeAddress }
      : null,
    phone: d.phone,
    email: d.email,
    address: d.address,
    consent: { zalo: d.consentZalo, email: d.consentEmail, sms: d.consentSms },
    channel: d.channel,
    submittedAt: iso(d.submittedAt),
    acceptedAt: iso(d.acceptedAt),
    originalDueAt: iso(d.originalDueAt),
    currentDueAt: iso(d.currentDueAt),
    deadlineVersion: d.deadlineVersion,
    extensionsCount: d.extensionsCount,
    state: d.state,
    stateLabel: STATE_LABELS[d.state],
    timeliness: v.timeliness,
    resolution: d.resolution,
    resolvedAt: iso(d.resolvedAt),
    closedAt: iso(d.closedAt),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

export function eventJson(e: DossierEvent) {
  const data: Record<string, unknown> = { ...e.data };
  for (const k of ['dueBefore', 'dueAfter', 'dueAt']) {
    if (typeof data[k] === 'number') data[k] = iso(data[k] as number);
  }
  return { id: e.id, kind: e.kind, occurredAt: iso(e.occurredAt), recordedAt: iso(e.recordedAt), actor: e.actor, data, note: e.note };
}

export function pauseJson(p: Pause) {
  return {
    policy: p.policy,
    startedAt: iso(p.startedAt),
    endedAt: iso(p.endedAt),
    dueBefore: iso(p.dueBefore),
    remaining: p.remainingUnit ? { unit: p.remainingUnit, amount: p.remainingAmount } : null,
  };
}

export function calendarDayJson(d: CalendarDay & { id: number | null }) {
  return {
    id: d.id,
    date: d.date,
    kind: d.kind,
    occasion: d.occasion,
    name: d.name,
    source: d.source,
    estimate: d.estimate,
    agencyCode: d.agencyCode,
  };
}

export function storedEntryJson(e: StoredCalendarEntry) {
  return { id: e.id, date: e.date, kind: e.kind, occasion: e.occasion, name: e.name, source: e.source, estimate: e.estimate, agencyCode: e.agencyCode };
}
