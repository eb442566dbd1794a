import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response, Router } from 'express';
import type { Services } from '../../compose';
import type { ImportFormat } from '../../services/import';
import { TEMPLATES_DIR } from '../../documents/renderer';
import { formatNumber } from '../../domain/vn-format';
import { AppError } from '../../errors';
import { staffPage } from '../pages';
import type { ViewRenderer } from '../views';
import { staffOf } from './session';
import type { PageGroup } from './index';

/** 1,000,000 rows of the full column set are about 250 MB of CSV. */
const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** Rejected rows listed on the page; the count says how many there were in all. */
const SHOWN_REJECTIONS = 1_000;

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
 * large import runs after the upload has finished, in the background (ImportJobService), with
 * its progress in the database for a page that reloads itself until the import is done.
 */
export function importPages(s: Services, views: ViewRenderer): PageGroup {
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

      const file = path.join(os.tmpdir(), `henlai-import-${crypto.randomBytes(9).toString('base64url')}.${format}`);
      let bytes = 0;
      try {
        await pipeline(req, byteCounter((n) => (bytes = n), MAX_UPLOAD_BYTES), fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      } catch (err) {
        await fs.promises.rm(file, { force: true });
        if (err instanceof UploadTooLarge) return refuse(413, 'file', err.message);
        throw err;
      }
      if (bytes === 0) {
        await fs.promises.rm(file, { force: true });
        return refuse(400, 'file', `Tệp "${fileName}" trống`);
      }
      const id = await s.importJobs.start({ file, fileName, bytes, format }, actor);
      res.status(202).json({ url: `/ho-so/nhap/${id}` });
    });

    r.get('/ho-so/nhap/:id', async (req, res) => {
      const job = await s.importJobs.view(req.params.id as string, staffOf(req).actor);
      const done = job.finishedAt !== null || job.interrupted;
      staffPage(views, req, res, 'staff/import/progress', {
        title: done ? `Kết quả nhập tệp ${job.fileName}` : `Đang nhập tệp ${job.fileName}`,
        nav: 'dossiers',
        refresh: done ? null : 2,
        job,
        done,
        failed: job.failure !== null,
        percent: job.bytes ? Math.min(100, Math.floor((job.bytesRead / job.bytes) * 100)) : 0,
        p: job.progress,
        rejections: job.rejections.slice(0, SHOWN_REJECTIONS),
        moreRejections: Math.max(0, job.progress.rejected - SHOWN_REJECTIONS),
      });
    });
  };
}
