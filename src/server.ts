import type { Server } from 'node:http';
import { createApp } from './app';
import type { Services } from './services';

/** Listens, and closes connections and the database cleanly on SIGINT/SIGTERM. */
export async function startServer(s: Services): Promise<Server> {
  const app = createApp(s);
  const server = await new Promise<Server>((resolve, reject) => {
    const srv = app.listen(s.config.port, s.config.host, () => resolve(srv));
    srv.on('error', reject);
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    s.logger.info({ signal }, 'shutting down');
    server.close();
    server.closeIdleConnections();
    await s.db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return server;
}
