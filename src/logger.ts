import pino from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stdout, or on `destination` (tests read what would have been printed). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'henlai' } }, destination);
}
