/**
 * A real SMTP server (the `smtp-server` package) on loopback for the e-mail tests: it keeps what
 * it receives, raw, so a test can parse it with mailparser exactly as a mail client would.
 * Behaviour is changed by passing the package's own hooks (onRcptTo, onData, onAuth…).
 */
import net from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  /** The session ran over TLS (STARTTLS or implicit). */
  secure: boolean;
  user: string | undefined;
}

export interface FakeSmtp {
  server: SMTPServer;
  port: number;
  /** `smtp://127.0.0.1:<port>` plus the given query string (without "?"). */
  url(query?: string, credentials?: string): string;
  received: ReceivedMail[];
  /** The next message to arrive (or one that already has and was not yet taken). */
  next(timeoutMs?: number): Promise<ReceivedMail>;
  /** Drops the TCP connection of a session at once, as a crashing relay would. */
  dropConnection(session: SMTPServerSession): void;
  close(): Promise<void>;
}

export async function startFakeSmtp(options: SMTPServerOptions = {}): Promise<FakeSmtp> {
  const received: ReceivedMail[] = [];
  let taken = 0;
  const waiters: Array<() => void> = [];
  const server: SMTPServer = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        waiters.splice(0).forEach((w) => w());
        callback(null, `OK: queued as FAKE${received.length}`);
      });
    },
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    received,
    url(query = '', credentials = '') {
      return `smtp://${credentials ? `${credentials}@` : ''}127.0.0.1:${port}${query ? `?${query}` : ''}`;
    },
    async next(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (taken >= received.length) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`the fake SMTP server received no message within ${timeoutMs} ms (${received.length} so far)`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return received[taken++];
    },
    dropConnection(session) {
      for (const c of server.connections) if (c.id === session.id) c._socket.destroy();
    },
    close() {
      return new Promise<void>((resolve) => {
        // Pooled clients keep their connections open: without this, close() waits for them.
        for (const c of server.connections) c._socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}

/** A loopback port with nobody listening: connecting to it is refused at once. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Accepts TCP connections and never says a word: the client's greeting timeout must fire. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    port: (s.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const sock of sockets) sock.destroy();
        s.close(() => resolve());
      }),
  };
}
