import type { Db } from './connection';

export type TimeUnit = 'days' | 'hours' | 'same_day';
export type SupplementPolicy = 'restart' | 'pause';

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
  constructor(private readonly db: Db) {}

  async list(): Promise<Procedure[]> {
    return (await this.db<ProcedureRow>('procedures').orderBy('code')).map(fromRow);
  }

  async byCode(code: string, db: Db = this.db): Promise<Procedure | null> {
    const row = await db<ProcedureRow>('procedures').where({ code }).first();
    return row ? fromRow(row) : null;
  }

  async byId(id: number, db: Db = this.db): Promise<Procedure | null> {
    const row = await db<ProcedureRow>('procedures').where({ id }).first();
    return row ? fromRow(row) : null;
  }

  async insert(input: ProcedureInput, now: number, db: Db = this.db): Promise<Procedure> {
    const [row] = await db<ProcedureRow>('procedures')
      .insert({ ...toRow(input), created_at: now, updated_at: now })
      .returning('*');
    return fromRow(row as ProcedureRow);
  }

  async update(id: number, input: ProcedureInput, now: number, db: Db = this.db): Promise<Procedure> {
    await db<ProcedureRow>('procedures').where({ id }).update({ ...toRow(input), updated_at: now });
    return (await this.byId(id, db)) as Procedure;
  }

  async remove(id: number, db: Db = this.db): Promise<void> {
    await db('procedures').where({ id }).delete();
  }

  async isUsed(id: number): Promise<boolean> {
    return Boolean(await this.db('dossiers').where({ procedure_id: id }).first('id'));
  }
}
