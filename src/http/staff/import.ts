import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response, Router } from 'express';
import type { Services } from '../../services';
import type { ImportFormat, ImportProgress, ImportReport } from '../../services/import';
import type { Actor } from '../../services/clock';
import { TEMPLATES_DIR } from '../../services';
import { formatNumber } from '../../domain/vn-format';
import { AppError, NotFoundError } from '../../errors';
import { staffPage } from '../pages';
import type { ViewRenderer } from '../views';
import { staffOf } from './session';
import type { PageGroup } from './index';

/** 1,000,000 rows of the full column set are about 250 MB of CSV. */
const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** A finished import's result stays readable this long (in memory: it is gone after a restart). */
const KEEP_JOBS_MS = 24 * 3_600_000;
/** Rejected rows listed on the page; the count says how many there were in all. */
const SHOWN_REJECTIONS = 1_000;

interface ImportJob {
  id: string;
  userId: number;
  fileName: string;
  bytes: number;
  bytesRead: number;
  startedAt: number;
  finishedAt: number | null;
  progress: ImportProgress;
  report: ImportReport | null;
  /** Why nothing (or nothing more) was imported: each line a Vietnamese sentence. */
  failure: string[] | null;
}

class UploadTooLarge extends AppError {
  constructor() {
    super(413, 'upload-too-large', `Tệp lớn hơn ${formatNumber(MAX_UPLOAD_BYTES / 1024 / 1024)} MB; hãy chia thành nhiều tệp`);
  }
}

/** Counts the bytes going through, and refuses to go past the limit. */
function byteCounter(onBytes: (n: number) => void, limit = Infinity): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      total += chunk.length;
      if (total > limit) return done(new UploadTooLarge());
      onBytes(total);
      done(null, chunk);
    },
  });
}

/** The format from the file's name, as the command line decides it. */
function formatOf(fileName: string): ImportFormat | null {
  return /\.xlsx$/i.test(fileName) ? 'xlsx' : /\.csv$/i.test(fileName) ? 'csv' : null;
}

/** The file name the upload script sends (URI-encoded, a header being ASCII). */
function fileNameOf(req: Request): string {
  const raw = req.get('x-file-name') ?? '';
  try {
    return path.basename(decodeURIComponent(raw)).normalize('NFC').slice(0, 255);
  } catch {
    return '';
  }
}

/**
 * The upload of a dossier list (`/ho-so/nhap`). Browsers send a file only as multipart, and no
 * multipart parser is a dependency: the page's script sends the file itself as the request body
 * (with the form token in a header). The file is saved to a temporary file first, so that a
 * large import runs after the upload has finished, in the background, with its progress kept in
 * memory for a page that reloads itself until the import is done.
 */
