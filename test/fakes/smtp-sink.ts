/**
 * An SMTP sink for benchmarks, meant to run in its own process (`node --import tsx
 * test/fakes/smtp-sink.ts`) so that parsing what it receives does not share a core with the
 * client being measured. Accepts every message from anyone on loopback and throws the bytes away.
 *
 * Protocol on stdio, one JSON object per line:
 *   out, once listening:       {"port": 41234}
 *   in  "count" → out:         {"received": 10200, "bytes": 838860800}
 *   stdin closed or SIGTERM:   the server closes and the process exits.
 */
import type net from 'node:net';
import readline from 'node:readline';
import { SMTPServer } from 'smtp-server';

let received = 0;
let bytes = 0;

const server = new SMTPServer({
  logger: false,
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  // The client under test decides how many connections it opens; do not cap it here.
  maxClients: 1000,
  onData(stream, _session, callback) {
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    stream.on('end', () => {
      received++;
      callback(null, `OK: queued as SINK${received}`);
    });
  },
});

function shutdown(): void {
  for (const c of server.connections) c._socket.destroy();
  server.close(() => process.exit(0));
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.server.address() as net.AddressInfo).port })}\n`);
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'count') process.stdout.write(`${JSON.stringify({ received, bytes })}\n`);
});
process.stdin.on('end', shutdown);
process.on('SIGTERM', shutdown);
