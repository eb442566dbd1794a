import assert from 'node:assert/strict';
import { apiRouter } from '../../src/http/api/routes';
import { API_PATHS } from '../../src/http/api/openapi';
import { createTestContext, type TestContext } from '../support/context';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

describe('OpenAPI document', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext();
  });
  after(async () => ctx.close());

  it('describes exactly the routes the API serves', () => {
    const router = apiRouter(ctx.services) as unknown as { stack: Layer[] };
    const served = router.stack
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:(\w+)/g, '{$1}')}`));
    const missing = served.filter((p) => !API_PATHS.includes(p));
    const stale = API_PATHS.filter((p) => !served.includes(p));
    assert.deepEqual(missing, [], `routes served but not documented in openapi.ts: ${missing.join(', ')}`);
    assert.deepEqual(stale, [], `documented in openapi.ts but not served: ${stale.join(', ')}`);
  });

  it('is served at /api/v1/openapi.json without a token, with request schemas', async () => {
    const res = await (await import('supertest')).default(ctx.app).get('/api/v1/openapi.json').expect(200);
    assert.equal(res.body.openapi, '3.1.0');
    const create = res.body.paths['/dossiers'].post;
    assert.ok(create.requestBody.content['application/json'].schema.properties.acceptedAt, 'POST /dossiers should document acceptedAt');
    const approved = res.body.paths['/apologies/{id}/approve'].post.responses['200'].content['application/json'].schema;
    assert.deepEqual(approved.properties.signing.properties.state.enum, ['waiting', 'signed', 'returned', 'unsigned'], 'the approve answer documents the signing state');
    assert.ok(approved.properties.signing.properties.reason, 'and the reason a letter was returned');
    const atRisk = res.body.paths['/at-risk'].get.responses['200'].content?.['application/json']?.schema;
    assert.ok(atRisk, 'GET /at-risk documents its answer');
    const apology = atRisk.properties.items.items.properties.apology;
    assert.deepEqual(apology.properties.signatureWaitingFor.enum, ['leader', 'agency', null], 'the at-risk answer says whose signature a letter waits for');
    assert.ok(apology.properties.signatureWaitingSince, 'and since when');
  });
});
