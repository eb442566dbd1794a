import type { Knex } from 'knex';
import { NATIONAL_DECISIONS } from '../src/domain/national-calendar';

// The government decisions known when this migration was written (2025–2026). Later years arrive
// in their own migration or are entered by an administrator; this one never changes.
const YEARS = [2025, 2026];

export async function up(knex: Knex): Promise<void> {
  const now = Date.now();
  const rows = NATIONAL_DECISIONS.filter((e) => YEARS.includes(Number(e.date.slice(0, 4)))).map((e) => ({
    scope: '*',
    year: Number(e.date.slice(0, 4)),
    date: e.date,
    kind: e.kind,
    occasion: e.occasion,
    name: e.name,
    source: e.source,
    estimate: e.estimate,
    created_by: 'migration',
    created_at: now,
  }));
  if (rows.length) await knex('calendar_entries').insert(rows);
}

export async function down(knex: Knex): Promise<void> {
  await knex('calendar_entries').where({ scope: '*', created_by: 'migration' }).whereIn('year', YEARS).delete();
}
