import type { Knex } from 'knex';

/**
 * The watcher's questions (the slipped dossiers every tick, the at-risk list of the digests and
 * the staff's screens) ask for OPEN dossiers by due instant. Resolved dossiers keep their due
 * instant (their timeliness is judged against it), so on dossiers_due_state (current_due_at
 * first) those questions walked every dossier ever due before now: a cost that grew with the
 * table, all year long. With the state first they read only the open dossiers.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dossiers', (t) => {
    t.index(['state', 'current_due_at', 'deciding_agency_id'], 'dossiers_state_due');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dossiers', (t) => {
    t.dropIndex(['state', 'current_due_at', 'deciding_agency_id'], 'dossiers_state_due');
  });
}
