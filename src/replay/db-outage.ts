/**
 * A database outage for the replay without touching the machine's PostgreSQL (other programs
 * share it): a TCP proxy in front of the server that the children connect through. An outage
 * cuts every open connection — what the processes see when PostgreSQL restarts — and refuses
 * new ones until it ends. SQLite has no server to lose: there, database outages do not apply.
 */
import net from 'node:net';
import { listenerSwitch } from './fakes/fault';

export interface DbOutage {
  startedRealMs: number;
  endedRealMs: number | null;
  /** Connections cut when it began. */
  connectionsCut: number;
}

export interface DbProxy {
  /** The DATABASE_URL the children use: the target's, through the proxy. */
  url: string;
  port: number;
  /** Connections currently open through the proxy. */
  openConnections(): number;
  outages(): DbOutage[];
  /** Cuts every connection and refuses new ones until `restore()`. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** cut(), then restore() after `ms` real milliseconds. */
  outage(ms: number): Promise<void>;
  readonly isDown: boolean;
  stop(): Promise<void>;
}

/** The same URL with host and port replaced by the proxy's. */
export function throughProxy(databaseUrl: string, port: number): string {
  const u = new URL(databaseUrl);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

export async function startDbProxy(databaseUrl: string, options: { port?: number } = {}): Promise<DbProxy> {
  const target = new URL(databaseUrl);
  if (!/^postgres(ql)?:$/.test(target.protocol)) throw new Error(`database outages need PostgreSQL; DATABASE_URL is ${target.protocol}`);
  const targetHost = target.hostname || '127.0.0.1';
  const targetPort = Number(target.port || 5432);
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const history: DbOutage[] = [];

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A reset on either side ends both: the client must see its connection die, as on a restart.
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const power = listenerSwitch(server, '127.0.0.1', port);
  const timers = new Set<NodeJS.Timeout>();

  const proxy: DbProxy = {
    url: throughProxy(databaseUrl, port),
    port,
    openConnections: () => pairs.size,
    outages: () => history.map((o) => ({ ...o })),
    get isDown() {
      return power.isDown;
    },
    async cut() {
      if (power.isDown) return;
      history.push({ startedRealMs: Date.now(), endedRealMs: null, connectionsCut: pairs.size });
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await power.down();
    },
    async restore() {
      if (!power.isDown) return;
      await power.up();
      const last = history[history.length - 1];
      if (last) last.endedRealMs = Date.now();
    },
    async outage(ms) {
      await proxy.cut();
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, ms);
        timers.add(t);
      });
      await proxy.restore();
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
