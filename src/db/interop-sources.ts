import type { Db } from './connection';
import type { DueGoverns, InteropMode, InteropSource, InteropSourceInput } from '../domain/interop';

export type { InteropSource, InteropSourceInput };

interface Row {
  id: number;
  code: string;
  name: string;
  mode: string;
  agency_id: number | null;
  token_id: number | null;
  secret_sealed: string | null;
  outbound_url: string | null;
  pull_url: string | null;
  pull_cursor: string | null;
  last_pull_at: number | null;
  last_pull_ok_at: number | null;
  last_pull_error: string | null;
  due_governs: string;
  enabled: boolean | number;
  updated_by: string;
  created_at: number;
  updated_at: number;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function fromRow(r: Row): InteropSource {
  return {
    id: Number(r.id),
    code: r.code,
    name: r.name,
    mode: r.mode as InteropMode,
    agencyId: num(r.agency_id),
    tokenId: num(r.token_id),
    secretSealed: r.secret_sealed ?? null,
    outboundUrl: r.outbound_url ?? null,
    pullUrl: r.pull_url ?? null,
    pullCursor: r.pull_cursor ?? null,
    lastPullAt: num(r.last_pull_at),
    lastPullOkAt: num(r.last_pull_ok_at),
    lastPullError: r.last_pull_error ?? null,
    dueGoverns: r.due_governs as DueGoverns,
    enabled: Boolean(r.enabled),
    updatedBy: r.updated_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function inputColumns(s: Partial<InteropSourceInput>): Partial<Row> {
  const columns: Partial<Row> = {};
  if (s.code !== undefined) columns.code = s.code;
  if (s.name !== undefined) columns.name = s.name;
  if (s.mode !== undefined) columns.mode = s.mode;
  if (s.agencyId !== undefined) columns.agency_id = s.agencyId;
  if (s.outboundUrl !== undefined) columns.outbound_url = s.outboundUrl;
  if (s.pullUrl !== undefined) columns.pull_url = s.pullUrl;
  if (s.dueGoverns !== undefined) columns.due_governs = s.dueGoverns;
  if (s.enabled !== undefined) columns.enabled = s.enabled;
  return columns;
}

/** What a poll of a pull-mode source leaves behind. */
export interface PullOutcome {
  at: number;
  /** Set when the poll succeeded: where the next one starts. */
  cursor?: string | null;
  /** Set when it failed: why, shown on the sync status page. */
  error?: string;
}

/** The configured one-stop systems: the only SQL about interop_sources. */
export class InteropSourceRepository {
  constructor(private readonly db: Db) {}

  async insert(input: InteropSourceInput, by: string, now: number): Promise<InteropSource> {
    const [row] = await this.db('interop_sources')
      .insert({ ...inputColumns(input), updated_by: by, created_at: now, updated_at: now })
      .returning('*');
    return fromRow(row as Row);
  }

  async update(id: number, patch: Partial<InteropSourceInput>, by: string, now: number): Promise<InteropSource | null> {
    await this.db('interop_sources').where({ id }).update({ ...inputColumns(patch), updated_by: by, updated_at: now });
    return this.byId(id);
  }

  /** The inbound credential (an api_tokens row) and the sealed shared secret, each replaced whole. */
  async setCredentials(id: number, change: { tokenId?: number | null; secretSealed?: string | null }, by: string, now: number): Promise<void> {
    const columns: Partial<Row> = {};
    if (change.tokenId !== undefined) columns.token_id = change.tokenId;
    if (change.secretSealed !== undefined) columns.secret_sealed = change.secretSealed;
    await this.db('interop_sources').where({ id }).update({ ...columns, updated_by: by, updated_at: now });
  }

  async recordPull(id: number, outcome: PullOutcome): Promise<void> {
    const columns: Partial<Row> = { last_pull_at: outcome.at };
    if (outcome.error !== undefined) columns.last_pull_error = outcome.error.slice(0, 1000);
    else {
      columns.last_pull_ok_at = outcome.at;
      columns.last_pull_error = null;
      if (outcome.cursor !== undefined) columns.pull_cursor = outcome.cursor;
    }
    await this.db('interop_sources').where({ id }).update(columns);
  }

  async byId(id: number): Promise<InteropSource | null> {
    const row = (await this.db('interop_sources').where({ id }).first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async byCode(code: string): Promise<InteropSource | null> {
    const row = (await this.db('interop_sources').where({ code }).first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** The source an API token belongs to, if it is one's inbound credential. */
  async byToken(tokenId: number): Promise<InteropSource | null> {
    const row = (await this.db('interop_sources').where({ token_id: tokenId }).first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async list(filter: { mode?: InteropMode; enabled?: boolean } = {}): Promise<InteropSource[]> {
    const q = this.db('interop_sources').orderBy('code');
    if (filter.mode) q.where('mode', filter.mode);
    if (filter.enabled !== undefined) q.where('enabled', filter.enabled);
    return ((await q) as Row[]).map(fromRow);
  }
}
