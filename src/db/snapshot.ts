/**
 * A small reference table (agencies, procedures) kept in memory: every page and API answer
 * needs a dossier's agencies and procedure, and reading them from the database three times per
 * request costs more than the request itself.
 *
 * Writes through this process's repository drop the snapshot at once. A write by another
 * instance (or by hand) is noticed within `recheckMs`, when the table's change counter
 * (tableFingerprint) differs; a row missing from the snapshot is always looked up in the database.
 * A transaction that wrote the table reads the database instead (readsCommittedRows).
 */
export class Snapshot<T> {
  /** The whole table, kept as the one entry of a KeyedSnapshot: the same fingerprint checks and invalidation. */
  private readonly table: KeyedSnapshot<T[]>;

  constructor(
    private readonly load: () => Promise<T[]>,
    currentFingerprint: () => Promise<string>,
    recheckMs = 2000,
  ) {
    this.table = new KeyedSnapshot(currentFingerprint, recheckMs);
  }

  invalidate(): void {
    this.table.invalidate();
  }

  async all(): Promise<T[]> {
    return this.table.get('', this.load);
  }

  async find(match: (row: T) => boolean): Promise<T | undefined> {
    return (await this.all()).find(match);
  }
}

/**
 * Rows of a table kept in memory one key at a time, as they are asked for (signing settings, by
 * owner: read for every letter, and holding certificate files and images one would not load for
 * all owners at once; Snapshot is its one-entry case). This process's writes drop it at once, another
 * process's within `recheckMs` (the fingerprint changed: everything is dropped). An absent row is
 * kept too.
 */
export class KeyedSnapshot<V> {
  private readonly entries = new Map<string, V>();
  private fingerprint: string | null = null;
  private checkedAt = 0;
  /** Bumped whenever entries are dropped: a load under way then may hold an older row, and is not kept. */
  private generation = 0;

  constructor(
    private readonly currentFingerprint: () => Promise<string>,
    private readonly recheckMs = 2000,
  ) {}

  invalidate(): void {
    this.entries.clear();
    this.fingerprint = null;
    this.generation++;
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const t = Date.now();
    if (this.fingerprint === null || t - this.checkedAt >= this.recheckMs) {
      const generation = this.generation;
      const fp = await this.currentFingerprint();
      if (generation === this.generation) {
        if (fp !== this.fingerprint) {
          this.entries.clear();
          this.generation++;
        }
        this.fingerprint = fp;
        this.checkedAt = t;
      }
    }
    if (this.entries.has(key)) return this.entries.get(key) as V;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation) this.entries.set(key, value);
    return value;
  }
}

/**
 * The table's change counter, bumped by the database's own triggers on every insert, update and
 * delete (migration 20270101000001_table_versions, which lists the tables that have one): a write
 * by another instance or by hand changes it whatever its updated_at says, and it is committed
 * with the rows it counts. A table without a counter is refused: a snapshot of it could not know
 * when it went stale.
 */
export async function tableFingerprint(db: import('./connection').Db, table: string): Promise<string> {
  const row = (await db('table_versions').where({ table_name: table }).first('version')) as { version: number | string } | undefined;
  if (!row) throw new Error(`${table} has no change counter in table_versions: give it one (and its triggers) in a migration before keeping it in memory`);
  return String(row.version);
}
