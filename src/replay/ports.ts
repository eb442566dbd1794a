import type { Services } from '../compose';
import type { Actor } from '../domain/actor';
import { ConflictError } from '../errors';
import type { PortEvent, PortOutcome, ServicePort } from './driver';

/** One-stop intake acting for the whole province (an installation-wide integration). */
const INTAKE: Actor = { name: 'một cửa (replay)', agencyId: null, role: 'integration' };

/** The use cases in the driver's own process (SQLite, one process). */
export function inProcessPort(s: Services): ServicePort {
  const recordOne = async ({ code, event, actor }: PortEvent): Promise<PortOutcome> => {
    try {
      return { outcome: 'done', dueAt: (await s.dossiers.recordEvent(code, event, actor)).dossier.currentDueAt };
    } catch (err) {
      if (err instanceof ConflictError && err.code === 'invalid-transition') return { outcome: 'refused', dueAt: null };
      throw err;
    }
  };
  return {
    receive: async (inputs) => {
      const answers: { dueAt: number | null }[] = [];
      for (const input of inputs) answers.push({ dueAt: (await s.dossiers.create(input, INTAKE)).view.dossier.currentDueAt });
      return answers;
    },
    record: async (items) => {
      const answers: PortOutcome[] = [];
      for (const item of items) answers.push(await recordOne(item));
      return answers;
    },
  };
}
