import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPORT_HTML, REPORT_JSON } from '../../src/replay/report';
import { henlaiBin } from '../../src/replay/supervisor';
import { replayDatabase } from './replay-database';

const onPostgres = /^postgres/.test(process.env.DATABASE_URL ?? '');

/**
 * A replay long enough to be still running when it is interrupted; on SQLite the dispatcher kill
 * schedule (rare: no kill happens during the test) makes the dispatcher a child process, on
 * PostgreSQL the servers and dispatchers are children anyway.
 */
const PARAMS = {
  seed: 5,
  start: '2026-03-02',
  days: 365,
  yearlyVolume: 30_000,
  faults: { kills: onPostgres ? { server: { everySeconds: 600 }, dispatcher: { everySeconds: 600 } } : { dispatcher: { everySeconds: 600 } }, database: { outages: [] } },
  processes: { servers: 2, dispatchers: 1 },
};

/** The processes below `root` (children, grandchildren…), from /proc. */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  for (let frontier = [root]; frontier.length; ) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([pid]) => pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** Alive: it exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

interface Started {
  child: ChildProcess;
  out: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startReplay(dir: string): Promise<Started> {
  const paramsFile = path.join(dir, 'params.json');
  fs.writeFileSync(paramsFile, JSON.stringify(PARAMS));
  const out = path.join(dir, 'out');
  // An earlier run's report in the same folder: an interrupted run must not leave it looking like its own.
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, REPORT_JSON), '{"earlier": true}\n');
  fs.writeFileSync(path.join(out, REPORT_HTML), '<p>earlier</p>\n');
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn' };
  if (onPostgres) env.DATABASE_URL = await replayDatabase(process.env.DATABASE_URL as string);
  else delete env.DATABASE_URL;
  // Its own process group, as a command typed in a terminal has: Ctrl-C signals the whole group.
  const child = spawn(process.execPath, [henlaiBin(), 'replay', '--params', paramsFile, '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (text += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // Well under way: the progress lines come every 5 s once the children are ready and the driver
  // runs; by the first, letters were issued, so the PDF renderer's browser runs too.
  for (const until = Date.now() + 120_000; !/\d hồ sơ, \d+ thư xin lỗi ban hành/.test(text); ) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the replay ended before it ran:\n${text}`);
    if (Date.now() > until) throw new Error(`the replay did not start within 120 s:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, out, output: () => text, exited };
}

describe(`henlai replay stopped by hand (${onPostgres ? 'PostgreSQL: servers and a dispatcher as children' : 'SQLite: a dispatcher child'})`, function () {
  this.timeout(240_000);
  let dir: string;
  let leftovers: number[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-interrupt-'));
    leftovers = [];
  });
  afterEach(() => {
    // What this test started and the replay failed to stop: not left to run on the machine.
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stops = [
    { how: 'Ctrl-C (SIGINT to the whole process group, children included)', signal: 'SIGINT' as const, group: true, code: 130 },
    { how: 'kill (SIGTERM to the replay alone)', signal: 'SIGTERM' as const, group: false, code: 143 },
  ];
  for (const { how, signal, group, code } of stops) {
    it(`on ${how}: stops its children, says it was interrupted, writes no report and exits ${code}`, async () => {
      const run = await startReplay(dir);
      const pid = run.child.pid!;
      const children = descendants(pid);
      leftovers = children;
      assert.ok(children.length > 0, `the replay had no child process to stop (its output:\n${run.output()})`);
      const signalledAt = Date.now();
      process.kill(group ? -pid : pid, signal);
      const ended = await Promise.race([run.exited, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
      const afterMs = Date.now() - signalledAt;
      if (!ended) run.child.kill('SIGKILL');
      assert.ok(ended, `the replay was still running 30 s after ${signal}; its output:\n${run.output()}`);
      assert.equal(ended.signal, null, `the replay was ended by ${ended.signal} without cleaning up, instead of exiting with code ${code}; its output:\n${run.output()}`);
      assert.equal(ended.code, code, `the replay should exit with code ${code} after ${signal}; it exited with ${ended.code}; its output:\n${run.output()}`);
      assert.ok(afterMs < 15_000, `the replay took ${afterMs} ms to stop after ${signal}: a person pressing Ctrl-C waits a few seconds at most`);
      assert.match(run.output(), /Mô phỏng bị dừng giữa chừng/, `the replay must say in Vietnamese that it was interrupted; its output:\n${run.output()}`);
      assert.doesNotMatch(run.output(), /Mọi cam kết được giữ|Báo cáo: /, 'an interrupted replay must not claim a finished report');
      await new Promise((r) => setTimeout(r, 300));
      const left = children.filter(alive);
      assert.deepEqual(left, [], `child processes still running after the replay exited: ${left.map((p) => `${p} (${fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 80)})`).join(', ')}`);
      assert.ok(!fs.existsSync(path.join(run.out, REPORT_JSON)) && !fs.existsSync(path.join(run.out, REPORT_HTML)), "an earlier run's report was left in the folder of the interrupted one, as if it were this run's");
    });
  }
});
