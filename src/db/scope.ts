import type { Knex } from 'knex';

/**
 * Limits rows that belong to an agency (`agencyColumn`) and to a dossier (`dossierColumn`) to
 * those a person of `agencyIds` may see: their agency's own, and those about dossiers their
 * agency received — the counter that took a dossier in follows its apology and its messages.
 */
export function visibleToAgencies(q: Knex.QueryBuilder, agencyColumn: string, dossierColumn: string, agencyIds: number[]): void {
  const ids = agencyIds.length ? agencyIds : [-1];
  q.where((w) => w.whereIn(agencyColumn, ids).orWhereIn(dossierColumn, (sub) => sub.select('id').from('dossiers').whereIn('receiving_agency_id', ids)));
}
