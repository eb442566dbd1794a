import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { AppError, UnavailableError } from '../../errors';
import type { Logger } from '../../logger';
import { errorPage } from '../pages';
import type { ViewRenderer } from '../views';

/** API and webhook callers read problem+json; people in a browser read a Vietnamese page. */
function wantsPage(req: Request): boolean {
  return !/^\/(api|webhooks)\//.test(req.originalUrl) && req.accepts(['html', 'json']) === 'html';
}

/** An AppError as RFC 9457 problem+json (also each refused item of a batch). */
export function problemOf(err: AppError): Record<string, unknown> {
  const body: Record<string, unknown> = { type: `urn:henlai:problem:${err.code}`, title: err.message, status: err.status };
  if (err.fields.length) body.errors = err.fields;
  return body;
}

/**
 * The one place errors become responses: RFC 9457 problem+json for programs, a Vietnamese page
 * for people; never a stack trace.
 */
export function errorHandler(logger: Logger, views: ViewRenderer): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let body: Record<string, unknown>;
    if (err instanceof AppError) {
      status = err.status;
      body = problemOf(err);
      if (err instanceof UnavailableError) res.set('Retry-After', String(err.retryAfterSeconds));
    } else if (err?.type === 'entity.too.large') {
      status = 413;
      body = { type: 'urn:henlai:problem:body-too-large', title: 'Nội dung gửi lên quá lớn', status };
    } else if (err?.type === 'entity.parse.failed') {
      status = 400;
      body = {
        type: 'urn:henlai:problem:validation',
        title: 'Nội dung gửi lên không phải JSON hợp lệ',
        status,
        errors: [{ field: '(body)', message: 'JSON không hợp lệ' }],
      };
    } else {
      logger.error({ err, reqId: req.id }, 'unhandled error');
      body = { type: 'urn:henlai:problem:internal', title: 'Lỗi hệ thống, vui lòng thử lại sau', status };
    }
    body.instance = req.originalUrl;
    if (wantsPage(req)) return errorPage(views, req, res, status, String(body.title));
    res.status(status).type('application/problem+json').send(JSON.stringify(body));
  };
}

export const notFound = (views: ViewRenderer): RequestHandler => (req, res) => {
  if (wantsPage(req)) return errorPage(views, req, res, 404, 'Không có trang này');
  res
    .status(404)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'urn:henlai:problem:not-found', title: 'Không có địa chỉ này', status: 404, instance: req.originalUrl }));
};
