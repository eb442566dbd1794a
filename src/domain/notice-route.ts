/**
 * Which channels a citizen's notice tries, in which order: the agency's order (default Zalo →
 * SMS → e-mail), keeping only the channels the citizen agreed to and has an address for, and
 * always ending on the counter's call-or-print list. The route is computed once, when the
 * notice is issued, and travels in its payload, so every fallback follows the order and the
 * consent as they were when the letter was issued. Pure.
 */
import type { Channel } from './dispatch';

export type CitizenChannel = 'zalo' | 'sms' | 'email';
export const CITIZEN_CHANNELS: readonly CitizenChannel[] = ['zalo', 'sms', 'email'];
export const DEFAULT_NOTICE_CHANNELS: readonly CitizenChannel[] = ['zalo', 'sms', 'email'];

export interface RouteStep {
  channel: Channel;
  /** The phone number or e-mail address; on the counter's list, the phone to call ('' without one). */
  recipient: string;
}

export interface CitizenContact {
  phone: string | null;
  email: string | null;
  consent: { zalo: boolean; sms: boolean; email: boolean };
}

export function noticeRoute(order: readonly CitizenChannel[], c: CitizenContact): RouteStep[] {
  const steps: RouteStep[] = [];
  for (const channel of order) {
    const recipient = channel === 'email' ? c.email : c.phone;
    if (recipient && c.consent[channel]) steps.push({ channel, recipient });
  }
  steps.push({ channel: 'print', recipient: c.phone ?? '' });
  return steps;
}

/** The step after `failed`; null after the counter's list. A channel not on the route goes to the counter. */
export function nextStep(route: readonly RouteStep[], failed: Channel): RouteStep | null {
  if (failed === 'print') return null;
  const at = route.findIndex((s) => s.channel === failed);
  return at >= 0 ? route[at + 1] ?? null : route[route.length - 1] ?? null;
}

function isStep(s: unknown): s is RouteStep {
  return s !== null && typeof s === 'object' && typeof (s as RouteStep).channel === 'string' && typeof (s as RouteStep).recipient === 'string';
}

/**
 * The route a notice's payload carries. Notices queued before routes existed carry only the
 * contact (the e-mail already filtered by consent): they fall back as they did then.
 */
export function routeOfPayload(payload: Record<string, unknown>): RouteStep[] {
  if (Array.isArray(payload.route) && payload.route.every(isStep)) return payload.route;
  const contact = (payload.contact ?? {}) as { phone?: string | null; email?: string | null };
  return noticeRoute(['zalo', 'email'], { phone: contact.phone ?? null, email: contact.email ?? null, consent: { zalo: true, sms: false, email: true } });
}
