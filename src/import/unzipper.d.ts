// The part of unzipper (the zip reader exceljs itself uses) that src/import/xlsx.ts calls.
declare module 'unzipper' {
  import type { Duplex, PassThrough } from 'node:stream';

  export interface Entry extends PassThrough {
    /** The file's path inside the zip. */
    path: string;
    type: 'File' | 'Directory';
  }

  /** A streaming reader: write the zip's bytes in, read its entries out (each a stream of the unzipped bytes). */
  export function Parse(options: { forceStream: true }): Duplex & AsyncIterable<Entry>;
}
