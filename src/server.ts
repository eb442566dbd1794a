import type { Server } from 'node:http';
import { createApp } from './app';
import type { Services } from './compose';
import { runPeriodically } from './workers/periodic';

/** Listens, runs the deadline watcher and the outbox worker, and shuts everything down cleanly on SIGINT/SIGTERM. */
export async function startServer(s: Services): Promise<Server> {
  const app = createApp(s);
  const server = await new Promise<Server>((resolve, reject) => {
    const srv = app.listen(s.config.port, s.config.host, () => resolve(srv));
    srv.on('error', reject);
  });
  const stopWatcher = s.config.watchIntervalSeconds > 0 ? s.watcher.start(s.config.watchIntervalSeconds * 1000) : async () => undefined;
  const stopDispatcher =
    s.config.dispatch.intervalSeconds > 0 ? s.dispatcher.start(s.config.dispatch.intervalSeconds * 1000) : async () => undefined;
  // Letters waiting for a remote signature: asked about at their due time (a callback wakes them sooner).
  const stopSigning = runPeriodically(
    () => s.apologyWorkflow.checkSignatures(),
    s.config.signing.pollMs,
    () => undefined,
    (err) => s.logger.warn({ err }, 'signature checks failed; the next run retries'),
  );
  // Pull-mode one-stop sources: polled for changed dossiers (issue 16).
  const stopPulling =
    s.config.onestop.pullIntervalSeconds > 0
      ? runPeriodically(
          () => s.interopPuller.runOnce(),
          s.config.onestop.pullIntervalSeconds * 1000,
          (reports) => {
            if (reports.some((r) => r.items || r.error)) s.logger.info({ pulled: reports }, 'interop pull');
          },
          (err) => s.logger.warn({ err }, 'interop pull failed; the next run retries'),
        )
      : async () => undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    s.logger.info({ signal }, 'shutting down');
    server.close();
    server.closeIdleConnections();
    await stopWatcher();
    await stopDispatcher();
    await stopSigning();
    await stopPulling();
    for (const channel of s.channels.values()) await channel.close();
    await s.pdf.close();
    await s.db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return server;
}
