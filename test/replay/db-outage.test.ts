import assert from 'node:assert/strict';
import net from 'node:net';
import { createDb, type Db } from '../../src/db/connection';
import { createLogger } from '../../src/logger';
import { startDbProxy, throughProxy, type DbProxy } from '../../src/replay/db-outage';
import { databaseDownAt, NO_FAULTS, startFakes } from '../../src/replay/faults';
import { Supervisor } from '../../src/replay/supervisor';
import { onPostgres } from '../support/context';

/** A TCP server that echoes what it receives: stands for PostgreSQL where only bytes matter. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c)).on('error', () => undefined);
    c.pipe(c);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    port: (s.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const c of sockets) c.destroy();
      s.close(() => resolve());
    }),
  };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function roundTrip(s: net.Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    s.once('data', (d: Buffer) => resolve(d.toString('utf8')));
    s.write(text);
  });
}

describe('replay: database outages through a TCP proxy', function () {
  this.timeout(30_000);

  describe('the proxy (any database: bytes only)', () => {
    let echo: Awaited<ReturnType<typeof echoServer>>;
    let proxy: DbProxy;
    beforeEach(async () => {
      echo = await echoServer();
      proxy = await startDbProxy(`postgres://postgres@127.0.0.1:${echo.port}/henlai`);
    });
    afterEach(async () => {
      await proxy.stop();
      await echo.close();
    });

    it('passes bytes both ways; an outage cuts open connections and refuses new ones until it ends', async () => {
      assert.equal(proxy.url, `postgres://postgres@127.0.0.1:${proxy.port}/henlai`, 'the children get the same URL with the proxy’s port');
      const s = await connect(proxy.port);
      assert.equal(await roundTrip(s, 'ping'), 'ping', 'the proxy relays to the server and back');
      const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
      await proxy.cut();
      await closed;
      await assert.rejects(connect(proxy.port), (err: { code?: string }) => {
        assert.equal(err.code, 'ECONNREFUSED', 'during the outage a new connection is refused');
        return true;
      });
      await proxy.restore();
      const again = await connect(proxy.port);
      assert.equal(await roundTrip(again, 'pong'), 'pong', 'after the outage connections work again');
      again.destroy();
      const [o] = proxy.outages();
      assert.equal(o.connectionsCut, 1, 'the outage is recorded with the connections it cut');
      assert.ok(o.endedRealMs !== null && o.endedRealMs >= o.startedRealMs);
    });

    it('refuses a database URL that is not PostgreSQL: SQLite has no server to lose', async () => {
      await assert.rejects(startDbProxy('sqlite:x.db'), /need PostgreSQL/);
    });

    it('throughProxy keeps user, password, database and parameters', () => {
      assert.equal(throughProxy('postgres://u:p%40ss@db.example:5433/henlai?sslmode=disable', 6000), 'postgres://u:p%40ss@127.0.0.1:6000/henlai?sslmode=disable');
    });

    it('applySchedule cuts the database during the scheduled real seconds only', async () => {
      const faults = { ...NO_FAULTS, database: { outages: [{ atSecond: 10, forSeconds: 5 }] } };
      assert.deepEqual([9_999, 10_000, 14_999, 15_000].map((ms) => databaseDownAt(faults, ms)), [false, true, true, false]);
      const running = await startFakes(faults, { virtualStart: 0, database: proxy });
      try {
        await running.applySchedule(0, 12_000);
        assert.equal(proxy.isDown, true, 'the database is cut 12 s into the run');
        await running.applySchedule(0, 16_000);
        assert.equal(proxy.isDown, false, 'and back at 16 s');
      } finally {
        await running.stop();
      }
    });
  });

  (onPostgres ? describe : describe.skip)('a knex pool and a server on PostgreSQL (PostgreSQL only: SQLite has no connections to cut)', function () {
    this.timeout(90_000);
    let proxy: DbProxy;
    let db: Db;
    before(async () => {
      proxy = await startDbProxy(process.env.DATABASE_URL!);
      db = createDb({ client: 'pg', url: proxy.url, poolMax: 2 }, createLogger('silent'));
    });
    after(async () => {
      await db?.destroy();
      await proxy?.stop();
    });

    it('a query fails during the outage and succeeds after it, on the same pool', async () => {
      assert.equal(Number((await db.raw('select 1 as one')).rows[0].one), 1, 'through the proxy the pool works');
      assert.ok(proxy.openConnections() >= 1, 'the pool holds a connection through the proxy');
      await proxy.cut();
      await assert.rejects(db.raw('select 1 as one'), 'during the outage a query must fail: the pooled connection was cut and new ones are refused');
      await proxy.restore();
      assert.equal(Number((await db.raw('select 2 as two')).rows[0].two), 2, 'after the outage the same pool works again without a restart');
    });

    it('a henlai server connected through the proxy answers /ready 503 during the outage and 200 after it, without dying', async () => {
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const env = { DATABASE_URL: proxy.url, PORT: String(port), HENLAI_DEMO: '0', NODE_ENV: 'development', WATCH_INTERVAL_SECONDS: '0', DISPATCH_INTERVAL_SECONDS: '0', LOG_LEVEL: 'warn' };
      const supervisor = new Supervisor();
      try {
        await supervisor.start([{ role: 'server', name: 'server-1', args: ['serve'], env }]);
        const ready = async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.status ?? 0;
        let status = 0;
        for (let i = 0; i < 120 && status !== 200; i++) {
          status = await ready();
          if (status !== 200) await new Promise((r) => setTimeout(r, 250));
        }
        assert.equal(status, 200, 'the server started and reached PostgreSQL through the proxy');
        const pid = supervisor.pidOf('server-1');
        await proxy.cut();
        assert.equal(await ready(), 503, 'during the outage the server says its database is unreachable');
        await proxy.restore();
        assert.equal(await ready(), 200, 'after the outage the same server reaches its database again');
        assert.equal(supervisor.pidOf('server-1'), pid, 'the server lived through the outage');
        assert.deepEqual(supervisor.crashes(), [], 'the server did not exit');
      } finally {
        await supervisor.stop(5_000);
      }
    });
  });
});
