import type { Db } from './connection';
import { tableFingerprint } from './snapshot';
import { occasionYearOf, type CalendarEntry, type Occasion } from '../domain/holidays';

export const NATIONAL_SCOPE = '*';

export interface StoredCalendarEntry extends CalendarEntry {
  id: number;
  createdBy: string;
  createdAt: number;
}

interface Row {
  id: number;
  scope: string;
  year: number;
  date: string;
  kind: 'off' | 'work';
  occasion: Occasion | null;
  name: string;
  source: string;
  estimate: number | boolean;
  created_by: string;
  created_at: number;
}

function fromRow(r: Row): StoredCalendarEntry {
  return {
    id: r.id,
    date: r.date,
    kind: r.kind,
    occasion: r.occasion,
    name: r.name,
    source: r.source,
    estimate: Boolean(r.estimate),
    agencyCode: r.scope === NATIONAL_SCOPE ? null : r.scope,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
  };
}

export class CalendarRepository {
  constructor(private readonly db: Db) {}

  async all(): Promise<StoredCalendarEntry[]> {
    return ((await this.db<Row>('calendar_entries').orderBy('date')) as Row[]).map(fromRow);
  }

  async byYear(year: number): Promise<StoredCalendarEntry[]> {
    return ((await this.db<Row>('calendar_entries').where({ year }).orderBy('date')) as Row[]).map(fromRow);
  }

  /** The table's change counter (tableFingerprint): any write changes it, by any instance or by hand. */
  async fingerprint(): Promise<string> {
    return tableFingerprint(this.db, 'calendar_entries');
  }

  /**
   * Stores entries for one scope, replacing any entry already on the same date, and — for a
   * decision about an occasion — every earlier entry of that occasion in that year, since a
   * decision says the whole of it.
   */
  async replace(entries: CalendarEntry[], createdBy: string, now: number): Promise<StoredCalendarEntry[]> {
    for (const e of entries) {
      const scope = e.agencyCode ?? NATIONAL_SCOPE;
      await this.db('calendar_entries').where({ scope, date: e.date }).delete();
    }
    // A decision about an occasion replaces what was stored for that occasion; the occasion's year
    // can differ from the date's (31/12 off for next year's Tết Dương lịch).
    const decided = new Set(entries.filter((e) => e.occasion).map((e) => `${e.agencyCode ?? NATIONAL_SCOPE}|${occasionYearOf(e)}|${e.occasion}`));
    if (decided.size) {
      const years = [...decided].map((k) => Number(k.split('|')[1]));
      const candidates = (await this.db<Row>('calendar_entries')
        .whereNotNull('occasion')
        .whereBetween('year', [Math.min(...years) - 1, Math.max(...years)])) as Row[];
      const stale = candidates.filter((r) => decided.has(`${r.scope}|${occasionYearOf(r)}|${r.occasion}`)).map((r) => r.id);
      if (stale.length) await this.db('calendar_entries').whereIn('id', stale).delete();
    }
    if (!entries.length) return [];
    const rows = entries.map((e) => ({
      scope: e.agencyCode ?? NATIONAL_SCOPE,
      year: Number(e.date.slice(0, 4)),
      date: e.date,
      kind: e.kind,
      occasion: e.occasion,
      name: e.name,
      source: e.source,
      estimate: e.estimate,
      created_by: createdBy,
      created_at: now,
    }));
    const inserted = (await this.db('calendar_entries').insert(rows).returning('*')) as Row[];
    return inserted.map(fromRow);
  }

  async remove(id: number): Promise<StoredCalendarEntry | null> {
    const row = (await this.db<Row>('calendar_entries').where({ id }).first()) as Row | undefined;
    if (!row) return null;
    await this.db('calendar_entries').where({ id }).delete();
    return fromRow(row);
  }
}
