import type { Db } from './connection';

/** The source a dossier came from, when that source is to be told new appointments. */
export interface PushTarget {
  sourceCode: string;
  /** The dossier's code in the source's own system (its MaHoSo, which is our dossier code). */
  remoteCode: string;
}

/** Which one-stop system to tell about a dossier (interop_dossiers records who sent it). */
export class InteropOutboundRepository {
  constructor(private readonly db: Db) {}

  /** Null when the dossier did not come from a source, or its source is disabled or has no outbound URL. */
  async pushTargetOf(dossierId: number): Promise<PushTarget | null> {
    const row = (await this.db('interop_dossiers as i')
      .join('interop_sources as s', 's.id', 'i.source_id')
      .join('dossiers as d', 'd.id', 'i.dossier_id')
      .where('i.dossier_id', dossierId)
      .where('s.enabled', true)
      .whereNotNull('s.outbound_url')
      .first('s.code as source_code', 'd.code as dossier_code')) as { source_code: string; dossier_code: string } | undefined;
    return row ? { sourceCode: row.source_code, remoteCode: row.dossier_code } : null;
  }
}
