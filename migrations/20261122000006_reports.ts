import type { Knex } from 'knex';
import { dueInForceAfter } from '../src/db/dossiers';

// Reports are computed "as of" a moment from the event history. The due date each event put in
// force was only inside the JSON `data`; a column lets one SQL statement read the deadline
// history of a million dossiers on both databases without parsing JSON.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dossier_events', (t) => {
    t.bigInteger('due_at');
  });
  const kinds = ['created', 'supplement_received', 'due_recomputed', 'apology_issued'];
  let afterId = 0;
  for (;;) {
    const rows = await knex('dossier_events').select('id', 'kind', 'data').whereIn('kind', kinds).where('id', '>', afterId).orderBy('id').limit(1000);
    if (!rows.length) break;
    afterId = Number(rows[rows.length - 1].id);
    for (const r of rows as { id: number; kind: string; data: string }[]) {
      const due = dueInForceAfter(r.kind, JSON.parse(r.data) as Record<string, unknown>);
      if (due !== null) await knex('dossier_events').where({ id: r.id }).update({ due_at: due });
    }
  }
  // Reports find the dossiers carried over into a period by when they finished (null: not yet).
  await knex.raw('create index dossiers_finished on dossiers ((coalesce(resolved_at, closed_at)), accepted_at)');
  // The public board lists apologies by issue time.
  await knex.schema.alterTable('apologies', (t) => {
    t.index(['issued_at'], 'apologies_issued');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index dossiers_finished');
  await knex.schema.alterTable('apologies', (t) => {
    t.dropIndex(['issued_at'], 'apologies_issued');
  });
  await knex.schema.alterTable('dossier_events', (t) => {
    t.dropColumn('due_at');
  });
}
