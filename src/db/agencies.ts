import type { Db } from './connection';

export type AgencyLevel = 'province' | 'center' | 'department' | 'commune';
export type ApologyMode = 'auto' | 'review';

/** "HH:MM-HH:MM" ranges per weekday; an absent day uses the national default. */
export type WeekHours = Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', string[]>>;

export interface AgencySettings {
  apologyLeadWorkingDays: number;
  apologyMode: ApologyMode;
  maxExtensions: number;
  signerName: string | null;
  signerTitle: string | null;
  officeHours: WeekHours;
  publicBoard: boolean;
}

export const DEFAULT_AGENCY_SETTINGS: AgencySettings = {
  apologyLeadWorkingDays: 1,
  apologyMode: 'auto',
  maxExtensions: 1,
  signerName: null,
  signerTitle: null,
  officeHours: {},
  publicBoard: false,
};

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

interface AgencyRow {
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

export class AgencyRepository {
  constructor(private readonly db: Db) {}

  async list(): Promise<Agency[]> {
    const rows = await this.db<AgencyRow>('agencies').orderBy('code');
    return rows.map(fromRow);
  }

  async byCode(code: string, db: Db = this.db): Promise<Agency | null> {
    const row = await db<AgencyRow>('agencies').where({ code }).first();
    return row ? fromRow(row) : null;
  }

  async byId(id: number, db: Db = this.db): Promise<Agency | null> {
    const row = await db<AgencyRow>('agencies').where({ id }).first();
    return row ? fromRow(row) : null;
  }

  async insert(input: AgencyInput, now: number, db: Db = this.db): Promise<Agency> {
    const [row] = await db<AgencyRow>('agencies')
      .insert({ ...toRow(input), created_at: now, updated_at: now })
      .returning('*');
    return fromRow(row as AgencyRow);
  }

  async update(id: number, input: AgencyInput, now: number, db: Db = this.db): Promise<Agency> {
    await db<AgencyRow>('agencies').where({ id }).update({ ...toRow(input), updated_at: now });
    return (await this.byId(id, db)) as Agency;
  }

  async hasDossiers(id: number): Promise<boolean> {
    return Boolean(await this.db('dossiers').where('receiving_agency_id', id).orWhere('deciding_agency_id', id).first('id'));
  }

  async remove(id: number, db: Db = this.db): Promise<void> {
    await db('agencies').where({ id }).delete();
  }
}
