import type { Db } from './connection';
import { CachedTable, type CachedRow } from './cached-table';
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

interface ProcedureRow extends CachedRow {
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

export class ProcedureRepository extends CachedTable<Procedure, ProcedureRow, ProcedureInput> {
  /** `recheckMs`: how long another instance's write may go unseen (see Snapshot). */
  constructor(db: Db, recheckMs?: number) {
    super(db, { table: 'procedures', noun: 'thủ tục', fromRow, toRow }, recheckMs);
  }

  async isUsed(id: number): Promise<boolean> {
    return Boolean(await this.db('dossiers').where({ procedure_id: id }).first('id'));
  }
}
