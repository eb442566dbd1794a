import type { Request } from 'express';
import { AppError, ValidationError } from '../errors';

export interface Multipart {
  fields: Record<string, string>;
  files: Record<string, { fileName: string; data: Buffer }>;
}

/**
 * A small multipart/form-data reader for the few forms that send one small file (a PKCS#12
 * certificate, a PNG, a letter to verify): the whole body is read up to `maxBytes` (more is a
 * 413 naming the field), then split on the boundary. Large uploads (imports) stream instead.
 */
export async function readMultipart(req: Request, maxBytes: number, fileField: string): Promise<Multipart> {
  const type = req.get('content-type') ?? '';
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!/^multipart\/form-data/i.test(type) || !boundary) throw new ValidationError([{ field: fileField, message: 'Gửi biểu mẫu kèm tệp (multipart/form-data)' }]);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      const message = `Tệp quá lớn (tối đa ${Math.round(maxBytes / 1024)} KB)`;
      throw new AppError(413, 'upload-too-large', message, [{ field: fileField, message }]);
    }
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const out: Multipart = { fields: {}, files: {} };
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // CRLF after the delimiter, CRLF before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const data = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const fileName = /filename="([^"]*)"/i.exec(headers)?.[1];
      if (name !== undefined) {
        if (fileName !== undefined) out.files[name] = { fileName, data: Buffer.from(data) };
        else out.fields[name] = data.toString('utf8');
      }
    }
    at = next;
  }
  return out;
}

/** Files of a multipart form parsed by `multipartBody`, by field name. */
const FILES = Symbol('multipart files');

export function filesOf(req: Request): Multipart['files'] {
  return ((req as unknown as Record<symbol, Multipart['files']>)[FILES] ?? {}) as Multipart['files'];
}

/**
 * Parses small multipart forms before the staff router, so that their `_csrf` field is checked
 * like any other form's; the files wait in the request for the route.
 */
export function multipartBody(maxBytes: number) {
  return async (req: Request, _res: unknown, next: (err?: unknown) => void): Promise<void> => {
    if (req.method !== 'POST' || !/^multipart\/form-data/i.test(req.get('content-type') ?? '')) return next();
    try {
      const form = await readMultipart(req, maxBytes, 'tep');
      req.body = form.fields;
      (req as unknown as Record<symbol, Multipart['files']>)[FILES] = form.files;
      next();
    } catch (err) {
      next(err);
    }
  };
}
