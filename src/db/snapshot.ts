/**
 * A small reference table (agencies, procedures) kept in memory: every page and API answer
 * needs a dossier's agencies and procedure, and reading them from the database three times per
 * request costs more than the request itself.
 *
 * Writes through this process's repository drop the snapshot at once. A write by another
 * instance (or by hand) is noticed within `recheckMs`, when a cheap fingerprint query (row count
 * and latest change) differs; a row missing from the snapshot is always looked up in the database.
 * A transaction that wrote the table reads the database instead (readsCommittedRows).
 */
export class Snapshot<T> {
  private rows: T[] | null = null;
  private fingerprint = '';
  private checkedAt = 0;
  /** Bumped by each invalidate: a load that was under way then holds rows from before it, and is not kept. */
  private generation = 0;

  constructor(
    private readonly load: () => Promise<T[]>,
    private readonly currentFingerprint: () => Promise<string>,
    private readonly recheckMs = 2000,
  ) {}

  invalidate(): void {
    this.rows = null;
    this.generation++;
  }

  async all(): Promise<T[]> {
    const t = Date.now();
    if (this.rows && t - this.checkedAt < this.recheckMs) return this.rows;
    const generation = this.generation;
    const fp = await this.currentFingerprint();
    if (this.rows && fp === this.fingerprint) {
      this.checkedAt = t;
      return this.rows;
    }
    const rows = await this.load();
    if (generation === this.generation) {
      this.rows = rows;
      this.fingerprint = fp;
      this.checkedAt = t;
    }
    return rows;
  }

  async find(match: (row: T) => boolean): Promise<T | undefined> {
    return (await this.all()).find(match);
  }
}

/** Row count and latest change of a table with `id` and `updated_at` columns. */
export async function tableFingerprint(db: import('./connection').Db, table: string): Promise<string> {
  const row = (await db(table).count({ n: '*' }).max({ m: 'updated_at' }).max({ i: 'id' }).first()) as { n?: unknown; m?: unknown; i?: unknown } | undefined;
  return `${row?.n ?? 0}:${row?.m ?? 0}:${row?.i ?? 0}`;
}
