import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestContext, type TestContext } from '../support/context';

describe('compressed responses', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
  });
  after(async () => ctx.close());

  // Node's own client: supertest would inflate the body before the test could weigh it.
  const raw = (path: string, encoding: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const server = ctx.app.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        http
          .get({ host: '127.0.0.1', port, path, headers: { 'Accept-Encoding': encoding } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => server.close(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })));
          })
          .on('error', reject);
      });
    });

  for (const path of ['/tra-cuu', '/static/app.css']) {
    it(`sends ${path} gzip-compressed to a browser that accepts it, and the bytes inflate to the page`, async () => {
      const zipped = await raw(path, 'gzip');
      assert.equal(zipped.status, 200);
      assert.equal(zipped.headers['content-encoding'], 'gzip', `${path} must be compressed for a slow phone`);
      const plain = await raw(path, 'identity');
      assert.equal(plain.headers['content-encoding'], undefined, 'a client that asks for no compression gets plain bytes');
      const inflated = zlib.gunzipSync(zipped.body);
      assert.ok(inflated.equals(plain.body), 'the compressed page is the same page');
      assert.ok(zipped.body.length < plain.body.length, `and smaller (${zipped.body.length} of ${plain.body.length} bytes)`);
      assert.match(String(zipped.headers.vary), /Accept-Encoding/i, 'caches keep the two apart');
    });
  }
});
