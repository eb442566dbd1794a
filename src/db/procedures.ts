import type { Db } from './connection';
import { Snapshot, tableFingerprint } from './snapshot';
import type { SupplementPolicy } from '../domain/deadline';

export type { SupplementPolicy };

export type TimeUnit = 'days' | 'hours' | 'same_day';

export interface Procedure {
  id: number;
  code: string;
  name: string;
  field: string;
  agencyId: number | null;
  timeUnit: TimeUnit;
  timeAmount: number;
  sameDayCutoff: number | null;
  supplementPolicy: SupplementPolicy;
  defaultExtensionDays: number;
  defaultDelayReason: string;
  createdAt: number;
  updatedAt: number;
}

export type ProcedureInput = Omit<Procedure, 'id' | 'createdAt' | 'updatedAt'>;

interface ProcedureRow {
  id: number;
  code: string;
  name: string;
  field: string;
  agency_id: number | null;
  time_unit: TimeUnit;
  time_amount: number;
  same_day_cutoff: number | null;
  supplement_policy: SupplementPolicy;
  default_extension_days: number;
  default_delay_reason: string;
  created_at: number;
  updated_at: number;
}

function fromRow(r: ProcedureRow): Procedure {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    field: r.field,
    agencyId: r.agency_id,
    timeUnit: r.time_unit,
    timeAmount: Number(r.time_amount),
    sameDayCutoff: r.same_day_cutoff,
    supplementPolicy: r.supplement_policy,
    defaultExtensionDays: r.default_extension_days,
    defaultDelayReason: r.default_delay_reason,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toRow(p: ProcedureInput): Omit<ProcedureRow, 'id' | 'created_at' | 'updated_at'> {
  return {
    code: p.code,
    name: p.name,
    field: p.field,
    agency_id: p.agencyId,
    time_unit: p.timeUnit,
    time_amount: p.timeAmount,
    same_day_cutoff: p.sameDayCutoff,
    supplement_policy: p.supplementPolicy,
    default_extension_days: p.defaultExtensionDays,
    default_delay_reason: p.defaultDelayReason,
  };
}

export class ProcedureRepository {
  private readonly snapshot: Snapshot<Procedure>;

  constructor(private readonly db: Db) {
    this.snapshot = new Snapshot(
      () => this.all(),
      () => tableFingerprint(this.db, 'procedures'),
    );
  }

  private async all(): Promise<Procedure[]> {
    return (await this.db<ProcedureRow>('procedures').orderBy('code')).map(fromRow);
  }

  /**
   * From the snapshot outside transactions; a row it lacks is read from the database. Inside one
   * (`this.db` is then the transaction) the database is read, and the snapshot neither
   * used nor touched: it must not keep what a transaction that may roll back wrote.
   */
  private async cached(match: (row: Procedure) => boolean, where: Partial<ProcedureRow>): Promise<Procedure | null> {
    if (!this.db.isTransaction) {
      const hit = await this.snapshot.find(match);
      if (hit) return hit;
    }
    const row = await this.db<ProcedureRow>('procedures').where(where).first();
    if (row && !this.db.isTransaction) this.snapshot.invalidate();
    return row ? fromRow(row as ProcedureRow) : null;
  }

  async list(): Promise<Procedure[]> {
    if (this.db.isTransaction) return this.all();
    return [...(await this.snapshot.all())];
  }

  async byCode(code: string): Promise<Procedure | null> {
    return this.cached((p) => p.code === code, { code });
  }

  async byId(id: number): Promise<Procedure | null> {
    return this.cached((p) => p.id === id, { id });
  }

  async insert(input: ProcedureInput, now: number): Promise<Procedure> {
    this.snapshot.invalidate();
    const [row] = await this.db<ProcedureRow>('procedures')
      .insert({ ...toRow(input), created_at: now, updated_at: now })
      .returning('*');
    this.snapshot.invalidate();
    return fromRow(row as ProcedureRow);
  }

  async update(id: number, input: ProcedureInput, now: number): Promise<Procedure> {
    this.snapshot.invalidate();
    await this.db<ProcedureRow>('procedures').where({ id }).update({ ...toRow(input), updated_at: now });
    this.snapshot.invalidate();
    return (await this.byId(id)) as Procedure;
  }

  async remove(id: number): Promise<void> {
    this.snapshot.invalidate();
    await this.db('procedures').where({ id }).delete();
    this.snapshot.invalidate();
  }

  async isUsed(id: number): Promise<boolean> {
    return Boolean(await this.db('dossiers').where({ procedure_id: id }).first('id'));
  }
}
