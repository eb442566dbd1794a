import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Services } from '../../compose';
import { DatabaseRateLimitStore } from '../middleware/rate-limit-store';
import { readMultipart } from '../multipart';
import { citizenPage, formErrors } from '../pages';
import type { ViewRenderer } from '../views';
import type { LetterCheck } from '../../services/signing/verification';

const MAX_PDF_BYTES = 5 * 1024 * 1024;

/**
 * `/xac-thuc`: anyone with a letter — the citizen, another agency — checks it by the code
 * printed on it (or its QR code) or by uploading the PDF, and learns whether it is the letter as
 * issued: number, date, agency, signers, signatures valid. Never the citizen's name or dossier:
 * the code alone must not reveal who the letter was sent to.
 */
export function verificationRouter(s: Services, views: ViewRenderer): Router {
  const r = Router();
  const page = (req: Request, res: Response, data: { ma?: string; check?: LetterCheck | null; error?: string; errors?: Record<string, string> }, status = 200) =>
    citizenPage(views, req, res, 'citizen/verify', { title: 'Xác thực văn bản', values: { ma: data.ma ?? '' }, errors: data.errors ?? {}, error: data.error, check: data.check ?? null, checked: data.check !== undefined }, status);

  // The code is short: guessing is slowed like the dossier look-up.
  const limit = rateLimit({
    windowMs: 60_000,
    limit: s.config.lookupRatePerMinute,
    store: new DatabaseRateLimitStore(s.rateLimits, s.clock, 'xac-thuc'),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    logger: s.logger,
    handler: (req, res) => page(req, res, { error: 'Đã kiểm tra quá nhiều lần trong một phút. Vui lòng chờ ít phút rồi thử lại.' }, 429),
  });

  const byCode = async (req: Request, res: Response, ma: string) => {
    const check = await s.verification.byCode(ma);
    if (!check) return page(req, res, { ma, errors: { ma: 'Mã xác thực gồm 10 chữ và số, ví dụ K7QX-9M2P-AB' } }, 400);
    page(req, res, { ma, check });
  };

  r.get('/xac-thuc', async (req, res, next) => {
    const ma = typeof req.query.ma === 'string' ? req.query.ma.trim() : '';
    if (!ma) return page(req, res, {});
    return limit(req, res, () => void byCode(req, res, ma).catch(next));
  });

  r.post('/xac-thuc', limit, async (req, res) => {
    let form;
    try {
      form = await readMultipart(req, MAX_PDF_BYTES, 'tep');
    } catch (err) {
      const shown = formErrors(err);
      if (!shown) throw err;
      return page(req, res, { errors: shown.errors, error: shown.message }, shown.status);
    }
    const file = form.files.tep;
    const ma = (form.fields.ma ?? '').trim();
    if (file && file.data.length > 0) {
      if (!file.data.subarray(0, 5).equals(Buffer.from('%PDF-'))) return page(req, res, { ma, errors: { tep: 'Tệp không phải PDF' } }, 400);
      return page(req, res, { ma, check: await s.verification.byFile(file.data) });
    }
    if (ma) return byCode(req, res, ma);
    page(req, res, { errors: { ma: 'Nhập mã xác thực in trên văn bản, hoặc chọn tệp PDF của văn bản' } }, 400);
  });
  return r;
}
