import { Router } from 'express';
import type { Services } from '../../services';
import type { ViewRenderer } from '../views';
import { sendLetterHtml } from '../pages';

const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/**
 * What the citizen's link opens: the letter as issued, and its PDF. Addressed only by the
 * apology's unguessable token; an unknown token gets the same plain 404 as a malformed one.
 */
export function citizenRouter(s: Services, _views: ViewRenderer): Router {
  const r = Router();
  const notFound = (res: import('express').Response) =>
    res.status(404).type('text/html; charset=utf-8').send('<!doctype html><html lang="vi"><meta charset="utf-8"><title>Không tìm thấy</title><p>Đường dẫn không đúng hoặc đã hết hạn.</p></html>');

  r.get('/c/:token', async (req, res) => {
    const found = TOKEN.test(req.params.token) ? await s.apologies.citizenLetter(req.params.token) : null;
    if (!found) return void notFound(res);
    sendLetterHtml(res, found.html);
  });
  r.get('/c/:token/letter.pdf', async (req, res) => {
    const found = TOKEN.test(req.params.token) ? await s.apologies.citizenPdf(req.params.token) : null;
    if (!found) return void notFound(res);
    res.set('Cache-Control', 'private, no-store').type('application/pdf').attachment(found.fileName).send(found.pdf);
  });
  return r;
}
