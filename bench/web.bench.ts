/**
 * The web side under load: the citizen's page and the dossier API (GET by code) served by a real
 * `henlai serve` process over a SQLite database of 1,000,000 dossiers, driven by autocannon on
 * loopback with 50 connections; and in the same run a bare Express app answering a constant, as
 * the ceiling of this machine for an Express request. Target: citizen page ≥ 1,500 req/s with
 * p99 ≤ 50 ms; the ratio to the ceiling is reported.
 *
 *  1. Setup (not measured): 1,000,000 dossiers bulk-loaded; the first BENCH_APOLOGIES (1,000) of
 *     them overdue, with an apology drafted and issued through the apology service (letters
 *     rendered and numbered as in service; the PDF is not needed by the page and not rendered).
 *  2. The server runs as its own process (`node src/bin.cjs serve`, watcher and outbox worker
 *     off, LOG_LEVEL=warn so that request logging does not measure the terminal), so that it and
 *     the load generator each have a core. Each request picks the next token / code in turn.
 *  3. Each target gets a 3 s warm-up, then BENCH_WEB_SECONDS (10) measured.
 *
 *   node --import tsx bench/web.bench.ts
 *   BENCH_ROWS=100000 node --import tsx bench/web.bench.ts     # a quick try
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import net from 'node:net';
import { DossierRepository } from '../src/db/dossiers';
import { localDayOf } from '../src/domain/time';
import { analyze, cpuSeconds, DOSSIER_COLUMNS, FOLDED, insertDossiers, log, NAMES, NOW, openBench, round, sqlText, type Result } from './support/load';

const CONNECTIONS = 50;
const ROOT = path.resolve(__dirname, '..');

/**
 * Starts a server process; it is ready when it prints `ready` (whose first group is its address)
 * or, given an address, when that address's /ready answers — `henlai serve` at LOG_LEVEL=warn
 * prints nothing (its start-up lines are info log lines).
 */
