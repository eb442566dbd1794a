import type { Knex } from 'knex';

/**
 * A claimed `Idempotency-Key` (status still null) says who holds it and since when, so that a
 * claim whose server died before answering can be taken over by a retry (src/db/tokens.ts):
 * `claim_token` names the request holding it, `claimed_at` is the machine's time of the claim
 * (real time even in a replay: it tells a dead server from a live one). Claims made before this
 * migration have neither and count as expired.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.string('claim_token', 36);
    t.bigInteger('claimed_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.dropColumn('claim_token');
    t.dropColumn('claimed_at');
  });
}
