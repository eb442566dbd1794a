import type { Db } from './connection';

export type CodeMapKind = 'procedure' | 'agency';

export interface CodeMapping {
  id: number;
  sourceId: number;
  kind: CodeMapKind;
  theirCode: string;
  /** Our procedure (kind 'procedure') or agency (kind 'agency'). */
  ourId: number;
  updatedBy: string;
  updatedAt: number;
}

/** What we keep of a dossier a source sent. */
export interface InteropLink {
  dossierId: number;
  sourceId: number;
  theirDueAt: number | null;
  ourDueAt: number | null;
  dueDisagrees: boolean;
  payloadHash: string;
  updatedAt: number;
}

export interface Refusal {
  id: number;
  sourceId: number;
  service: string;
  theirCode: string | null;
  problems: { field: string; message: string }[];
  payload: unknown;
  receivedAt: number;
  replayedAt: number | null;
}

export interface DisagreementRow {
  key: string;
  name: string;
  dossiers: number;
  disagreements: number;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function mappingFromRow(r: Record<string, unknown>): CodeMapping {
  const kind = r.kind as CodeMapKind;
  return {
    id: Number(r.id),
    sourceId: Number(r.source_id),
    kind,
    theirCode: String(r.their_code),
    ourId: Number(kind === 'procedure' ? r.procedure_id : r.agency_id),
    updatedBy: String(r.updated_by),
    updatedAt: Number(r.updated_at),
  };
}

function refusalFromRow(r: Record<string, unknown>): Refusal {
  return {
    id: Number(r.id),
    sourceId: Number(r.source_id),
    service: String(r.service),
    theirCode: (r.their_code as string | null) ?? null,
    problems: JSON.parse(String(r.problems)) as Refusal['problems'],
    payload: JSON.parse(String(r.payload)) as unknown,
    receivedAt: Number(r.received_at),
    replayedAt: num(r.replayed_at),
  };
}

/** Code mappings, the dossiers each source sent, and refused payloads: the only SQL about them. */
export class InteropInboundRepository {
  constructor(private readonly db: Db) {}

  async mappings(sourceId: number, kind?: CodeMapKind): Promise<CodeMapping[]> {
    const q = this.db('interop_code_maps').where({ source_id: sourceId }).orderBy(['kind', 'their_code']);
    if (kind) q.where({ kind });
    return ((await q) as Record<string, unknown>[]).map(mappingFromRow);
  }

  /** Creates or replaces the mapping of one of the sender's codes. */
  async setMapping(sourceId: number, kind: CodeMapKind, theirCode: string, ourId: number, by: string, now: number): Promise<void> {
    const columns = { procedure_id: kind === 'procedure' ? ourId : null, agency_id: kind === 'agency' ? ourId : null, updated_by: by, updated_at: now };
    await this.db('interop_code_maps')
      .insert({ source_id: sourceId, kind, their_code: theirCode, ...columns })
      .onConflict(['source_id', 'kind', 'their_code'])
      .merge(columns);
  }

  async removeMapping(sourceId: number, kind: CodeMapKind, theirCode: string): Promise<boolean> {
    return (await this.db('interop_code_maps').where({ source_id: sourceId, kind, their_code: theirCode }).delete()) > 0;
  }

  async link(dossierId: number): Promise<InteropLink | null> {
    const r = (await this.db('interop_dossiers').where({ dossier_id: dossierId }).first()) as Record<string, unknown> | undefined;
    if (!r) return null;
    return {
      dossierId: Number(r.dossier_id),
      sourceId: Number(r.source_id),
      theirDueAt: num(r.their_due_at),
      ourDueAt: num(r.our_due_at),
      dueDisagrees: Boolean(r.due_disagrees),
      payloadHash: String(r.payload_hash),
      updatedAt: Number(r.updated_at),
    };
  }

  async saveLink(link: InteropLink): Promise<void> {
    const columns = {
      source_id: link.sourceId,
      their_due_at: link.theirDueAt,
      our_due_at: link.ourDueAt,
      due_disagrees: link.dueDisagrees,
      payload_hash: link.payloadHash,
      updated_at: link.updatedAt,
    };
    await this.db('interop_dossiers').insert({ dossier_id: link.dossierId, ...columns }).onConflict('dossier_id').merge(columns);
  }

  /** Links of dossiers registered together (none of them linked yet), many rows per statement. */
  async insertLinks(links: InteropLink[]): Promise<void> {
    const rows = links.map((l) => ({
      dossier_id: l.dossierId,
      source_id: l.sourceId,
      their_due_at: l.theirDueAt,
      our_due_at: l.ourDueAt,
      due_disagrees: l.dueDisagrees,
      payload_hash: l.payloadHash,
      updated_at: l.updatedAt,
    }));
    // 7 columns: 500 rows stay far below either database's limit on bound parameters.
    for (let i = 0; i < rows.length; i += 500) await this.db('interop_dossiers').insert(rows.slice(i, i + 500));
  }

  async refuse(r: Omit<Refusal, 'id' | 'replayedAt'>): Promise<number> {
    const [row] = await this.db('interop_refusals')
      .insert({
        source_id: r.sourceId,
        service: r.service,
        their_code: r.theirCode,
        problems: JSON.stringify(r.problems),
        payload: JSON.stringify(r.payload),
        received_at: r.receivedAt,
      })
      .returning('id');
    return Number(typeof row === 'object' ? (row as { id: number }).id : row);
  }

  async refusals(filter: { sourceId?: number; open?: boolean }, limit = 200): Promise<Refusal[]> {
    const q = this.db('interop_refusals').orderBy('id', 'desc').limit(limit);
    if (filter.sourceId !== undefined) q.where({ source_id: filter.sourceId });
    if (filter.open) q.whereNull('replayed_at');
    return ((await q) as Record<string, unknown>[]).map(refusalFromRow);
  }

  async refusal(id: number): Promise<Refusal | null> {
    const r = (await this.db('interop_refusals').where({ id }).first()) as Record<string, unknown> | undefined;
    return r ? refusalFromRow(r) : null;
  }

  async markReplayed(id: number, now: number): Promise<void> {
    await this.db('interop_refusals').where({ id }).whereNull('replayed_at').update({ replayed_at: now });
  }

  /**
   * Dossiers received from sources and, among them, those whose sender's due date names another
   * day than ours, per procedure or per deciding agency: how a province finds a procedure
   * configured with another processing time on one side.
   */
  async disagreements(groupBy: 'procedure' | 'agency', sourceId?: number, agencyIds?: number[]): Promise<DisagreementRow[]> {
    const [table, column] = groupBy === 'procedure' ? ['procedures', 'd.procedure_id'] : ['agencies', 'd.deciding_agency_id'];
    const q = this.db('interop_dossiers as l')
      .join('dossiers as d', 'd.id', 'l.dossier_id')
      .join(`${table} as g`, 'g.id', column)
      .groupBy('g.code', 'g.name')
      .orderBy('g.code')
      .select('g.code as key', 'g.name as name')
      .count({ dossiers: '*' })
      .sum({ disagreements: this.db.raw('case when l.due_disagrees then 1 else 0 end') });
    if (sourceId !== undefined) q.where('l.source_id', sourceId);
    if (agencyIds) q.where((w) => w.whereIn('d.deciding_agency_id', agencyIds).orWhereIn('d.receiving_agency_id', agencyIds));
    return ((await q) as Record<string, unknown>[]).map((r) => ({ key: String(r.key), name: String(r.name), dossiers: Number(r.dossiers), disagreements: Number(r.disagreements ?? 0) }));
  }
}
