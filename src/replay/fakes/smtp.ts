/**
 * A real SMTP server (the `smtp-server` package) on loopback for the e-mail tests and the replay:
 * it keeps what it receives, raw, so a test can parse it with mailparser exactly as a mail client
 * would (the replay keeps only the delivery log). Behaviour is changed by passing the package's
 * own hooks (onRcptTo, onData, onAuth…) or, in the replay, by the fault setting: a failing relay
 * answers 451 to the message, a slow one holds its 250.
 */
import net from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { FaultState, listenerSwitch, type FaultControls } from './fault';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  /** The session ran over TLS (STARTTLS or implicit). */
  secure: boolean;
  user: string | undefined;
}

export interface FakeSmtpReplayOptions {
  /** The replay's fault state (seeded); by default one of its own. */
  faults?: FaultState;
  /** false: keep only the delivery log, not the messages (a year of e-mails would not fit in memory). */
  keepMessages?: boolean;
}

export interface FakeSmtp extends FaultControls {
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

/** The X-Henlai-Notice header (our notice id), else the Message-ID, from a message's header block. */
export function noticeKeyOf(raw: Buffer): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? raw.length : end).toString('utf8').replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:[ \t]*(.+)$`, 'im').exec(head)?.[1].trim() ?? null;
  return header('X-Henlai-Notice') ?? header('Message-ID');
}

const HEAD_BYTES = 16_384;

export async function startFakeSmtp(options: SMTPServerOptions = {}, replay: FakeSmtpReplayOptions = {}): Promise<FakeSmtp> {
  const faults = replay.faults ?? new FaultState('email');
  const keepMessages = replay.keepMessages ?? true;
  const received: ReceivedMail[] = [];
  let taken = 0;
  let accepted = 0;
  const waiters: Array<() => void> = [];
  const server: SMTPServer = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        if (keepMessages || size < HEAD_BYTES) chunks.push(c);
        size += c.length;
      });
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const recipient = session.envelope.rcptTo.map((r) => r.address).join(',');
        const key = noticeKeyOf(raw);
        if (faults.failsNow()) {
          faults.record({ key, recipient, outcome: 'error' });
          callback(Object.assign(new Error('4.3.0 Temporary local problem, try again later'), { responseCode: 451 }));
          return;
        }
        accepted += 1;
        const queued = `OK: queued as FAKE${accepted}`;
        if (keepMessages) {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          waiters.splice(0).forEach((w) => w());
        }
        // Taken now; a slow relay only holds the 250, which a client that hung up never reads.
        const answer = () => {
          faults.record({ key, recipient, outcome: 'accepted', ...(connectionGone(session) ? { answerLost: true } : {}) });
          callback(null, queued);
        };
        const latency = faults.setting.latencyMs;
        if (latency > 0) setTimeout(answer, latency);
        else answer();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as net.AddressInfo).port;
  faults.attach(listenerSwitch(server.server, '127.0.0.1', port));
  function connectionGone(session: SMTPServerSession): boolean {
    for (const c of server.connections) if (c.id === session.id) return c._socket.destroyed;
    return true;
  }
  return {
    ...faults.controls(),
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
        if (server.server.listening) server.close(() => resolve());
        else resolve();
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