export function importPages(s: Services, views: ViewRenderer): PageGroup {
  const jobs = new Map<string, ImportJob>();

  const forget = () => {
    const old = s.clock.now().getTime() - KEEP_JOBS_MS;
    for (const [id, job] of jobs) if (job.finishedAt !== null && job.finishedAt < old) jobs.delete(id);
  };

  const run = async (job: ImportJob, file: string, format: ImportFormat, uploader: Actor) => {
    const actor = { ...uploader, name: `${uploader.name} (nhập tệp ${job.fileName})` };
    try {
      const counted = byteCounter((n) => (job.bytesRead = n));
      const source = fs.createReadStream(file);
      source.on('error', (err) => counted.destroy(err));
      job.report = await s.imports.importDossiers(source.pipe(counted), format, {
        actor,
        onProgress: (p) => (job.progress = p),
      });
      job.progress = job.report;
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        job.failure = err.fields.length ? err.fields.map((f) => f.message) : [err.message];
      } else {
        s.logger.error({ err, job: job.id }, 'import failed');
        job.failure = [`Không đọc được tệp ${format === 'xlsx' ? 'Excel (.xlsx)' : 'CSV'}: tệp hỏng hoặc không đúng định dạng. Các dòng đã ghi trước lỗi (nếu có) vẫn được giữ.`];
      }
    } finally {
      job.finishedAt = s.clock.now().getTime();
      fs.rm(path.dirname(file), { recursive: true, force: true }, () => undefined);
    }
  };

  const uploadPage = (req: Request, res: Response, data: { error?: string } = {}, status = 200) => {
    const columns = s.imports.columns(staffOf(req).actor);
    staffPage(
      views,
      req,
      res,
      'staff/import/upload',
      {
        title: 'Nhập danh sách hồ sơ',
        nav: 'dossiers',
        columns,
        // A browser without the script sends the form as GET: only the file's name arrives.
        noScript: typeof req.query.tep === 'string',
        error: data.error,
        maxSize: `${formatNumber(MAX_UPLOAD_BYTES / 1024 / 1024)} MB`,
      },
      status,
    );
  };

  return (r: Router) => {
    r.get('/ho-so/nhap', (req, res) => {
      uploadPage(req, res);
    });

    r.get('/ho-so/nhap/mau.csv', (req, res) => {
      s.imports.columns(staffOf(req).actor);
      res.set('Cache-Control', 'private, no-store');
      res.type('text/csv; charset=utf-8').attachment('danh-sach-ho-so.csv').sendFile(path.join(TEMPLATES_DIR, 'import', 'danh-sach-ho-so.csv'));
    });

    r.post('/ho-so/nhap', async (req, res) => {
      const actor = staffOf(req).actor;
      // Refused before a byte of the file is stored.
      s.imports.columns(actor);
      const fileName = fileNameOf(req);
      const format = formatOf(fileName);
      const refuse = (status: number, field: string, message: string) =>
        res.status(status).json({ title: message, errors: [{ field, message }] });
      if (!fileName) return refuse(400, 'file', 'Chưa chọn tệp để nhập');
      if (!format) return refuse(400, 'file', `Tệp "${fileName}" không phải .csv hoặc .xlsx: chỉ nhận danh sách hồ sơ dạng CSV hoặc Excel (.xlsx)`);
      if (Number(req.get('content-length') ?? 0) > MAX_UPLOAD_BYTES) return refuse(413, 'file', new UploadTooLarge().message);

      const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'henlai-import-'));
      const file = path.join(dir, `upload.${format}`);
      let bytes = 0;
      try {
        await pipeline(req, byteCounter((n) => (bytes = n), MAX_UPLOAD_BYTES), fs.createWriteStream(file));
      } catch (err) {
        await fs.promises.rm(dir, { recursive: true, force: true });
        if (err instanceof UploadTooLarge) return refuse(413, 'file', err.message);
        throw err;
      }
      if (bytes === 0) {
        await fs.promises.rm(dir, { recursive: true, force: true });
        return refuse(400, 'file', `Tệp "${fileName}" trống`);
      }
      forget();
      const empty = { rowsRead: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
      const job: ImportJob = {
        id: crypto.randomBytes(12).toString('base64url'),
        userId: actor.userId ?? -1,
        fileName,
        bytes,
        bytesRead: 0,
        startedAt: s.clock.now().getTime(),
        finishedAt: null,
        progress: empty,
        report: null,
        failure: null,
      };
      jobs.set(job.id, job);
      void run(job, file, format, actor);
      res.status(202).json({ url: `/ho-so/nhap/${job.id}` });
    });

    r.get('/ho-so/nhap/:id', (req, res) => {
      const job = jobs.get(req.params.id as string);
      // Only the person who uploaded the file sees its import (the rows name citizens).
      if (!job || job.userId !== (staffOf(req).actor.userId ?? -1)) throw new NotFoundError('Không có lần nhập tệp này (kết quả được giữ 24 giờ, và chỉ người tải tệp lên xem được)');
      const done = job.finishedAt !== null;
      const p = job.progress;
      const rejections = job.report?.rejections ?? [];
      staffPage(views, req, res, 'staff/import/progress', {
        title: done ? `Kết quả nhập tệp ${job.fileName}` : `Đang nhập tệp ${job.fileName}`,
        nav: 'dossiers',
        refresh: done ? null : 2,
        job,
        done,
        failed: job.failure !== null,
        percent: job.bytes ? Math.min(100, Math.floor((job.bytesRead / job.bytes) * 100)) : 0,
        p,
        rejections: rejections.slice(0, SHOWN_REJECTIONS),
        moreRejections: Math.max(0, (job.report?.rejected ?? 0) - SHOWN_REJECTIONS),
      });
    });
  };
}
