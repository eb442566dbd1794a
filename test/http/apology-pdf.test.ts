import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { PdfRenderer } from '../../src/documents/pdf';
import { createLogger } from '../../src/logger';
import { buildServices, type Services } from '../../src/compose';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';
import { FakePdfRenderer } from '../fakes/pdf';

/**
 * A renderer that fails the letters `fails` picks (all of them by default), as when Chromium
 * cannot start, and makes the others (the fake's bytes: this is about when a PDF is made, not
 * what is in it).
 */
class FlakyPdf implements PdfRenderer {
  fails: (html: string) => boolean = () => true;
  attempts = 0;
  private readonly working = new FakePdfRenderer();

  async render(html: string): Promise<Buffer> {
    this.attempts++;
    if (this.fails(html)) throw new Error('Chromium could not be launched (simulated)');
    return this.working.render(html);
  }

  async close(): Promise<void> {}
}

describe('a letter’s PDF is made after the issue, never part of its answer', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let pdf: FlakyPdf;
  let s: Services;
  let api: (method: 'get' | 'post', url: string) => supertest.Test;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    pdf = new FlakyPdf();
    s = buildServices(ctx.config, ctx.db, ctx.clock, createLogger('silent'), { pdf });
    const app = createApp(s);
    api = (method, url) => supertest(app)[method](url).set('Authorization', `Bearer ${ctx.token}`);
    // Accepted 02/02 → due Mon 09/03 17:00; accepted 26/01 → due Mon 02/03 17:00.
    await api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LATE-1', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    await api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LATE-2', acceptedAt: '2026-01-26T08:00:00+07:00' })).expect(201);
  });
  afterEach(async () => ctx.close());

  it('answers the approval with the issued apology when the PDF fails, and makes the PDF later', async () => {
    const drafted = await api('post', '/api/v1/dossiers/LATE-1/apologies').send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201);

    const approved = await api('post', `/api/v1/apologies/${drafted.body.id}/approve`);
    assert.equal(approved.status, 200, `the apology was issued (committed), so approving it must succeed even though its PDF could not be made; got ${approved.status} ${JSON.stringify(approved.body)}`);
    assert.equal(approved.body.status, 'issued');
    assert.equal(approved.body.letterNumber, '01/PXL-SXD');
    assert.ok(pdf.attempts > 0, 'the PDF was attempted right after the issue');
    const again = await api('post', `/api/v1/apologies/${drafted.body.id}/approve`).expect(409);
    assert.equal(again.body.type, 'urn:henlai:problem:apology-not-draft', 'approving twice is refused as such, after a first answer that said it was issued');
    const notices = await ctx.db('notices').where({ apology_id: drafted.body.id }).count({ n: '*' }).first();
    assert.equal(Number(notices?.n), 1, 'its notice is queued, once');

    const pending = await api('get', `/api/v1/apologies/${drafted.body.id}/letter.pdf`).expect(503);
    assert.equal(pending.body.type, 'urn:henlai:problem:letter-pdf-pending', 'while the PDF cannot be made, its download says so and asks to come back');
    assert.ok(pending.headers['retry-after'], 'with a Retry-After');

    pdf.fails = () => false;
    const tick = await s.watcher.tick();
    assert.equal(tick.pdfs, 1, 'the watcher makes the PDF still missing');
    const letter = await api('get', `/api/v1/apologies/${drafted.body.id}/letter.pdf`).responseType('blob').expect(200);
    assert.equal((letter.body as Buffer).subarray(0, 5).toString(), '%PDF-');
  });

  it('keeps the watcher’s tick going when a PDF fails: the others are made, the failed one is tried again next time', async () => {
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    pdf.fails = (html) => html.includes('LATE-2');

    const first = await s.watcher.tick();
    assert.equal(first.issued, 2, 'both slipped dossiers get their apology, PDF or not');
    assert.equal(first.pdfs, 1, 'the letter whose PDF could be made has it');
    assert.equal(first.pdfsFailed, 1, 'the one that failed is counted, not thrown');
    const attempts = pdf.attempts;
    await s.watcher.tick();
    assert.equal(pdf.attempts, attempts + 1, 'each tick tries a failed PDF once more (and does not spin on it)');

    pdf.fails = () => false;
    const later = await s.watcher.tick();
    assert.equal(later.pdfs, 1, 'once the renderer works again, the missing PDF is made');
    const withPdf = await ctx.db('apology_documents').whereNotNull('pdf').count({ n: '*' }).first();
    assert.equal(Number(withPdf?.n), 2);
  });
});

