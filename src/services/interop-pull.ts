import type { PullClient } from '../channels/onestop/pull-client';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Actor } from '../domain/actor';
import { authorizeFor } from './authorize';

import type { InteropSource } from '../domain/interop';

export interface PullSources {
  /** The enabled pull-mode sources. */
  pullSources(): Promise<InteropSource[]>;
  /** After a poll: success moves the cursor (when given) and clears the error; failure records the error only. */
  recordPull(id: number, outcome: { at: number; cursor?: string | null; error?: string }): Promise<void>;
}

/** What the ingestion (the same use case as the push endpoint) made of a page. */
export interface IngestSummary {
  accepted: number;
  refused: number;
}

export interface PullReport {
  source: string;
  pages: number;
  items: number;
  accepted: number;
  refused: number;
  error: string | null;
}

export interface InteropPullerDeps {
  sources: PullSources;
  /** The source's shared secret, opened; null when none is set. */
  secretOf: (source: InteropSource) => Promise<string | null>;
  client: PullClient;
  /** The push endpoint's ingestion, fed one page: idempotent, so a page applied twice changes nothing the second time. */
  ingest: (source: InteropSource, items: unknown[]) => Promise<IngestSummary>;
  clock: Clock;
  logger: Logger;
  pageSize: number;
  /** A run stops after this many pages of one source, so one busy source does not starve the others. */
  maxPagesPerRun: number;
}

/**
 * The pull mode (issue 16, item 5): for each pull source, fetch the dossiers changed since its
 * cursor, page by page, feed each page to the ingestion, and only then move the cursor. A
 * process killed between the two finds the old cursor on restart and fetches the page again;
 * the ingestion being idempotent, the dossiers it had already applied change nothing.
 */
export class InteropPuller {
  constructor(private readonly deps: InteropPullerDeps) {}

  /** Each pull source's last successful sync and its last error, for the administrator's page. */
  async status(actor: Actor): Promise<InteropSource[]> {
    authorizeFor(actor, 'interop.manage', null);
    return this.deps.sources.pullSources();
  }

  async runOnce(): Promise<PullReport[]> {
    const reports: PullReport[] = [];
    for (const source of await this.deps.sources.pullSources()) reports.push(await this.pull(source));
    return reports;
  }

  private async pull(source: InteropSource): Promise<PullReport> {
    const { sources, client, clock } = this.deps;
    const report: PullReport = { source: source.code, pages: 0, items: 0, accepted: 0, refused: 0, error: null };
    let cursor = source.pullCursor;
    try {
      const secret = await this.deps.secretOf(source);
      if (!source.pullUrl || !secret) throw new Error('Nguồn chưa có địa chỉ lấy hồ sơ hoặc khoá bí mật');
      for (let more = true; more && report.pages < this.deps.maxPagesPerRun; ) {
        const page = await client({ url: source.pullUrl, secret, cursor, limit: this.deps.pageSize });
        const summary = await this.deps.ingest(source, page.items);
        // The page is applied: from here on a restart starts after it.
        cursor = page.nextCursor ?? cursor;
        await sources.recordPull(source.id, { at: clock.now().getTime(), cursor });
        report.pages++;
        report.items += page.items.length;
        report.accepted += summary.accepted;
        report.refused += summary.refused;
        more = page.hasMore && page.items.length > 0;
      }
    } catch (err) {
      report.error = err instanceof Error ? err.message : String(err);
      this.deps.logger.warn({ source: source.code, error: report.error }, 'interop pull failed');
      await sources.recordPull(source.id, { at: clock.now().getTime(), error: report.error }).catch((e: unknown) => this.deps.logger.error({ err: e }, 'interop pull: could not record the failure'));
    }
    return report;
  }
}
