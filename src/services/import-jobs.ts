import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ImportJobRepository } from '../db/import-jobs';
import { AppError, NotFoundError } from '../errors';
import type { Logger } from '../logger';
import type { Clock } from '../clock';
import type { Actor } from '../domain/actor';
import { authorize } from './authorize';
import type { ImportFormat, ImportProgress, ImportRejection, ImportService } from './import';

/** A finished import's result stays readable this long. */
const KEEP_JOBS_MS = 24 * 3_600_000;
/** How often a running import writes how far it got; the page reloads every 2 s. */
const WRITE_EVERY_MS = 1_000;
/** A job not finished and not written for this long was stopped with its process. */
const STALE_AFTER_MS = 60_000;
/** Rejected rows kept for the page; the count says how many there were in all. */
const KEPT_REJECTIONS = 1_000;

const EMPTY: ImportProgress = { rowsRead: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };

export interface ImportJob {
  id: string;
  fileName: string;
  /** Of the file, and read so far. */
  bytes: number;
  bytesRead: number;
  startedAt: number;
  finishedAt: number | null;
  progress: ImportProgress;
  /** The first rejected rows (once finished); `progress.rejected` counts them all. */
  rejections: ImportRejection[];
  /** Why nothing (or nothing more) was imported: each line a Vietnamese sentence. */
  failure: string[] | null;
  /** Its process stopped (a restart, a crash) before it finished. */
  interrupted: boolean;
}

export interface UploadedList {
  /** A file this service takes over: it is deleted once imported. */
  file: string;
  fileName: string;
  bytes: number;
  format: ImportFormat;
}

export interface ImportJobServiceDeps {
  jobs: ImportJobRepository;
  imports: ImportService;
  clock: Clock;
  logger: Logger;
}

/**
 * Imports of uploaded dossier lists in the background, their progress and results in the
 * database: whichever instance serves the progress page sees them, and a result outlives a
 * restart. Only the person who uploaded a file sees its import (the rows name citizens).
 */
export class ImportJobService {
  constructor(private readonly deps: ImportJobServiceDeps) {}

  /** Registers the import and starts it; answers its id at once. */
  async start(list: UploadedList, uploader: Actor): Promise<string> {
    authorize(uploader, 'dossier.create');
    const now = this.deps.clock.now().getTime();
    await this.deps.jobs.forgetBefore(now - KEEP_JOBS_MS);
    const id = crypto.randomBytes(12).toString('base64url');
    await this.deps.jobs.create({
      id, userId: uploader.userId ?? -1, fileName: list.fileName, bytes: list.bytes, bytesRead: 0,
      startedAt: now, updatedAt: now, finishedAt: null, progress: EMPTY, rejections: null, failure: null,
    });
    void this.run(id, list, uploader);
    return id;
  }

  async view(id: string, actor: Actor): Promise<ImportJob> {
    const row = await this.deps.jobs.byId(id);
    if (!row || row.userId !== (actor.userId ?? -1)) {
      throw new NotFoundError('Không có lần nhập tệp này (kết quả được giữ 24 giờ, và chỉ người tải tệp lên xem được)');
    }
    return {
      id: row.id,
      fileName: row.fileName,
      bytes: row.bytes,
      bytesRead: row.bytesRead,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      progress: (row.progress as ImportProgress | null) ?? EMPTY,
      rejections: (row.rejections as ImportRejection[] | null) ?? [],
      failure: row.failure as string[] | null,
      interrupted: row.finishedAt === null && row.updatedAt < this.deps.clock.now().getTime() - STALE_AFTER_MS,
    };
  }

  private async run(id: string, list: UploadedList, uploader: Actor): Promise<void> {
    const actor = { ...uploader, name: `${uploader.name} (nhập tệp ${list.fileName})` };
    let bytesRead = 0;
    let progress = EMPTY;
    // Written on a timer rather than on every batch: a heartbeat even while a batch is slow.
    // One write at a time, so that a late progress write never lands after the result.
    let writing = Promise.resolve();
    const write = () =>
      (writing = writing
        .then(() => this.deps.jobs.update(id, { bytesRead, progress, updatedAt: this.deps.clock.now().getTime() }))
        .catch((err) => this.deps.logger.warn({ err, job: id }, 'import progress not written')));
    const timer = setInterval(write, WRITE_EVERY_MS);
    let result: { progress: ImportProgress; rejections: ImportRejection[] | null; failure: string[] | null };
    try {
      const source = fs.createReadStream(list.file);
      source.on('data', (chunk) => (bytesRead += chunk.length));
      const report = await this.deps.imports.importDossiers(source, list.format, { actor, onProgress: (p) => (progress = p) });
      const { rejections, ...counts } = report;
      result = { progress: counts, rejections: rejections.slice(0, KEPT_REJECTIONS), failure: null };
    } catch (err) {
      let failure: string[];
      if (err instanceof AppError && err.status < 500) {
        failure = err.fields.length ? err.fields.map((f) => f.message) : [err.message];
      } else {
        this.deps.logger.error({ err, job: id }, 'import failed');
        failure = [`Không đọc được tệp ${list.format === 'xlsx' ? 'Excel (.xlsx)' : 'CSV'}: tệp hỏng hoặc không đúng định dạng. Các dòng đã ghi trước lỗi (nếu có) vẫn được giữ.`];
      }
      result = { progress, rejections: null, failure };
    } finally {
      clearInterval(timer);
      fs.rm(list.file, { force: true }, () => undefined);
    }
    await writing;
    await writing;
    const now = this.deps.clock.now().getTime();
    await this.deps.jobs
      .update(id, { ...result, bytesRead, updatedAt: now, finishedAt: now })
      .catch((err) => this.deps.logger.error({ err, job: id }, 'import result not written'));
  }
}
