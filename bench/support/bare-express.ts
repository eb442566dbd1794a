/**
 * The ceiling for the web bench: an Express app with one route answering a constant, nothing
 * else. Started as its own process, like the real server, so that both are measured alike.
 */
import express from 'express';

const app = express();
const body = 'ok';
app.get('/', (_req, res) => {
  res.type('text/plain').send(body);
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
