/**
 * Start-up of the two ways to run the service: the compiled JavaScript production runs
 * (`npm run build`, NODE_ENV=production, dist/) and the TypeScript the demo runs through tsx
 * (`npm start`). For each: the time from spawning `henlai serve` to the first 200 from /ready, and
 * the process's resident memory (VmRSS) at that moment. The database is migrated and empty
 * beforehand, the watcher and the outbox worker are off: what is measured is loading the code,
 * opening the database and listening.
 *
 * One warm-up start per mode is not counted (tsx keeps compiled files in a cache in the temporary
 * folder; the first start after a change compiles them all). BENCH_STARTUP_RUNS (default 7) starts
 * per mode, alternating the modes; the medians are reported. Uses DATABASE_URL when it names a
 * PostgreSQL database (it is wiped), SQLite otherwise.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { createDb } from '../src/db/connection';
import { createLogger } from '../src/logger';
import { buildProductionTree, freePort, productionEnv, serve, SOURCE_BIN, waitFor } from '../test/support/production';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 7);

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

async function startOnce(bin: string, env: NodeJS.ProcessEnv): Promise<{ readyMs: number; rssMb: number }> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const served = serve(bin, { ...env, PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
  let figures: { readyMs: number; rssMb: number };
  try {
    await waitFor(`http://127.0.0.1:${port}/ready`, served);
    const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
    figures = { readyMs: Math.round(readyMs), rssMb: rssMb(served.child.pid!) };
  } catch (e) {
    await served.stop();
    throw e;
  }
  const code = await served.stop();
  if (code !== 0) throw new Error(`henlai serve exited with ${code}:\n${served.lines.join('\n')}`);
  return figures;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchStartup(): Promise<Record<string, number | string>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-startup-'));
  const buildStarted = Date.now();
  const tree = buildProductionTree();
  const buildS = (Date.now() - buildStarted) / 1000;
  try {
    const production = productionEnv(dataDir, 0);
    if (/^postgres/.test(production.DATABASE_URL ?? '')) {
      const db = createDb(loadConfig({ NODE_ENV: 'test', DATABASE_URL: production.DATABASE_URL }).database, createLogger('silent'));
      await db.raw('drop schema if exists public cascade');
      await db.raw('create schema public');
      await db.destroy();
    }
    // The same settings for both; the demo run differs only in its NODE_ENV (and loads no demo data).
    const demo = { ...production, NODE_ENV: 'development', HENLAI_DEMO: '0' };
    execFileSync(process.execPath, [tree.bin, 'migrate'], { env: { PATH: process.env.PATH, ...production }, stdio: 'ignore' });
    const modes = { dist: { bin: tree.bin, env: production }, tsx: { bin: SOURCE_BIN, env: demo } };
    const runs: Record<keyof typeof modes, { readyMs: number; rssMb: number }[]> = { dist: [], tsx: [] };
    for (const m of Object.values(modes)) await startOnce(m.bin, m.env);
    for (let i = 0; i < RUNS; i++) {
      for (const [name, m] of Object.entries(modes) as [keyof typeof modes, (typeof modes)['dist']][]) runs[name].push(await startOnce(m.bin, m.env));
    }
    const f = (name: keyof typeof modes, k: 'readyMs' | 'rssMb') => median(runs[name].map((r) => r[k]));
    return {
      database: /^postgres/.test(production.DATABASE_URL ?? '') ? 'PostgreSQL' : 'SQLite',
      runs: RUNS,
      build_s: Math.round(buildS * 10) / 10,
      dist_ready_ms: f('dist', 'readyMs'),
      tsx_ready_ms: f('tsx', 'readyMs'),
      ready_ratio: Math.round((f('tsx', 'readyMs') / f('dist', 'readyMs')) * 100) / 100,
      dist_rss_mb: f('dist', 'rssMb'),
      tsx_rss_mb: f('tsx', 'rssMb'),
      rss_ratio: Math.round((f('tsx', 'rssMb') / f('dist', 'rssMb')) * 100) / 100,
    };
  } finally {
    tree.remove();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchStartup().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
