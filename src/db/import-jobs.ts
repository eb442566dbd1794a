import type { Db } from './connection';

export interface ImportJobRow {
  id: string;
  userId: number;
  fileName: string;
  bytes: number;
  bytesRead: number;
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
  progress: unknown;
  rejections: unknown;
  failure: unknown;
}

export type ImportJobPatch = Partial<Pick<ImportJobRow, 'bytesRead' | 'updatedAt' | 'finishedAt' | 'progress' | 'rejections' | 'failure'>>;

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parsed = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(String(v)));

export class ImportJobRepository {
  constructor(private readonly db: Db) {}

  async create(job: ImportJobRow): Promise<void> {
    await this.db('import_jobs').insert({
      id: job.id,
      user_id: job.userId,
      file_name: job.fileName,
      bytes: job.bytes,
      bytes_read: job.bytesRead,
      started_at: job.startedAt,
      updated_at: job.updatedAt,
      finished_at: job.finishedAt,
      progress: json(job.progress),
      rejections: json(job.rejections),
      failure: json(job.failure),
    });
  }

  async update(id: string, patch: ImportJobPatch): Promise<void> {
    const row: Record<string, unknown> = {};
    if (patch.bytesRead !== undefined) row.bytes_read = patch.bytesRead;
    if (patch.updatedAt !== undefined) row.updated_at = patch.updatedAt;
    if (patch.finishedAt !== undefined) row.finished_at = patch.finishedAt;
    if (patch.progress !== undefined) row.progress = json(patch.progress);
    if (patch.rejections !== undefined) row.rejections = json(patch.rejections);
    if (patch.failure !== undefined) row.failure = json(patch.failure);
    await this.db('import_jobs').where({ id }).update(row);
  }

  async byId(id: string): Promise<ImportJobRow | null> {
    const r = await this.db('import_jobs').where({ id }).first();
    if (!r) return null;
    return {
      id: String(r.id),
      userId: Number(r.user_id),
      fileName: String(r.file_name),
      bytes: Number(r.bytes),
      bytesRead: Number(r.bytes_read),
      startedAt: Number(r.started_at),
      updatedAt: Number(r.updated_at),
      finishedAt: r.finished_at === null ? null : Number(r.finished_at),
      progress: parsed(r.progress),
      rejections: parsed(r.rejections),
      failure: parsed(r.failure),
    };
  }

  /** Deletes the jobs that finished, or were last written (stopped with their process), before `at`. */
  async forgetBefore(at: number): Promise<number> {
    return this.db('import_jobs').where('finished_at', '<', at).orWhere((q) => q.whereNull('finished_at').where('updated_at', '<', at)).del();
  }
}
