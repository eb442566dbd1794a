import { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Services } from '../../compose';
import { typedDossierCode } from '../../domain/dossier';
import { formatNumber } from '../../domain/vn-format';
import { citizenPage, errorPage, formErrors, sendLetterHtml } from '../pages';
import { DatabaseRateLimitStore } from '../middleware/rate-limit-store';
import { parse } from '../validate';
import { producedMarkup, type ViewRenderer } from '../views';
import { verificationRouter } from './verify';

/** A receipt number as the one-stop centres print them: the province's and unit's prefix, the day received (yymmdd), the sequence. */
const CODE_EXAMPLE = 'H13.TTPV-260212-0007';

/** The apology's token as drafted: 24 random bytes in base64url. */
const TOKEN = /^[A-Za-z0-9_-]{32}$/;

const lookupForm = z.object({
  ma: z
    .string()
    .transform(typedDossierCode)
    .pipe(
      z
        .string()
        .min(1, 'Cần nhập mã hồ sơ')
        .max(64, 'Mã hồ sơ quá dài')
        .regex(/^[A-Z0-9./_-]+$/, `Mã hồ sơ gồm chữ, số và các dấu . - / _ (ví dụ ${CODE_EXAMPLE})`),
    ),
  so: z.string().trim().regex(/^\d{4}$/, 'Nhập đúng 4 chữ số cuối của số điện thoại đã khai khi nộp hồ sơ'),
});

const boardQuery = z.object({
  ngay: z.coerce
    .number({ message: 'Số ngày phải là một số' })
    .int('Số ngày phải là số nguyên')
    .min(1, 'Số ngày từ 1 đến 365')
    .max(365, 'Số ngày từ 1 đến 365')
    .default(30),
});

const NOT_FOUND_MESSAGE = 'Đường dẫn không đúng hoặc đã hết hạn.';
const NO_MATCH = 'Không tìm thấy hồ sơ khớp với mã và số điện thoại đã nhập';

const percent = (rate: number | null) => (rate === null ? null : `${formatNumber(rate * 100, 1)}%`);

/**
 * What citizens open without an account: the page behind the notice's link (addressed only by
 * the apology's unguessable token), the public look-up and the public board of apologies.
 * Nothing here reads a session; the only write is the acknowledgement, which the token guards.
 */
