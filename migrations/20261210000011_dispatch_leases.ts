import type { Knex } from 'knex';

/**
 * What the outbox needs to tell a worker that is still working from one that died, without
 * waiting DISPATCH_SENDING_TIMEOUT_SECONDS:
 * - `dispatch_workers`: one row per worker, renewed every few seconds (its lease);
 *   `healthy_since` is when its current run of unbroken renewals began, which is what lets
 *   other workers judge a silence (see src/domain/dispatch.ts, deadWorkers); `ended_at` is set
 *   when the lease ends (given up, or taken from a dead worker) — the row stays a while as
 *   evidence of when the database could be reached;
 * - `notices.attempt_started_at`: written just before a provider is called, so a notice that
 *   was claimed but never tried goes back without an "interrupted" attempt;
 * - `notices.claimed_from`: the status a claimed notice had, which it gets back when released
 *   untried.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dispatch_workers', (t) => {
    t.string('id', 64).primary();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('last_seen').notNullable();
    t.bigInteger('healthy_since').notNullable();
    t.bigInteger('ended_at');
  });
  await knex.schema.alterTable('notices', (t) => {
    t.bigInteger('attempt_started_at');
    t.string('claimed_from', 24);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.dropColumn('attempt_started_at');
    t.dropColumn('claimed_from');
  });
  await knex.schema.dropTable('dispatch_workers');
}
