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

/** Runs `fn` with console.log/warn/error caught; answers what they would have printed. */
export async function consoleDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const printed: string[] = [];
  const saved = { log: console.log, warn: console.warn, error: console.error };
  const keep = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
  Object.assign(console, { log: keep, warn: keep, error: keep });
  try {
    await fn();
  } finally {
    Object.assign(console, saved);
  }
  return printed;
}