function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp | string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = typeof ready === 'string' ? null : ready.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready:\n${out}`)));
    if (typeof ready === 'string') {
      const poll = () =>
        fetch(`${ready}/ready`).then(
          (res) => (res.ok ? resolve({ child, url: ready }) : setTimeout(poll, 200)),
          () => child.exitCode === null && setTimeout(poll, 200),
        );
      void poll();
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function load(url: string, paths: string[], headers: Record<string, string>, seconds: number): Promise<autocannon.Result> {
  let i = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers,
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
  });
}

/**
 * Rate and p99 under load, and the server's CPU per request: the rate moves with whatever else
 * shares the machine, the CPU per request hardly does, so it is the figure to compare changes by.
 */
async function measure(label: string, server: ChildProcess, url: string, paths: string[], headers: Record<string, string> = {}): Promise<Result> {
  const seconds = Number(process.env.BENCH_WEB_SECONDS ?? 10);
  await load(url, paths, headers, 3);
  const cpu0 = cpuSeconds(server.pid);
  const r = await load(url, paths, headers, seconds);
  const cpuMs = round(((cpuSeconds(server.pid) - cpu0) * 1000) / r.requests.total, 3);
  const bad = r.non2xx + r.errors + r.timeouts;
  log(`[web] ${label}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, server CPU ${cpuMs} ms/request, ${bad} not ok of ${r.requests.total}`);
  if (bad) throw new Error(`${label}: ${r.non2xx} answers not 2xx, ${r.errors} errors, ${r.timeouts} timeouts — the figures would not mean anything`);
  return { [`${label}_per_s`]: Math.round(r.requests.average), [`${label}_p99_ms`]: r.latency.p99, [`${label}_cpu_ms`]: cpuMs };
}

export async function benchWeb(): Promise<Result> {
  const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
  const apologies = Math.min(rows, Number(process.env.BENCH_APOLOGIES ?? 1000));
  const bench = await openBench('sqlite', undefined, {
    agency: (code) => ({ contactPhone: '0292 3700 100', address: 'phường Ninh Kiều, thành phố Cần Thơ', settings: { signerName: `Lãnh đạo ${code}`, signerTitle: 'PHÓ GIÁM ĐỐC' } }),
  });
  const { s, db, agencies, procedures } = bench;
  const dossiers = new DossierRepository(db);
  const started = process.hrtime.bigint();
  const nowMs = NOW.getTime();
  const dayMs = 86_400_000;
  try {
    const row = (seq: number) => {
      const proc = procedures[seq % procedures.length];
      const agency = agencies.find((a) => a.id === proc.agencyId) ?? agencies[0];
      const overdue = seq <= apologies;
      const accepted = nowMs - (overdue ? 40 : (seq % 15) + 1) * dayMs;
      const due = overdue ? nowMs - 3 * dayMs : nowMs + ((seq % 25) + 1) * dayMs;
      const name = seq % NAMES.length;
      const code = `W${String(seq).padStart(8, '0')}`;
      return (
        `('${code}',${proc.id},${agency.id},${agency.id},'person',${sqlText(`${NAMES[name]} ${seq}`)},'+849${String(10_000_000 + seq).slice(-8)}',` +
        `true,false,false,'counter',${accepted},${accepted},'days',${proc.timeAmount},${due},${due},1,0,'processing',` +
        `${sqlText(`${code.toLowerCase()} ${FOLDED[name]} ${seq}`)},'h${seq}',${accepted},${accepted})`
      );
    };
    await insertDossiers(db, rows, DOSSIER_COLUMNS, row, 'web', started);
    await analyze(db);
    for (let seq = 1; seq <= apologies; seq++) {
      const code = `W${String(seq).padStart(8, '0')}`;
      await db.transaction(async () => {
        const d = await dossiers.byCode(code, true);
        if (!d) throw new Error(`dossier ${code} was not loaded`);
        const draft = await s.apologyWorkflow.draftInTx(d, { reason: 'Hồ sơ cần xác minh thêm', newDueDay: localDayOf(new Date(nowMs + 10 * dayMs)) }, { name: 'bench', agencyId: null, role: 'system' }, 'officer');
        await s.apologyWorkflow.issueInTx(draft, { name: 'bench', agencyId: null, role: 'system' });
      });
    }
    const tokens = (await db('apologies').where({ status: 'issued' }).select('citizen_token')).map((r: { citizen_token: string }) => r.citizen_token);
    const { token } = await s.tokens.create('bench', null, { name: 'bench', agencyId: null, role: 'system' });
    log(`[web] ${rows.toLocaleString('en')} dossiers, ${tokens.length} issued apologies ready (${round(Number(process.hrtime.bigint() - started) / 1e9, 1)} s)`);

    const port = await freePort();
    const server = await startProcess(
      // BENCH_WEB_NODE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=.scratch/prof", to see where a request's time goes.
      [...(process.env.BENCH_WEB_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), 'src/bin.cjs', 'serve'],
      {
        NODE_ENV: 'development',
        DATA_DIR: s.config.dataDir,
        DATABASE_URL: '',
        HENLAI_DEMO: '0',
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        LOG_LEVEL: 'warn',
        WATCH_INTERVAL_SECONDS: '0',
        DISPATCH_INTERVAL_SECONDS: '0',
      },
      `http://127.0.0.1:${port}`,
    );
    const result: Result = { dossiers: rows, apologies: tokens.length, connections: CONNECTIONS };
    try {
      Object.assign(result, await measure('citizen_page', server.child, server.url, tokens.map((t) => `/c/${t}`)));
      const codes = Array.from({ length: 10_000 }, (_, i) => `/api/v1/dossiers/W${String(1 + ((i * 7919) % rows)).padStart(8, '0')}`);
      Object.assign(result, await measure('dossier_api', server.child, server.url, codes, { authorization: `Bearer ${token}` }));
    } finally {
      await stop(server.child);
    }
    const bare = await startProcess(['--import', 'tsx', 'bench/support/bare-express.ts'], {}, /listening on (http:\/\/\S+)/);
    try {
      Object.assign(result, await measure('bare_express', bare.child, bare.url, ['/']));
    } finally {
      await stop(bare.child);
    }
    result.citizen_ratio = round(Number(result.citizen_page_per_s) / Number(result.bare_express_per_s));
    result.api_ratio = round(Number(result.dossier_api_per_s) / Number(result.bare_express_per_s));
    return result;
  } finally {
    await bench.close();
  }
}

if (require.main === module) {
  benchWeb().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
