import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../..');

/**
 * A production install in a temporary folder, as `npm run build` makes it: dist/ compiled with
 * tsconfig.build.json, the command (src/bin.cjs), the templates and the dependencies — and no
 * TypeScript source, so a run that went through tsx instead of dist/ fails to find src/main.ts.
 * Built aside so that a test never overwrites the dist/ someone is running.
 */
export interface ProductionTree {
  root: string;
  bin: string;
  remove(): void;
}

export function buildProductionTree(): ProductionTree {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-dist-'));
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(REPO, 'tsconfig.build.json'), '--outDir', path.join(root, 'dist')], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  fs.mkdirSync(path.join(root, 'src'));
  fs.copyFileSync(path.join(REPO, 'src/bin.cjs'), path.join(root, 'src/bin.cjs'));
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'));
  fs.symlinkSync(fs.realpathSync(path.join(REPO, 'templates')), path.join(root, 'templates'));
  fs.symlinkSync(fs.realpathSync(path.join(REPO, 'node_modules')), path.join(root, 'node_modules'));
  return { root, bin: path.join(root, 'src/bin.cjs'), remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** The TypeScript tree the demo runs (`npm start`): src/bin.cjs compiles src/ on load with tsx. */
export const SOURCE_BIN = path.join(REPO, 'src/bin.cjs');

/**
 * The settings production refuses to start without, pointing nowhere reachable: the tests and the
 * bench start the service, they never send (the watcher and the outbox worker are off).
 */
export function productionEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const url = process.env.DATABASE_URL;
  return {
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    DATABASE_URL: url && /^postgres/.test(url) ? url : `sqlite:${path.join(dataDir, 'henlai.sqlite')}`,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    SMTP_URL: 'smtp://127.0.0.1:1',
    ZALO_APP_ID: '1',
    ZALO_APP_SECRET: 'app-secret',
    ZALO_OA_SECRET_KEY: 'oa-secret',
    ZALO_TEMPLATE_NEW_APPOINTMENT: '1',
    SIGNING_SECRET_KEY: 'production-test-signing-secret-key',
    ZALO_API_BASE: 'http://127.0.0.1:1',
    ZALO_OAUTH_BASE: 'http://127.0.0.1:1',
    WATCH_INTERVAL_SECONDS: '0',
    DISPATCH_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'info',
  };
}

/** A port free right now (the service needs a fixed one to print its address). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Served {
  child: ChildProcess;
  /** Every line printed so far, stdout and stderr. */
  lines: string[];
  /** Resolves once the process has exited, with its exit code. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function serve(bin: string, env: NodeJS.ProcessEnv): Served {
  const child = spawn(process.execPath, [bin, 'serve'], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Polls `url` until it answers 200 or the process exits; answers the body. An answer counts only
 * once the process has said it listens: the port was free when chosen, but on a shared machine
 * another process may take it meanwhile, and its 200 would not be this service's.
 */
export async function waitFor(url: string, served: Served, timeoutMs = 120_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void served.exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`the service exited before ${url} answered:\n${served.lines.join('\n')}`);
    try {
      const res = await fetch(url);
      if (res.ok && served.lines.some((l) => l.includes('listening at'))) return await res.json();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${served.lines.join('\n')}`);
}