export function citizenRouter(s: Services, views: ViewRenderer, form: RequestHandler): Router {
  const r = Router();
  r.use(verificationRouter(s, views));
  // Unknown, malformed, not yet issued and expired links all get this same page.
  const linkNotFound = (req: Request, res: Response) => errorPage(views, req, res, 404, NOT_FOUND_MESSAGE);
  const tokenOf = (req: Request): string | null => {
    const t = req.params.token;
    return typeof t === 'string' && TOKEN.test(t) ? t : null;
  };

  r.get('/c/:token', async (req, res) => {
    const token = tokenOf(req);
    const notice = token ? await s.citizen.notice(token) : null;
    if (!token || !notice) return linkNotFound(req, res);
    const { apology: a, receivingAgency: receiving } = notice;
    citizenPage(views, req, res, 'citizen/notice', {
      title: `Thư xin lỗi về hồ sơ ${notice.dossierCode}`,
      token,
      recipientName: a.recipientName,
      you: notice.addressesPerson ? 'ông/bà' : 'quý cơ quan, tổ chức',
      agencyName: notice.issuingAgency.name,
      letterNumber: a.letterNumber,
      issuedAt: a.issuedAt,
      dossierCode: notice.dossierCode,
      procedureName: notice.procedureName,
      reason: a.reason,
      oldDue: a.dueBefore,
      newDue: a.newDueAt,
      returnHours: notice.returnHours,
      place: { name: receiving.name, address: receiving.address, phone: receiving.contactPhone },
      verificationCode: notice.verificationCode,
      // The stored letter, rendered by the escaping letter templates at issuance (documents/reading.ts).
      letterBody: notice.letterBody === null ? null : producedMarkup(notice.letterBody),
      acknowledgedAt: a.acknowledgedAt,
    });
  });

  r.get('/c/:token/thu', async (req, res) => {
    const token = tokenOf(req);
    const html = token ? await s.citizen.letterHtml(token) : null;
    if (!html) return linkNotFound(req, res);
    sendLetterHtml(res, html);
  });

  r.get('/c/:token/letter.pdf', async (req, res) => {
    const token = tokenOf(req);
    const found = token ? await s.citizen.letterPdf(token) : null;
    if (!found) return linkNotFound(req, res);
    res.set('Cache-Control', 'private, no-store').type('application/pdf').attachment(found.fileName).send(found.pdf);
  });

  // No form token: there is no session to forge, and the only effect — recording that the
  // notice was received, once — needs the secret link itself.
  r.post('/c/:token/da-nhan', async (req, res) => {
    const token = tokenOf(req);
    const done = token ? await s.citizen.acknowledge(token) : null;
    if (!token || !done) return linkNotFound(req, res);
    res.redirect(303, done.first ? `/c/${token}?ok=acknowledged` : `/c/${token}`);
  });

  const lookupPage = (req: Request, res: Response, data: Record<string, unknown>, status = 200) =>
    citizenPage(views, req, res, 'citizen/lookup', { title: 'Tra cứu hồ sơ', codeHint: `Ví dụ: ${CODE_EXAMPLE} (chữ hoa hay chữ thường, có dấu cách đều được)`, values: { ma: '', so: '' }, errors: {}, ...data }, status);

  r.get('/tra-cuu', (req, res) => lookupPage(req, res, {}));

  // Counted in the database, so that several instances behind one PostgreSQL allow the limit
  // together, not each on its own.
  const lookupLimit = rateLimit({
    windowMs: 60_000,
    limit: s.config.lookupRatePerMinute,
    store: new DatabaseRateLimitStore(s.rateLimits, s.clock, 'tra-cuu'),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // Its configuration warnings (e.g. an X-Forwarded-For nobody trusts) as JSON log lines.
    logger: s.logger,
    handler: (req, res) =>
      citizenPage(
        views,
        req,
        res,
        'error',
        { title: 'Tra cứu quá nhiều lần', status: 429, message: 'Ông/bà đã tra cứu quá nhiều lần trong một phút. Vui lòng chờ ít phút rồi thử lại.' },
        429,
      ),
  });

  // A POST so that the phone digits stay out of addresses, history and access logs; it changes nothing.
  r.post('/tra-cuu', lookupLimit, form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = { ma: typeof body.ma === 'string' ? body.ma : '', so: typeof body.so === 'string' ? body.so : '' };
    let form: z.output<typeof lookupForm>;
    try {
      form = parse(lookupForm, values);
    } catch (err) {
      const shown = formErrors(err);
      if (!shown) throw err;
      return lookupPage(req, res, { values, errors: shown.errors, error: 'Vui lòng kiểm tra lại các ô được đánh dấu.' }, shown.status);
    }
    const result = await s.citizen.lookup(form.ma, form.so);
    lookupPage(req, res, { values, searched: true, result, noMatch: result ? null : NO_MATCH });
  });

  r.get('/cong-khai', async (req, res) => {
    const raw = typeof req.query.ngay === 'string' ? req.query.ngay : undefined;
    let days: number;
    try {
      days = parse(boardQuery, { ngay: raw === '' ? undefined : raw }).ngay;
    } catch (err) {
      const shown = formErrors(err);
      if (!shown) throw err;
      return citizenPage(views, req, res, 'citizen/board', { title: 'Công khai thư xin lỗi', values: { ngay: raw }, errors: shown.errors }, shown.status);
    }
    const board = await s.reports.publicBoard(days);
    citizenPage(views, req, res, 'citizen/board', {
      title: 'Công khai thư xin lỗi',
      values: { ngay: String(days) },
      errors: {},
      board: {
        days: board.days,
        since: board.since,
        agencies: board.agencies.map((a) => ({ ...a, onTimeRate: percent(a.onTimeRate) })),
        apologies: board.apologies,
      },
    });
  });

  return r;
}
