import type { Services } from '../compose';
import type { Actor } from '../domain/actor';
import { ConflictError } from '../errors';
import type { PortOutcome, ServicePort } from './driver';

/** One-stop intake acting for the whole province (an installation-wide integration). */
const INTAKE: Actor = { name: 'một cửa (replay)', agencyId: null, role: 'integration' };

/**
 * The use cases in the driver's own process (SQLite, one process): a step's dossiers registered
 * as one batch and its events recorded as one, as a one-stop system's synchronisation is.
 */
export function inProcessPort(s: Services): ServicePort {
  return {
    receive: async (inputs) =>
      (await s.dossiers.createMany(inputs, INTAKE)).map((o) => {
        if ('refused' in o) throw o.refused;
        return { dueAt: o.view.dossier.currentDueAt };
      }),
    record: async (items) =>
      (await s.dossiers.recordEvents(items)).map((o): PortOutcome => {
        if (!('refused' in o)) return { outcome: 'done', dueAt: o.view.dossier.currentDueAt };
        if (o.refused instanceof ConflictError && o.refused.code === 'invalid-transition') return { outcome: 'refused', dueAt: null };
        throw o.refused;
      }),
  };
}
