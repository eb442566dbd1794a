import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readProcUsage, Supervisor } from '../../src/replay/supervisor';
import { SERVER_LISTENING } from '../../src/replay/run';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child that says it is ready, holds ~30 MB and keeps a core half busy: something to measure. */
const BUSY_CHILD = `
  const hold = Buffer.alloc(30 * 1024 * 1024, 1);
  console.log('ready ' + hold.length);
  setInterval(() => { const end = Date.now() + 40; while (Date.now() < end); }, 80);
`;

describe('replay supervisor: children killed on schedule and restarted, with their CPU and memory', function () {
  this.timeout(90_000);
  let supervisor: Supervisor | undefined;
  afterEach(async () => {
    await supervisor?.stop(2_000);
    supervisor = undefined;
  });

  it('reads CPU time and peak memory of a live process from /proc, and nothing of a dead one', () => {
    const self = readProcUsage(process.pid);
    assert.ok(self && self.cpuMs > 0, 'this test process has used some CPU');
    assert.ok(self.maxRssMb > 10, `a Node process holds more than 10 MB (read ${self.maxRssMb})`);
    assert.equal(readProcUsage(2 ** 22 + 12345), null, 'no such process: no reading');
  });

  it('SIGKILLs a child every N seconds, starts it again, records each kill and sums CPU over the runs', async () => {
    supervisor = new Supervisor({ command: { file: process.execPath, args: ['-e', BUSY_CHILD] }, kills: { dispatcher: { everySeconds: 1 } }, sampleMs: 100 });
    await supervisor.start([
      { role: 'dispatcher', name: 'dispatcher-1', args: [], env: {}, ready: /^ready/ },
      { role: 'server', name: 'server-1', args: [], env: {}, ready: /^ready/ },
    ]);
    const firstPid = supervisor.pidOf('dispatcher-1');
    await sleep(4_500);
    const kills = supervisor.kills();
    assert.ok(kills.length >= 2, `a dispatcher killed every second for 4.5 s is killed at least twice (was ${kills.length} times)`);
    assert.ok(kills.every((k) => k.role === 'dispatcher' && k.name === 'dispatcher-1'), 'only the role with a kill schedule is killed');
    assert.equal(kills[0].pid, firstPid, 'the first kill is of the first run');
    assert.equal(new Set(kills.map((k) => k.pid)).size, kills.length, 'each kill hits a new run of the child');
    for (const k of kills) assert.equal(readProcUsage(k.pid), null, `the killed process ${k.pid} is gone`);
    assert.notEqual(supervisor.pidOf('dispatcher-1'), undefined, 'the dispatcher runs again after its kills');
    assert.deepEqual(supervisor.crashes(), [], 'a planned kill is not a crash');
    assert.deepEqual(supervisor.problems(), [], 'every restart became ready');

    const usage = new Map(supervisor.usage().map((u) => [u.name, u]));
    const d = usage.get('dispatcher-1')!;
    const s = usage.get('server-1')!;
    assert.equal(d.starts, kills.length + 1, 'one start, then one per kill');
    assert.equal(s.starts, 1, 'the server was never killed');
    assert.ok(d.maxRssMb > 30, `each run held 30 MB: the peak must say so (read ${d.maxRssMb.toFixed(1)} MB)`);
    // Both children burn the same share of a core; the dispatcher's runs are summed, so its total
    // cannot be a small fraction of the server's (it would be if only the last run counted).
    assert.ok(d.cpuMs > 0 && s.cpuMs > 0, 'both used CPU');
    assert.ok(d.cpuMs > s.cpuMs * 0.5, `CPU summed over the dispatcher's ${d.starts} runs (${d.cpuMs} ms) vs the server's one run (${s.cpuMs} ms)`);
  });

  it('restarts a child that dies on its own and records it as a crash', async () => {
    supervisor = new Supervisor({ command: { file: process.execPath, args: ['-e', "console.log('ready'); setTimeout(() => process.exit(3), 300)"] } });
    await supervisor.start([{ role: 'server', name: 'server-1', args: [], env: {}, ready: /^ready/ }]);
    await sleep(1_500);
    const [crash] = supervisor.crashes();
    assert.ok(crash, 'the exit was noticed');
    assert.equal(crash.code, 3);
    assert.ok(supervisor.usage()[0].starts >= 2, 'and the child was started again');
  });

  it("gives the port a child announces in its ready line, and the new one after the child is killed and restarted", async () => {
    // A server that listens on a port the system picks (no port handed out beforehand, which an
    // outgoing connection could take before it listens) and says which.
    const LISTENER = "const s = require('node:net').createServer((c) => c.end('hello')).listen(0, '127.0.0.1', () => console.log('listening on ' + s.address().port))";
    supervisor = new Supervisor({ command: { file: process.execPath, args: ['-e', LISTENER] } });
    await supervisor.start([{ role: 'server', name: 'server-1', args: [], env: {}, ready: /^listening on (?<port>\d+)$/ }]);
    const answers = async (port: string | undefined) =>
      port !== undefined && (await new Promise<boolean>((resolve) => net.connect(Number(port), '127.0.0.1').once('data', () => resolve(true)).once('error', () => resolve(false))));
    const first = supervisor.announced('server-1')?.port;
    assert.ok(await answers(first), `the supervisor should give the port the child announced and listens on (it gave ${first})`);
    const kill = await supervisor.killOne('server');
    assert.ok(kill, 'the server was there to kill');
    const second = supervisor.announced('server-1')?.port;
    assert.ok(await answers(second), `after its restart the child listens on the port the supervisor gives (${second}; before the kill: ${first})`);
  });

  it('runs the real henlai dispatch (src/bin.cjs) with the given settings, and kills and restarts it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-supervisor-'));
    const env = { DATABASE_URL: `sqlite:${path.join(dir, 'replay.sqlite')}`, DATA_DIR: dir, HENLAI_DEMO: '0', LOG_LEVEL: 'info', NODE_ENV: 'development' };
    supervisor = new Supervisor({ readyTimeoutMs: 60_000 });
    await supervisor.start([{ role: 'dispatcher', name: 'dispatcher-1', args: ['dispatch'], env, ready: /dispatching notices/ }]);
    assert.ok(fs.existsSync(path.join(dir, 'replay.sqlite')), 'the child used the DATABASE_URL it was given');
    const kill = await supervisor.killOne('dispatcher');
    assert.ok(kill, 'a dispatcher was there to kill');
    assert.notEqual(supervisor.pidOf('dispatcher-1'), kill.pid, 'a new dispatcher runs, ready again');
    const [u] = supervisor.usage();
    assert.equal(u.starts, 2);
    assert.ok(u.cpuMs > 100, `starting Node and compiling with tsx twice costs CPU (read ${u.cpuMs} ms)`);
    assert.ok(u.maxRssMb > 20, `read ${u.maxRssMb} MB`);
  });

  it("runs the real henlai serve on PORT=0 as the replay does, and gives the port it listens on", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-supervisor-'));
    const env = { DATABASE_URL: `sqlite:${path.join(dir, 'replay.sqlite')}`, DATA_DIR: dir, HENLAI_DEMO: '0', LOG_LEVEL: 'info', NODE_ENV: 'development', PORT: '0', WATCH_INTERVAL_SECONDS: '0', DISPATCH_INTERVAL_SECONDS: '0' };
    supervisor = new Supervisor({ readyTimeoutMs: 60_000 });
    await supervisor.start([{ role: 'server', name: 'server-1', args: ['serve'], env, ready: SERVER_LISTENING }]);
    const port = supervisor.announced('server-1')?.port;
    assert.ok(port, "the replay's ready line for servers matched, but without the port");
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(res.status, 200, `henlai serve does not answer on the port read from its ready line (${port})`);
  });
});
