/**
 * The replay's app processes: `henlai serve` and `henlai dispatch` children started with the
 * replay's settings, killed with SIGKILL on the schedule of the parameters (a process that dies
 * mid-write, as on a power cut, not one that shuts down politely) and started again. Each kill is
 * recorded for the audit, which ties duplicate deliveries to interrupted attempts; the CPU time
 * and the peak memory of each child are read from /proc and summed over its restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export type Role = 'server' | 'dispatcher';

export interface ChildSpec {
  role: Role;
  /** Unique: "server-1", "dispatcher-2"… */
  name: string;
  /** The henlai command and its options: ['serve'], ['dispatch']. */
  args: string[];
  /** Added to the replay's own environment (DATABASE_URL, PORT, the fakes' settings…). */
  env: Record<string, string>;
  /**
   * A line on stdout that says the process is ready (the server's "listening at"). Its named
   * groups are what the run announced (`announced`): a server's port, picked by the system as it
   * listened, is read there afresh after each restart.
   */
  ready?: RegExp;
}

export interface KillRecord {
  role: Role;
  name: string;
  pid: number;
  /** Epoch ms, real time. */
  realAt: number;
}

export interface ExitRecord extends KillRecord {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessUsage {
  role: Role;
  name: string;
  /** User + system CPU time of every run of this child. */
  cpuMs: number;
  /** The highest resident memory (VmHWM) of any run. */
  maxRssMb: number;
  /** How many times it was started. */
  starts: number;
}

export interface SupervisorOptions {
  /** Real seconds between SIGKILLs per role (FaultParams.kills). */
  kills?: Partial<Record<Role, { everySeconds: number }>>;
  /** The program and its leading arguments; default: this Node running src/bin.cjs. */
  command?: { file: string; args: string[] };
  cwd?: string;
  /** How often CPU and memory are read (ms). */
  sampleMs?: number;
  /** How long a child may take to print its ready line (ms). */
  readyTimeoutMs?: number;
  /** Every line a child prints; default: kept only as the last lines for error messages. */
  onLine?: (name: string, line: string) => void;
}

/**
 * src/bin.cjs, the henlai command, whether this file runs from src/ (tsx) or from dist/src/ (the
 * build): bin.cjs itself picks the compiled code under NODE_ENV=production.
 */
export function henlaiBin(): string {
  const beside = path.resolve(__dirname, '../bin.cjs');
  return fs.existsSync(beside) ? beside : path.resolve(__dirname, '../../../src/bin.cjs');
}

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
const LAST_LINES = 20;

/** CPU ms (user + system) and peak resident memory (MB) of a live process, from /proc; null once it is gone. */
export function readProcUsage(pid: number): { cpuMs: number; maxRssMb: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may contain spaces: fields are counted after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwmKb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, maxRssMb: hwmKb / 1024 };
  } catch {
    return null;
  }
}

interface Running {
  spec: ChildSpec;
  child: ChildProcess;
  /** The last reading of this run: what it had used when it died, to within one sample. */
  last: { cpuMs: number; maxRssMb: number };
  exited: Promise<void>;
  lines: string[];
  /** It printed its ready line (or has none): only then may the schedule kill it. */
  isReady: boolean;
  /** The named groups of its ready line. */
  groups?: Record<string, string>;
}

