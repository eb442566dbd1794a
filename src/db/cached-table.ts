import { noteWritten, readsCommittedRows, type Db } from './connection';
import { Snapshot, tableFingerprint } from './snapshot';
import { found } from '../errors';

/** The columns every cached reference table has. */
export interface CachedRow {
  id: number;
  code: string;
  created_at: number;
  updated_at: number;
}

export interface CachedTableSpec<T, Row extends CachedRow, Input> {
  table: string;
  /** What a row is, in the not-found message: "cơ quan", "thủ tục". */
  noun: string;
  fromRow(row: Row): T;
  toRow(input: Input): Omit<Row, 'id' | 'created_at' | 'updated_at'>;
}

/**
 * A small reference table (agencies, procedures) read by id and code through an in-memory
 * snapshot (see Snapshot), and written through here only, so the snapshot is dropped at once and a
 * transaction that wrote the table is known to (readsCommittedRows).
 */
export class CachedTable<T extends { id: number; code: string }, Row extends CachedRow, Input> {
  private readonly snapshot: Snapshot<T>;

  constructor(
    protected readonly db: Db,
    private readonly spec: CachedTableSpec<T, Row, Input>,
    recheckMs?: number,
  ) {
    this.snapshot = new Snapshot(
      () => this.all(),
      () => tableFingerprint(this.db, spec.table),
      recheckMs,
    );
  }

  private readonly dropSnapshot = (): void => this.snapshot.invalidate();

  private async all(): Promise<T[]> {
    return ((await this.db(this.spec.table).orderBy('code')) as Row[]).map((r) => this.spec.fromRow(r));
  }

  /**
   * From the snapshot, outside transactions and in one that has not written the table (it reads
   * committed rows only: readsCommittedRows); a row the snapshot lacks is read from the database.
   * A transaction that wrote the table reads the database, and neither uses nor touches the
   * snapshot: it must not keep what a transaction that may roll back wrote.
   */
  private async cached(match: (row: T) => boolean, where: Pick<CachedRow, 'id'> | Pick<CachedRow, 'code'>): Promise<T | null> {
    const snapshot = readsCommittedRows(this.db, this.spec.table);
    if (snapshot) {
      const hit = await this.snapshot.find(match);
      if (hit) return hit;
    }
    const row = (await this.db(this.spec.table).where(where).first()) as Row | undefined;
    if (row && snapshot) this.snapshot.invalidate();
    return row ? this.spec.fromRow(row) : null;
  }

  async list(): Promise<T[]> {
    if (!readsCommittedRows(this.db, this.spec.table)) return this.all();
    return [...(await this.snapshot.all())];
  }

  async byCode(code: string): Promise<T | null> {
    return this.cached((r) => r.code === code, { code });
  }

  async byId(id: number): Promise<T | null> {
    return this.cached((r) => r.id === id, { id });
  }

  /** `byId` for a row that must exist (a foreign key points at it). */
  async get(id: number): Promise<T> {
    return found(await this.byId(id), `Không có ${this.spec.noun} số ${id}`);
  }

  async insert(input: Input, now: number): Promise<T> {
    this.snapshot.invalidate();
    noteWritten(this.db, this.spec.table, this.dropSnapshot);
    const [row] = (await this.db(this.spec.table)
      .insert({ ...this.spec.toRow(input), created_at: now, updated_at: now })
      .returning('*')) as Row[];
    this.snapshot.invalidate();
    return this.spec.fromRow(row);
  }

  async update(id: number, input: Input, now: number): Promise<T> {
    this.snapshot.invalidate();
    noteWritten(this.db, this.spec.table, this.dropSnapshot);
    await this.db(this.spec.table).where({ id }).update({ ...this.spec.toRow(input), updated_at: now });
    this.snapshot.invalidate();
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    this.snapshot.invalidate();
    noteWritten(this.db, this.spec.table, this.dropSnapshot);
    await this.db(this.spec.table).where({ id }).delete();
    this.snapshot.invalidate();
  }
}
