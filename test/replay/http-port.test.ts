import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import net from 'node:net';
import { httpPort } from '../../src/replay/http-port';
import type { PortEvent } from '../../src/replay/driver';
import type { DossierInput } from '../../src/services/dossiers';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

const ACTOR = { name: 'chuyên viên', agencyId: null, role: 'officer' as const };

/**
 * In front of the server, a "server" killed in the middle of each request: the request reaches the
 * service and runs, but the connection is cut as the answer starts, so the client never reads it —
 * what a SIGKILL between the commit and the answer leaves behind.
 */
async function cutAfterWork(upstreamPort: number): Promise<{ url: string; cuts: () => number; close(): Promise<void> }> {
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.once('data', () => {
      cuts++;
      client.destroy();
      upstream.destroy();
    });
    const forget = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
    cuts: () => cuts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

describe("the replay's HTTP port sends a step's dossiers and events in batches round the servers", () => {
  let ctx: TestContext;
  let server: Server;
  let killed: Awaited<ReturnType<typeof cutAfterWork>>;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    server = await new Promise<Server>((resolve) => {
      const srv = ctx.app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    killed = await cutAfterWork((server.address() as net.AddressInfo).port);
  });
  afterEach(async () => {
    await killed.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await ctx.close();
  });

  it('loses nothing and duplicates nothing when one of two servers dies in the middle of its requests', async () => {
    const direct = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const port = httpPort({ baseUrls: () => [killed.url, direct], token: ctx.token, virtualNow: () => ctx.clock.now().getTime(), concurrency: 2 });
    const codes = Array.from({ length: 12 }, (_, i) => `H13.01-260212-${String(100 + i).padStart(4, '0')}`);
    const inputs = codes.map((code) => {
      const { acceptedAt, ...body } = dossierBody({ code });
      return { ...body, acceptedAt: new Date(String(acceptedAt)) } as unknown as DossierInput;
    });

    const received = await port.receive(inputs);
    assert.ok(killed.cuts() > 0, 'the dying server should have cut at least one request after doing its work (else this test tests nothing)');
    assert.equal(received.length, codes.length, 'one answer per dossier sent');
    received.forEach((r, i) => assert.equal(typeof r.dueAt, 'number', `dossier ${codes[i]} should be answered with its due date, got ${r.dueAt}`));
    const rows = (await ctx.db('dossiers').whereIn('code', codes).select('code')) as { code: string }[];
    assert.equal(rows.length, codes.length, `each of the ${codes.length} dossiers should be received exactly once, found ${rows.length} rows`);

    const cutsBefore = killed.cuts();
    const items: PortEvent[] = codes.map((code) => ({ code, event: { kind: 'resolved', occurredAt: new Date('2026-03-02T08:00:00+07:00') }, actor: ACTOR }));
    const recorded = await port.record(items);
    assert.ok(killed.cuts() > cutsBefore, 'the dying server should also have cut event requests');
    recorded.forEach((r, i) => assert.equal(r.outcome, 'done', `the result of ${codes[i]} should be recorded, not refused as out of turn (a retry must replay the first answer)`));
    const events = (await ctx.db('dossier_events').join('dossiers', 'dossiers.id', 'dossier_events.dossier_id').whereIn('dossiers.code', codes).where('dossier_events.kind', 'resolved').count({ n: '*' }).first()) as { n: number | string };
    assert.equal(Number(events.n), codes.length, 'each dossier should have exactly one result recorded');
  });
});