export class Supervisor {
  private readonly running = new Map<string, Running>();
  private readonly usageOf = new Map<string, ProcessUsage>();
  private readonly killLog: KillRecord[] = [];
  private readonly exitLog: ExitRecord[] = [];
  private readonly problemLog: string[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly nextVictim: Record<Role, number> = { server: 0, dispatcher: 0 };
  private stopping = false;
  private stopped: Promise<void> | null = null;
  /**
   * A process that exits without stop() (process.exit after a second Ctrl-C, a crash) takes its
   * children with it: left running, they would go on dispatching against the replay's database.
   */
  private readonly killAllOnExit = () => {
    for (const r of this.running.values()) r.child.kill('SIGKILL');
  };

  constructor(private readonly options: SupervisorOptions = {}) {}

  /** Starts every child (waiting for each ready line), then the kill schedule and the sampling. */
  async start(specs: ChildSpec[]): Promise<void> {
    const names = new Set(specs.map((s) => s.name));
    if (names.size !== specs.length) throw new Error('supervisor: every child needs its own name');
    process.on('exit', this.killAllOnExit);
    await Promise.all(specs.map((s) => this.launch(s)));
    // Stopped while they started (the replay interrupted): no schedule left behind to keep it alive.
    if (this.stopping) return;
    for (const role of ['server', 'dispatcher'] as const) {
      const every = this.options.kills?.[role]?.everySeconds;
      if (every && every > 0) this.timers.push(setInterval(() => void this.killOne(role).catch((err: unknown) => this.problem(err)), every * 1000));
    }
    this.timers.push(setInterval(() => this.sample(), this.options.sampleMs ?? 500));
  }

  /**
   * SIGKILLs one child of the role (in turn) and starts it again; resolves when the new one is
   * ready. A child still starting is spared: on a loaded machine a start can outlast the period,
   * and a process killed over and over before it is ready would measure nothing.
   */
  async killOne(role: Role): Promise<KillRecord | null> {
    const candidates = [...this.running.values()].filter((r) => r.spec.role === role && r.isReady);
    if (this.stopping || candidates.length === 0) return null;
    const victim = candidates[this.nextVictim[role]++ % candidates.length];
    this.sampleOne(victim);
    const pid = victim.child.pid!;
    const record: KillRecord = { role, name: victim.spec.name, pid, realAt: Date.now() };
    this.killLog.push(record);
    // Forgotten before the signal: its exit is a kill, not a crash to restart on its own.
    this.running.delete(victim.spec.name);
    victim.child.kill('SIGKILL');
    await victim.exited;
    if (!this.stopping) await this.launch(victim.spec);
    return record;
  }

  /** Children that could not be started again (they exited before they were ready…). */
  problems(): string[] {
    return [...this.problemLog];
  }

  private problem(err: unknown): void {
    if (!this.stopping) this.problemLog.push(err instanceof Error ? err.message : String(err));
  }

  kills(): KillRecord[] {
    return [...this.killLog];
  }

  /** Exits nobody asked for (a crash), each followed by a restart. */
  crashes(): ExitRecord[] {
    return [...this.exitLog];
  }

  /** CPU and peak memory per child, over all its runs (read now for the live ones). */
  usage(): ProcessUsage[] {
    this.sample();
    return [...this.usageOf.values()].map((u) => {
      const live = this.running.get(u.name);
      return live ? { ...u, cpuMs: u.cpuMs + live.last.cpuMs, maxRssMb: Math.max(u.maxRssMb, live.last.maxRssMb) } : { ...u };
    });
  }

  /**
   * The named groups of the ready line of a child's current run (its port…); undefined while it
   * is not ready (being restarted), since what an earlier run announced is gone with it.
   */
  announced(name: string): Record<string, string> | undefined {
    const r = this.running.get(name);
    return r?.isReady ? r.groups : undefined;
  }

  /** The pid of a child's current run. */
  pidOf(name: string): number | undefined {
    return this.running.get(name)?.child.pid;
  }

  /**
   * SIGTERM to every child (they finish what they hold), SIGKILL after `graceMs`; no child is
   * started again from then on. A second call waits for the first.
   */
  stop(graceMs = 10_000): Promise<void> {
    this.stopped ??= this.stopAll(graceMs);
    return this.stopped;
  }

  private async stopAll(graceMs: number): Promise<void> {
    this.stopping = true;
    // Intervals and timeouts share one kind of handle in Node; clearInterval clears both.
    for (const t of this.timers) clearInterval(t);
    this.sample();
    const all = [...this.running.values()];
    for (const r of all) r.child.kill('SIGTERM');
    const force = setTimeout(() => all.forEach((r) => r.child.kill('SIGKILL')), graceMs);
    await Promise.all(all.map((r) => r.exited));
    clearTimeout(force);
    process.off('exit', this.killAllOnExit);
  }

  private sample(): void {
    for (const r of this.running.values()) this.sampleOne(r);
  }

  private sampleOne(r: Running): void {
    const now = r.child.pid ? readProcUsage(r.child.pid) : null;
    if (now) r.last = { cpuMs: now.cpuMs, maxRssMb: Math.max(r.last.maxRssMb, now.maxRssMb) };
  }

  /** Adds a finished run's last reading to the child's totals. */
  private settle(r: Running): void {
    const u = this.usageOf.get(r.spec.name)!;
    u.cpuMs += r.last.cpuMs;
    u.maxRssMb = Math.max(u.maxRssMb, r.last.maxRssMb);
  }

  private launch(spec: ChildSpec): Promise<void> {
    const command = this.options.command ?? { file: process.execPath, args: [henlaiBin()] };
    const child = spawn(command.file, [...command.args, ...spec.args], {
      cwd: this.options.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const usage = this.usageOf.get(spec.name) ?? { role: spec.role, name: spec.name, cpuMs: 0, maxRssMb: 0, starts: 0 };
    usage.starts += 1;
    this.usageOf.set(spec.name, usage);
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const entry: Running = {
      spec,
      child,
      last: { cpuMs: 0, maxRssMb: 0 },
      lines: [],
      isReady: !spec.ready,
      exited: new Promise<void>((resolve) => {
        child.once('exit', (code, signal) => {
          this.settle(entry);
          // Still listed: nobody killed it on purpose.
          if (this.running.get(spec.name) === entry) {
            this.running.delete(spec.name);
            if (!this.stopping) {
              this.exitLog.push({ role: spec.role, name: spec.name, pid: child.pid ?? -1, realAt: Date.now(), code, signal });
              const again = setTimeout(() => {
                if (!this.stopping) this.launch(spec).catch((err: unknown) => this.problem(err));
              }, 500);
              this.timers.push(again);
            }
          }
          resolve();
        });
      }),
    };
    this.running.set(spec.name, entry);
    const onLine = (line: string) => {
      entry.lines.push(line);
      if (entry.lines.length > LAST_LINES) entry.lines.shift();
      this.options.onLine?.(spec.name, line);
      const match = entry.isReady ? null : spec.ready?.exec(line);
      if (match) {
        entry.groups = { ...match.groups };
        entry.isReady = true;
        markReady();
      }
    };
    readline.createInterface({ input: child.stdout! }).on('line', onLine);
    readline.createInterface({ input: child.stderr! }).on('line', onLine);
    if (!spec.ready) return Promise.resolve();
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    return new Promise<void>((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`${spec.name} (${spec.args.join(' ')}) ${why}; its last lines:\n${entry.lines.join('\n')}`));
      const timer = setTimeout(() => fail(`did not print its ready line within ${timeoutMs} ms`), timeoutMs);
      void ready.then(() => {
        clearTimeout(timer);
        resolve();
      });
      void entry.exited.then(() => {
        clearTimeout(timer);
        fail('exited before it was ready');
      });
    });
  }
}
