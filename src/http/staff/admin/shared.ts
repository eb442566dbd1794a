/** What the administration areas share: their dependencies, the page frame and the form helpers. */
import type { Request, Response } from 'express';
import type { Services } from '../../../compose';
import { actsFor, type Actor } from '../../../domain/actor';
import type { Agency } from '../../../db/agencies';
import { NotFoundError } from '../../../errors';
import { formErrors, staffPage } from '../../pages';
import type { PageData, ViewRenderer } from '../../views';
import { staffOf } from '../session';

/** What an administration area is built from: the use cases it calls (named, so each area says which) and the views. */
export interface AdminDeps<K extends keyof Services = keyof Services> {
  services: Pick<Services, K>;
  views: ViewRenderer;
}

export type Form = Record<string, string>;

/** Renders `staff/admin/<view>` with the administration menu entry marked. */
export function adminPage(views: ViewRenderer) {
  return (req: Request, res: Response, view: string, data: PageData, status = 200) =>
    staffPage(views, req, res, `staff/admin/${view}`, { nav: 'admin', ...data }, status);
}

export const actorOf = (req: Request): Actor => staffOf(req).actor;

/** The urlencoded body as plain strings (a repeated or odd field becomes ''). */
export function formOf(req: Request): Form {
  const out: Form = {};
  for (const [k, v] of Object.entries((req.body ?? {}) as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : '';
  return out;
}

export const orNull = (v: string | undefined): string | null => (v && v.trim() ? v : null);

/** Digits become a number for the schema; anything else stays text so that the schema refuses it. */
export const numberOrText = (v: string | undefined): number | string => {
  const t = (v ?? '').trim().replace(',', '.');
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : t;
};

/** A record id from the path; anything but a plain number names nothing, hence `notFound`. */
export function idParam(v: string, notFound: string): number {
  if (!/^\d{1,9}$/.test(v)) throw new NotFoundError(notFound);
  return Number(v);
}

/**
 * A refused form's messages keyed by the form's own field names: the schemas nest
 * (settings.signerName, entries.0.date) where the form is flat. `messages` replaces the schema's
 * generic wording for fields where a precise Vietnamese sentence helps more.
 */
export function refusal(err: unknown, messages: Record<string, string> = {}) {
  const shown = formErrors(err);
  if (!shown) throw err;
  const errors: Record<string, string> = {};
  for (const [path, message] of Object.entries(shown.errors)) {
    const field = path.split('.').pop() as string;
    errors[field] ??= messages[field] ?? message;
  }
  return { ...shown, errors };
}

export type Choice = { value: string; label: string };

export const labelOf = (list: Choice[], value: string) => list.find((o) => o.value === value)?.label ?? value;

/** The code shown for a record's agency: '' for an installation-wide record. */
/** The name shown for a record's agency in a list: '' for an installation-wide record. */
export function agencyNameOf(agencies: Agency[]): (agencyId: number | null) => string {
  const names = new Map(agencies.map((a) => [a.id, a.name]));
  return (agencyId) => (agencyId === null ? '' : (names.get(agencyId) ?? ''));
}

export function agencyCodeOf(agencies: Agency[]): (agencyId: number | null) => string | undefined {
  const codes = new Map(agencies.map((a) => [a.id, a.code]));
  return (agencyId) => (agencyId === null ? '' : codes.get(agencyId));
}

/**
 * What an account or a token may be given: the agencies this administrator acts for, and
 * "no agency" (installation-wide) only to an installation-wide one — the use cases refuse the rest.
 */
export async function scopeChoices(s: Pick<Services, 'registry'>, req: Request) {
  return {
    agencies: (await s.registry.listAgencies()).filter((a) => actsFor(actorOf(req), a.id)),
    installationWide: actsFor(actorOf(req), null),
  };
}
