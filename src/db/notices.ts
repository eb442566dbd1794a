import type { Db } from './connection';

export type NoticeChannel = 'zalo' | 'email' | 'sms' | 'print';
export type NoticeStatus =
  | 'created'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'temporary-failure'
  | 'permanent-failure'
  | 'technical-failure'
  | 'cancelled';
export type NoticeKind = 'new_appointment' | 'at_risk_digest';

export interface Notice {
  id: number;
  businessKey: string;
  kind: NoticeKind;
  audience: 'citizen' | 'staff';
  channel: NoticeChannel;
  recipient: string;
  agencyId: number;
  dossierId: number | null;
  apologyId: number | null;
  status: NoticeStatus;
  payload: Record<string, unknown>;
  notBefore: number;
  createdAt: number;
  updatedAt: number;
}

export type NewNotice = Omit<Notice, 'id' | 'status' | 'createdAt' | 'updatedAt'>;

function fromRow(r: Record<string, unknown>): Notice {
  return {
    id: Number(r.id),
    businessKey: String(r.business_key),
    kind: r.kind as NoticeKind,
    audience: r.audience as Notice['audience'],
    channel: r.channel as NoticeChannel,
    recipient: String(r.recipient),
    agencyId: Number(r.agency_id),
    dossierId: r.dossier_id === null ? null : Number(r.dossier_id),
    apologyId: r.apology_id === null ? null : Number(r.apology_id),
    status: r.status as NoticeStatus,
    payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
    notBefore: Number(r.not_before),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export class NoticeRepository {
  constructor(private readonly db: Db) {}

  /** Queues notices; a business key already queued is left as it is (never sent twice). */
  async enqueue(notices: NewNotice[], now: number, db: Db = this.db): Promise<number> {
    let created = 0;
    for (const n of notices) {
      const ids = await db('notices')
        .insert({
          business_key: n.businessKey,
          kind: n.kind,
          audience: n.audience,
          channel: n.channel,
          recipient: n.recipient,
          agency_id: n.agencyId,
          dossier_id: n.dossierId,
          apology_id: n.apologyId,
          status: 'created',
          payload: JSON.stringify(n.payload),
          not_before: n.notBefore,
          created_at: now,
          updated_at: now,
        })
        .onConflict('business_key')
        .ignore()
        .returning('id');
      created += ids.length;
    }
    return created;
  }

  async forApology(apologyId: number): Promise<Notice[]> {
    return (await this.db('notices').where({ apology_id: apologyId }).orderBy('id')).map(fromRow);
  }

  async list(where: { agencyId?: number; kind?: NoticeKind; statuses?: NoticeStatus[] }, limit = 100): Promise<Notice[]> {
    const q = this.db('notices').orderBy('id').limit(limit);
    if (where.agencyId !== undefined) q.where({ agency_id: where.agencyId });
    if (where.kind) q.where({ kind: where.kind });
    if (where.statuses) q.whereIn('status', where.statuses);
    return (await q).map(fromRow);
  }

  /** Cancels the dossier's citizen notices not yet handed to a provider. */
  async cancelUnsentForDossier(dossierId: number, now: number, db: Db = this.db): Promise<number> {
    return db('notices').where({ dossier_id: dossierId, status: 'created' }).update({ status: 'cancelled', updated_at: now });
  }

  /** Claims the day's digest for an agency; false when another tick already did. */
  async claimDigest(agencyId: number, day: string, dossiers: number, now: number, db: Db = this.db): Promise<boolean> {
    const rows = await db('digests').insert({ agency_id: agencyId, day, dossiers, created_at: now }).onConflict(['agency_id', 'day']).ignore().returning('agency_id');
    return rows.length > 0;
  }
}
