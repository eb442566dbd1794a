import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import supertest from 'supertest';
import { createTestContext, type TestContext } from '../support/context';

describe('compressed responses', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
  });
  after(async () => ctx.close());

  const raw = (path: string, encoding: string) =>
    supertest(ctx.app)
      .get(path)
      .set('Accept-Encoding', encoding)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });

  for (const path of ['/tra-cuu', '/static/app.css']) {
    it(`sends ${path} gzip-compressed to a browser that accepts it, and the bytes inflate to the page`, async () => {
      const zipped = await raw(path, 'gzip').expect(200);
      assert.equal(zipped.headers['content-encoding'], 'gzip', `${path} must be compressed for a slow phone`);
      const plain = await raw(path, 'identity').expect(200);
      assert.equal(plain.headers['content-encoding'], undefined, 'a client that asks for no compression gets plain bytes');
      const inflated = zlib.gunzipSync(zipped.body as Buffer);
      assert.ok(inflated.equals(plain.body as Buffer), 'the compressed page is the same page');
      assert.ok((zipped.body as Buffer).length < (plain.body as Buffer).length / 2, 'and well under half its size');
      assert.match(String(zipped.headers.vary), /Accept-Encoding/i, 'caches keep the two apart');
    });
  }
});
