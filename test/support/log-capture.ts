import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger';

/** A logger at `level` whose lines are kept, as printed, for a test to read. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}
