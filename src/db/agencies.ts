import type { Db } from './connection';
import { Snapshot, tableFingerprint } from './snapshot';
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
  private readonly snapshot: Snapshot<Agency>;

  constructor(private readonly db: Db) {
    this.snapshot = new Snapshot(
      () => this.all(),
      () => tableFingerprint(this.db, 'agencies'),
    );
  }

  private async all(): Promise<Agency[]> {
    return (await this.db<AgencyRow>('agencies').orderBy('code')).map(fromRow);
  }

  /**
   * From the snapshot outside transactions; a row it lacks is read from the database. Inside one
   * (`this.db` is then the transaction) the database is read, and the snapshot neither
   * used nor touched: it must not keep what a transaction that may roll back wrote.
   */
  private async cached(match: (row: Agency) => boolean, where: Partial<AgencyRow>): Promise<Agency | null> {
    if (!this.db.isTransaction) {
      const hit = await this.snapshot.find(match);
      if (hit) return hit;
    }
    const row = await this.db<AgencyRow>('agencies').where(where).first();
    if (row && !this.db.isTransaction) this.snapshot.invalidate();
    return row ? fromRow(row as AgencyRow) : null;
  }

  async list(): Promise<Agency[]> {
    if (this.db.isTransaction) return this.all();
    return [...(await this.snapshot.all())];
  }

  async byCode(code: string): Promise<Agency | null> {
    return this.cached((a) => a.code === code, { code });
  }

  async byId(id: number): Promise<Agency | null> {
    return this.cached((a) => a.id === id, { id });
  }

  async insert(input: AgencyInput, now: number): Promise<Agency> {
    this.snapshot.invalidate();
    const [row] = await this.db<AgencyRow>('agencies')
      .insert({ ...toRow(input), created_at: now, updated_at: now })
      .returning('*');
    this.snapshot.invalidate();
    return fromRow(row as AgencyRow);
  }

  async update(id: number, input: AgencyInput, now: number): Promise<Agency> {
    this.snapshot.invalidate();
    await this.db<AgencyRow>('agencies').where({ id }).update({ ...toRow(input), updated_at: now });
    this.snapshot.invalidate();
    return (await this.byId(id)) as Agency;
  }

  async hasDossiers(id: number): Promise<boolean> {
    return Boolean(await this.db('dossiers').where('receiving_agency_id', id).orWhere('deciding_agency_id', id).first('id'));
  }

  async remove(id: number): Promise<void> {
    this.snapshot.invalidate();
    await this.db('agencies').where({ id }).delete();
    this.snapshot.invalidate();
  }
}
