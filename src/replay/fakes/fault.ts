/**
 * What every fake shares for the replay: a fault setting changed while it runs (slow, failing,
 * down) and the log of what it received, from which the audit counts deliveries — the fakes'
 * word, not our tables'.
 */
import type net from 'node:net';

export type FakeProvider = 'zalo' | 'email' | 'sms' | 'signing';

export interface FaultSetting {
  /** Added to every answer, in real milliseconds. */
  latencyMs: number;
  /** Share (0–1) of requests answered with the provider's own transient error. */
  errorRate: number;
  /** Nobody listening: connections are refused, open ones cut. */
  down: boolean;
}

export const NO_FAULT: FaultSetting = { latencyMs: 0, errorRate: 0, down: false };

export interface FakeDelivery {
  provider: FakeProvider;
  /** What ties the request to our notice: the Zalo tracking_id, the e-mail's X-Henlai-Notice (else its Message-ID), the eSMS RequestId, the SmartCA transaction_id. Null when the request carried none. */
  key: string | null;
  recipient: string;
  /** Epoch ms (real time) when the fake took or refused it. */
  realAt: number;
  /**
   * accepted: the provider took the message (it reaches the citizen); error: answered with an
   * error, nothing sent; timeout: the client hung up before the fake answered and nothing was
   * sent; refused: the connection was cut by an outage while the request was in flight.
   */
  outcome: 'accepted' | 'error' | 'timeout' | 'refused';
  /** SMS only: segments billed. */
  segments?: number;
  /** Accepted, but the client had hung up before the answer came: it cannot know it was taken. */
  answerLost?: boolean;
}

/** The runtime controls and delivery log every fake exposes. */
export interface FaultControls {
  setFault(setting: Partial<FaultSetting>): Promise<void>;
  fault(): FaultSetting;
  deliveries(): FakeDelivery[];
}

/**
 * One fake's fault state and delivery log. `random` decides which requests fail: seeded in the
 * replay so that a run can be repeated.
 */
export class FaultState {
  private current: FaultSetting = { ...NO_FAULT };
  private readonly log: FakeDelivery[] = [];
  private readonly switches: ListenerSwitch[] = [];

  constructor(
    readonly provider: FakeProvider,
    private readonly random: () => number = Math.random,
  ) {}

  /** The fake's listening sockets, so that `down` can close and reopen them. */
  attach(...switches: ListenerSwitch[]): void {
    this.switches.push(...switches);
  }

  get isDown(): boolean {
    return this.switches.some((s) => s.isDown);
  }

  get setting(): FaultSetting {
    return this.current;
  }

  async set(setting: Partial<FaultSetting>): Promise<void> {
    const next = { ...this.current, ...setting };
    if (next.errorRate < 0 || next.errorRate > 1) throw new RangeError(`errorRate must be between 0 and 1, got ${next.errorRate}`);
    if (next.latencyMs < 0) throw new RangeError(`latencyMs must not be negative, got ${next.latencyMs}`);
    this.current = next;
    await Promise.all(this.switches.map((s) => (next.down ? s.down() : s.up())));
  }

  /** Draws whether this request gets the provider's error. */
  failsNow(): boolean {
    return this.current.errorRate > 0 && this.random() < this.current.errorRate;
  }

  record(d: Omit<FakeDelivery, 'provider' | 'realAt'>): void {
    this.log.push({ provider: this.provider, realAt: Date.now(), ...d });
  }

  deliveries(): FakeDelivery[] {
    return [...this.log];
  }

  controls(): FaultControls {
    return {
      setFault: (s) => this.set(s),
      fault: () => ({ ...this.current }),
      deliveries: () => this.deliveries(),
    };
  }
}

/**
 * Closes a listening server and reopens it on the same port: while down, a client's connect is
 * refused at once, as when the provider's host is unreachable, and open connections are cut.
 */
export interface ListenerSwitch {
  down(): Promise<void>;
  up(): Promise<void>;
  readonly isDown: boolean;
}

export function listenerSwitch(server: net.Server, host: string, port: number): ListenerSwitch {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let isDown = false;
  return {
    get isDown() {
      return isDown;
    },
    async down() {
      if (isDown) return;
      isDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    async up() {
      if (!isDown) return;
      await listenAgain(server, host, port);
      isDown = false;
    },
  };
}

/** How long a switch waits for its port to be free again, and how often it tries. */
const PORT_PATIENCE_MS = 60_000;
const PORT_RETRY_MS = 50;

/**
 * While the switch was down its port was free, and the system hands out listening and outgoing
 * ports from the same range: any outgoing connection (the database pool's, a fake's) may have got
 * it as its local port. Such a connection ends sooner or later; the provider comes back then.
 */
async function listenAgain(server: net.Server, host: string, port: number): Promise<void> {
  for (const until = Date.now() + PORT_PATIENCE_MS; ; ) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() >= until) throw err;
      await new Promise((resolve) => setTimeout(resolve, PORT_RETRY_MS));
    }
  }
}
