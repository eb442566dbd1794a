/**
 * Demo data: Cần Thơ's agencies and procedures (catalogue.ts) and about two hundred dossiers
 * accepted over the three months before `now`, in every state: each tells one of the stories of
 * stories.ts, for an applicant of people.ts, along a history the planner (planner.ts) fits to the
 * calendar.
 *
 * Everything goes through the services with an installation-wide actor, so the demo obeys the
 * same rules as real data (due dates counted by the real calendar, state machine, pauses). The
 * services refuse instants in the future, so every instant chosen here is at or before `now`.
 *
 * Deterministic: apart from the API token's secret and the bookkeeping timestamps the services
 * take from their clock, the result depends only on `now` and the seeded PRNG (never
 * Math.random, never the wall clock), so tests with a fixed clock see the same dossiers every run.
 * Production never loads the demo (see config.ts).
 */
import type { Agency } from '../db/agencies';
import type { IntakeChannel } from '../db/dossiers';
import type { Procedure } from '../db/procedures';
import type { WorkingCalendar } from '../domain/calendar';
import { dayToYmd, localDayOf } from '../domain/time';
import type { Services } from '../compose';
import type { Actor } from '../domain/actor';
import type { DossierInput } from '../services/dossiers';
import { AGENCIES, COMMUNE_WEIGHT, COMMUNES, PROCEDURES, procedureInput, RECEIPT_PREFIX } from './catalogue';
import { dossierInput } from './people';
import { Planner, type PlannedEvent } from './planner';
import { Rng } from './random';
import { FALLBACKS, scenarioMix } from './stories';

export { DEMO_DOSSIERS } from './stories';

/** Who the demo's records are attributed to in dossier histories: an installation-wide actor. */
export const DEMO_ACTOR: Actor = { name: 'dữ liệu mẫu', agencyId: null, role: 'system' };

const SEED = 0x48654c61; // "HeLa"

export async function isEmpty(s: Services): Promise<boolean> {
  return (await s.registry.listAgencies()).length === 0;
}

interface Prepared {
  input: DossierInput;
  events: PlannedEvent[];
}

function yymmdd(at: number): string {
  const { year, month, day } = dayToYmd(localDayOf(new Date(at)));
  return `${String(year % 100).padStart(2, '0')}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

export async function seedDemo(
  s: Services,
  now: Date,
): Promise<{ token: string; agencies: number; procedures: number; dossiers: number }> {
  const rng = new Rng(SEED);
  const nowMs = now.getTime();
  const actor = DEMO_ACTOR;

  const agencies = new Map<string, Agency>();
  for (const input of AGENCIES) agencies.set(input.code, await s.registry.createAgency(input, actor));
  const agencyIds = new Map([...agencies].map(([code, a]) => [code, a.id]));
  const procedures = new Map<string, Procedure>();
  for (const p of PROCEDURES) procedures.set(p.code, await s.registry.createProcedure(procedureInput(p, agencyIds), actor));

  const calendars = new Map<string, WorkingCalendar>();
  for (const [code, a] of agencies) calendars.set(code, await s.calendars.forAgency(a));

  const planner = new Planner({ rng, now: nowMs });
  const prepared: Prepared[] = [];

  for (const scenario of scenarioMix(rng)) {
    let done = false;
    for (const story of [scenario, ...FALLBACKS]) {
      for (const demo of rng.weightedOrder(PROCEDURES, (p) => p.weight)) {
        const proc = procedures.get(demo.code) as Procedure;
        const receivingCode = demo.agencyCode ? 'TTPVHCC' : rng.weightedOrder(COMMUNES, (c) => COMMUNE_WEIGHT[c])[0];
        const decidingCode = demo.agencyCode ?? receivingCode;
        const channel: IntakeChannel = rng.chance(demo.onlineShare) ? 'online' : rng.chance(0.12) ? 'post' : 'counter';
        const life = planner.acceptance({
          story,
          demo,
          procedure: proc,
          receivingCalendar: calendars.get(receivingCode) as WorkingCalendar,
          decidingCalendar: calendars.get(decidingCode) as WorkingCalendar,
          leadWorkingDays: (agencies.get(decidingCode) as Agency).settings.apologyLeadWorkingDays,
          channel,
        });
        if (!life) continue;
        prepared.push({ input: dossierInput({ rng, demo, receivingCode, channel, acceptedAt: life.acceptedAt }), events: life.events });
        done = true;
        break;
      }
      if (done) break;
    }
    if (!done) throw new Error(`demo: no dossier history fits before ${now.toISOString()}`);
  }

  // Receipt numbers run per receiving unit and day, in the order the dossiers were accepted.
  prepared.sort((a, b) => a.input.acceptedAt.getTime() - b.input.acceptedAt.getTime());
  const sequence = new Map<string, number>();
  for (const p of prepared) {
    const key = `${RECEIPT_PREFIX[p.input.receivingAgencyCode]}-${yymmdd(p.input.acceptedAt.getTime())}`;
    const n = (sequence.get(key) ?? 0) + 1;
    sequence.set(key, n);
    p.input.code = `${key}-${String(n).padStart(4, '0')}`;
  }

  // Replay in time order, so that record ids follow the order things happened.
  type Action = { at: number; order: number; run: () => Promise<unknown> };
  const actions: Action[] = [];
  let order = 0;
  for (const p of prepared) {
    actions.push({ at: p.input.acceptedAt.getTime(), order: order++, run: () => s.dossiers.create(p.input, actor) });
    for (const e of p.events) {
      actions.push({
        at: e.at,
        order: order++,
        run: () => s.dossiers.recordEvent(p.input.code, { kind: e.kind, occurredAt: new Date(e.at), note: e.note }, actor),
      });
    }
  }
  actions.sort((a, b) => a.at - b.at || a.order - b.order);
  for (const a of actions) await a.run();

  const { token } = await s.tokens.create('demo', null, DEMO_ACTOR);
  return { token, agencies: agencies.size, procedures: procedures.size, dossiers: prepared.length };
}
