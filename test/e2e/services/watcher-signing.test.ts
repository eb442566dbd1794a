/**
 * The watcher in auto mode for an agency that signs: every slipped dossier's letter is approved by
 * the system, signed in both layers and issued in the same tick. The letters are rendered two at a
 * time (the renderer's pages), while numbering stays gap-free and every letter is signed before
 * its notices exist — also with several watchers at once and after a restart.
 */
import assert from 'node:assert/strict';
import { buildServices } from '../../../src/compose';
import type { LocatedBox, PdfRenderer } from '../../../src/documents/pdf';
import { createLogger } from '../../../src/logger';
import { createDemoCa } from '../../../src/signing';
import { createTestContext, dossierBody, seedBasics, sharedPdf, AGENCY, type TestContext } from '../../support/context';
import { requirePoppler } from '../signing/support';
import { assertTwoValidSignatures } from './signing-support';

const SLIPPED = 4;

/** The shared Chromium renderer, counting how many renders run at the same time. */
class CountingRenderer implements PdfRenderer {
  running = 0;
  mostAtOnce = 0;
  constructor(private readonly inner: PdfRenderer) {}

  private async counted<T>(work: () => Promise<T>): Promise<T> {
    this.mostAtOnce = Math.max(this.mostAtOnce, ++this.running);
    try {
      return await work();
    } finally {
      this.running--;
    }
  }

  render(html: string): Promise<Buffer> {
    return this.counted(() => this.inner.render(html));
  }

  renderLocated(html: string, selectors: string[]): Promise<{ pdf: Buffer; boxes: Array<LocatedBox | null> }> {
    const located = this.inner.renderLocated;
    if (!located) throw new Error('the shared renderer locates elements');
    return this.counted(() => located.call(this.inner, html, selectors));
  }

  async close(): Promise<void> {}
}

describe('deadline watcher, auto mode, agency signing with its certificate file', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let pdf: CountingRenderer;

  before(function () {
    requirePoppler(this);
  });

  beforeEach(async () => {
    pdf = new CountingRenderer(sharedPdf());
    ctx = await createTestContext('2026-03-02T09:00:00+07:00', { pdf });
    await seedBasics(ctx);
    for (let i = 1; i <= SLIPPED; i++) {
      await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: `LATE-${i}`, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    }
    const ca = await createDemoCa({ now: new Date('2026-01-01T00:00:00Z') });
    await ctx.services.signingSettings.trustRoot({ name: 'test CA', certificatePem: ca.certificatePem, demo: true });
    const agency = await ctx.services.registry.agency(AGENCY.code);
    const org = await ca.issueAgency(AGENCY.name, { password: 'p-co-quan' });
    await ctx.services.signingSettings.installCertificate({ kind: 'agency', id: agency.id }, { organization: AGENCY.name }, org.p12, 'p-co-quan', 'test');
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
  });
  afterEach(async () => ctx?.close());

  /** Every letter issued, numbered 1…n without a gap, signed twice (pdfsig), its notices queued. */
  const assertAllIssuedSigned = async () => {
    const rows = (await ctx.db('apologies').select('id', 'status', 'letter_seq').orderBy('letter_seq')) as { id: number; status: string; letter_seq: number }[];
    assert.equal(rows.length, SLIPPED, 'one apology per slipped dossier, none twice');
    assert.deepEqual(
      rows.map((r) => [r.status, Number(r.letter_seq)]),
      Array.from({ length: SLIPPED }, (_, i) => ['issued', i + 1]),
      'every letter issued, numbered 1…n without a gap',
    );
    for (const r of rows) {
      assert.equal((await ctx.services.signing.state(r.id))?.state, 'signed', `letter ${r.letter_seq} is signed in both layers`);
      const doc = await ctx.db('apology_documents').where({ apology_id: r.id }).first();
      assertTwoValidSignatures(Buffer.from(doc.pdf));
      const notices = await ctx.db('notices').where({ apology_id: r.id, audience: 'citizen' }).count({ n: '*' }).first();
      assert.ok(Number(notices?.n) >= 1, `letter ${r.letter_seq} has its citizen notice queued`);
    }
  };

  it('renders the letters two at a time (the renderer’s pages) and issues them signed, numbered without gaps', async () => {
    const r = await ctx.services.watcher.tick();
    assert.equal(r.issued, SLIPPED, `all ${SLIPPED} slipped dossiers are issued in one tick: ${JSON.stringify(r)}`);
    assert.equal(pdf.mostAtOnce, 2, 'two letters are rendered at the same time, one per page of the renderer; one at a time leaves a page and a core idle');
    await assertAllIssuedSigned();
  });

  it('several watchers at once, then a restart: each letter once, numbers without gaps, all signed', async () => {
    const other = buildServices(ctx.config, ctx.db, ctx.clock, createLogger('silent'), { pdf });
    await Promise.all([ctx.services.watcher.tick(), other.watcher.tick()]);
    const restarted = buildServices(ctx.config, ctx.db, ctx.clock, createLogger('silent'), { pdf });
    const again = await restarted.watcher.tick();
    assert.equal(again.issued, 0, 'a restarted watcher finds nothing left to issue');
    await assertAllIssuedSigned();
  });
});
