import type { Db } from './connection';
import { CachedTable, type CachedRow } from './cached-table';
import { DEFAULT_AGENCY_SETTINGS, type AgencySettings } from '../domain/agency';

export type AgencyLevel = 'province' | 'center' | 'department' | 'commune';
export interface Agency {
  id: number;
  code: string;
  name: string;
  parentName: string;
  placeName: string;
  letterSymbol: string;
  level: AgencyLevel;
  contactEmail: string | null;
  contactPhone: string | null;
  address: string | null;
  settings: AgencySettings;
  createdAt: number;
  updatedAt: number;
}

export type AgencyInput = Omit<Agency, 'id' | 'createdAt' | 'updatedAt'>;

interface AgencyRow extends CachedRow {
  id: number;
  code: string;
  name: string;
  parent_name: string;
  place_name: string;
  letter_symbol: string;
  level: AgencyLevel;
  contact_email: string | null;
  contact_phone: string | null;
  address: string | null;
  settings: string;
  created_at: number;
  updated_at: number;
}

function fromRow(r: AgencyRow): Agency {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    parentName: r.parent_name,
    placeName: r.place_name,
    letterSymbol: r.letter_symbol,
    level: r.level,
    contactEmail: r.contact_email,
    contactPhone: r.contact_phone,
    address: r.address,
    settings: { ...DEFAULT_AGENCY_SETTINGS, ...(JSON.parse(r.settings) as Partial<AgencySettings>) },
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toRow(a: AgencyInput): Omit<AgencyRow, 'id' | 'created_at' | 'updated_at'> {
  return {
    code: a.code,
    name: a.name,
    parent_name: a.parentName,
    place_name: a.placeName,
    letter_symbol: a.letterSymbol,
    level: a.level,
    contact_email: a.contactEmail,
    contact_phone: a.contactPhone,
    address: a.address,
    settings: JSON.stringify(a.settings),
  };
}

export class AgencyRepository extends CachedTable<Agency, AgencyRow, AgencyInput> {
  /** `recheckMs`: how long another instance's write may go unseen (see Snapshot). */
  constructor(db: Db, recheckMs?: number) {
    super(db, { table: 'agencies', noun: 'cơ quan', fromRow, toRow }, recheckMs);
  }

  async hasDossiers(id: number): Promise<boolean> {
    return Boolean(await this.db('dossiers').where('receiving_agency_id', id).orWhere('deciding_agency_id', id).first('id'));
  }
}
