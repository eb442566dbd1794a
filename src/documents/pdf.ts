/**
 * HTML → PDF with headless Chromium driven by playwright-core.
 *
 * The browser is the Chromium shipped inside the npm package `@sparticuz/chromium` (143.0.4: the
 * newest whose engines accept Node 20): its brotli-packed binary is unpacked into the system's
 * temporary folder on first use, no network involved. `HENLAI_CHROMIUM_PATH` (or the
 * `executablePath` option) points at another Chromium/Chrome executable instead.
 *
 * - One browser process, launched lazily on the first render and reused; relaunched on the next
 *   render if it crashed or disconnected.
 * - A small pool of pages (default 2 at once): each render takes an idle page, or waits, sets the
 *   HTML, waits for the load event (which includes the fonts), prints, and gives the page back.
 *   Pages run with JavaScript disabled and every network request refused: a letter needs neither.
 * - Page size and margins come from the document's CSS `@page` (preferCSSPageSize); page numbers
 *   from page 2 come from the stylesheet's `@page { @top-center { content: counter(page) } }`
 *   page-margin box, so the browser's own print of the same HTML numbers its pages alike.
 * - Deterministic output: Chromium stamps the PDF with the time it was printed; that stamp is
 *   replaced by a fixed one (`options.timestamp`, default 2000-01-01), so the same HTML gives the
 *   same bytes and the same content hash.
 */
import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

export interface PdfRenderer {
  render(html: string): Promise<Buffer>;
  /**
   * Renders and tells where elements landed (the first match of each selector), in PDF points
   * (origin bottom left) on a 0-based page: where a signature or a stamp goes.
   */
  renderLocated?(html: string, selectors: string[]): Promise<{ pdf: Buffer; boxes: Array<LocatedBox | null> }>;
  close(): Promise<void>;
}

export interface LocatedBox {
  page: number;
  rect: [number, number, number, number];
}

/**
 * The letter's page (letter-style.hbs: A4, margins 20/15/20/30 mm). Positions are measured on
 * the print stylesheet laid out at the page's content width, then placed on the page: exact on
 * the first page, and on later ones as long as no block is pushed over a page break (the
 * signature table is not split).
 */
const A4 = { widthPt: 595.28, heightPt: 841.89, marginTopMm: 20, marginBottomMm: 20, marginLeftMm: 30, marginRightMm: 15 };
const MM_PT = 72 / 25.4;

/**
 * Every page of the pool is laid out on screen as it prints — print media, the A4 text width —
 * so that where an element lands can be read off the screen layout at once. page.pdf() lays the
 * document out for print anyway: the printed bytes are the same whatever the screen's size.
 * (Switching a page back and forth per letter cost ~30 ms of a signed letter.)
 */
const MEASURE_VIEWPORT = { width: Math.round((A4.widthPt - (A4.marginLeftMm + A4.marginRightMm) * MM_PT) / 0.75), height: 1000 };

async function locate(session: CDPSession, selectors: string[]): Promise<Array<LocatedBox | null>> {
  return measure(session, selectors, A4.heightPt - (A4.marginTopMm + A4.marginBottomMm) * MM_PT);
}

/**
 * Asked over the page's DevTools session, as the print command is: Playwright's page.evaluate
 * goes through its own injected script and two more round trips to Chromium (~2 ms of this
 * process per signed letter).
 */
async function measure(session: CDPSession, selectors: string[], contentHeightPt: number): Promise<Array<LocatedBox | null>> {
  // A string, so that the DOM names need no DOM typings here.
  const answer = await session.send('Runtime.evaluate', {
    expression:
      `${JSON.stringify(selectors)}.map((sel) => { const el = document.querySelector(sel); if (!el) return null;` +
      ' const r = el.getBoundingClientRect(); return { left: r.left + window.scrollX, top: r.top + window.scrollY, width: r.width, height: r.height }; })',
    returnByValue: true,
  });
  if (answer.exceptionDetails) throw new Error(`locating ${selectors.join(', ')} failed: ${answer.exceptionDetails.text}`);
  const rects = answer.result.value as Array<{ left: number; top: number; width: number; height: number } | null>;
  return rects.map((r) => {
    if (!r) return null;
    const topPt = r.top * 0.75;
    const pageIndex = Math.max(0, Math.floor(topPt / contentHeightPt));
    const yTop = A4.heightPt - A4.marginTopMm * MM_PT - (topPt - pageIndex * contentHeightPt);
    const x1 = A4.marginLeftMm * MM_PT + r.left * 0.75;
    const round = (v: number) => Math.round(v * 100) / 100;
    return { page: pageIndex, rect: [round(x1), round(yTop - r.height * 0.75), round(x1 + r.width * 0.75), round(yTop)] };
  });
}

/** What createPdfRenderer returns: the interface plus a test hook. */
export interface PooledPdfRenderer extends PdfRenderer {
  /** Test hook: closes the browser behind the renderer's back, as a crash would. The next render relaunches it. */
  simulateCrash(): Promise<void>;
  /** Test hook: pages opened since the start (a warm pool reuses them). */
  pagesOpened(): number;
  renderLocated(html: string, selectors: string[]): Promise<{ pdf: Buffer; boxes: Array<LocatedBox | null> }>;
}

export interface PdfRendererOptions {
  /** Pages printing at the same time (default 2). */
  concurrency?: number;
  /** A Chromium executable to use instead of @sparticuz/chromium's (the HENLAI_CHROMIUM_PATH setting). */
  executablePath?: string;
  /** The date written as CreationDate/ModDate in every PDF (default 2000-01-01T00:00:00Z). */
  timestamp?: Date;
  /** Per-render timeout in ms (default 30,000). */
  timeoutMs?: number;
}

/** Flags for a headless Chromium on a machine without network access. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-extensions',
  '--mute-audio',
];

/**
 * @sparticuz/chromium's recommended flags, less the ones that do not suit a long-lived server:
 * `--single-process` (one crash would take every render down, and it serialises printing on one
 * core), its `--headless='shell'` spelling (Playwright passes its own --headless), the WebGL
 * flags (no GPU work here), and `--disable-web-security` / `--allow-running-insecure-content`
 * (convenient on Lambda, needless for our own documents: same-origin rules stay on).
 */
const DROPPED_SPARTICUZ_FLAGS = [
  /^--single-process$/,
  /^--headless/,
  /^--use-gl=/,
  /^--use-angle=/,
  /^--enable-unsafe-swiftshader$/,
  /^--disable-web-security$/,
  /^--allow-running-insecure-content$/,
];

/** How to start the bundled Chromium; also used by the browser tests. */
export async function chromiumLaunchOptions(explicitPath: string | undefined): Promise<{ executablePath: string; args: string[] }> {
  const custom = explicitPath;
  // Loaded lazily: requiring it runs a little environment detection we only need when printing.
  const Chromium = (await import('@sparticuz/chromium')).default;
  Chromium.setGraphicsMode = false;
  const recommended = Chromium.args.filter((a) => !DROPPED_SPARTICUZ_FLAGS.some((re) => re.test(a)));
  const executablePath = custom && custom.trim() ? custom : await Chromium.executablePath();
  return { executablePath, args: [...new Set([...recommended, ...CHROMIUM_FLAGS])] };
}

/** "D:20000101000000+00'00'" for the PDF's Info dictionary. */
function pdfDate(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+00'00'`;
}

/**
 * Replaces the CreationDate/ModDate strings in place, with a string of the same length so that
 * the cross-reference offsets stay valid.
 */
export function fixPdfDates(pdf: Buffer, date: Date): Buffer {
  const text = pdf.toString('latin1');
  const fixed = pdfDate(date);
  let changed = false;
  const out = text.replace(/\/(CreationDate|ModDate) \((D:[0-9+\-Z']+)\)/g, (whole, key: string, value: string) => {
    if (value.length !== fixed.length) return whole;
    changed = true;
    return `/${key} (${fixed})`;
  });
  return changed ? Buffer.from(out, 'latin1') : pdf;
}

/**
 * Embedded fonts are served to the page from memory instead of being parsed from `data:` URLs
 * each time: Chromium spends ~25 ms per document on 140 KB of base64 in the stylesheet, while a
 * font served from a URL is fetched once and then comes from its memory cache. The bytes are the
 * same, so the PDF is the same; the HTML the caller stored is not changed.
 */
const FONT_ORIGIN = 'http://fonts.henlai.invalid';
const DATA_FONT_URL = /url\((['"]?)data:((?:font|application)\/[A-Za-z0-9.+-]+);base64,([A-Za-z0-9+/=]+)\1\)/g;
const MAX_CACHED_FONTS = 64;

class FontCache {
  private readonly byData = new Map<string, string>();
  private readonly byPath = new Map<string, { body: Buffer; type: string }>();

  /** The HTML with every `url(data:font/…;base64,…)` replaced by a URL this cache serves. */
  rewrite(html: string): string {
    if (!html.includes(';base64,')) return html;
    return html.replace(DATA_FONT_URL, (whole, _q: string, type: string, b64: string) => {
      let url = this.byData.get(b64);
      if (!url) {
        if (this.byData.size >= MAX_CACHED_FONTS) return whole;
        const body = Buffer.from(b64, 'base64');
        const name = `/${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
        url = `${FONT_ORIGIN}${name}`;
        this.byData.set(b64, url);
        this.byPath.set(name, { body, type });
      }
      return `url(${url})`;
    });
  }

  get(pathname: string): { body: Buffer; type: string } | undefined {
    return this.byPath.get(pathname);
  }
}

/**
 * Chromium's own print command, with the parameters Playwright's page.pdf() sends for A4, no
 * margins, backgrounds, the CSS page size preferred — but the PDF returned in the answer
 * (ReturnAsBase64) instead of as a stream read back in chunks with further round trips, which
 * cost ~5 ms of this process and ~7 ms of Chromium per letter. Same bytes.
 */
const PRINT_TO_PDF = {
  transferMode: 'ReturnAsBase64',
  landscape: false,
  displayHeaderFooter: false,
  headerTemplate: '',
  footerTemplate: '',
  printBackground: true,
  scale: 1,
  paperWidth: 8.27,
  paperHeight: 11.7,
  marginTop: 0,
  marginBottom: 0,
  marginLeft: 0,
  marginRight: 0,
  pageRanges: '',
  preferCSSPageSize: true,
  generateTaggedPDF: false,
  generateDocumentOutline: false,
} as const;

export function createPdfRenderer(options: PdfRendererOptions = {}): PooledPdfRenderer {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
  const timestamp = options.timestamp ?? new Date(Date.UTC(2000, 0, 1));
  const timeoutMs = options.timeoutMs ?? 30_000;

  let browser: Promise<{ browser: Browser; context: BrowserContext }> | null = null;
  let idle: Page[] = [];
  let busy = 0;
  const waiters: Array<() => void> = [];
  let closed = false;
  const fonts = new FontCache();

  const getBrowser = (): Promise<{ browser: Browser; context: BrowserContext }> => {
    if (!browser) {
      const launching = (async () => {
        const { chromium } = await import('playwright-core');
        const { executablePath, args } = await chromiumLaunchOptions(options.executablePath);
        // Signals are the process's owner's (the server's shutdown, the replay's interruption), and
        // each closes this renderer itself: Playwright's own handlers swallowed SIGTERM (the process
        // ran on with its browser closed) and ended the process on SIGINT before it could clean up.
        const b = await chromium.launch({ executablePath, args, headless: true, timeout: 60_000, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
        b.on('disconnected', () => {
          // The process died or was closed: forget it and its pages; the next render relaunches.
          if (browser === launching) browser = null;
          idle = [];
        });
        const context = await b.newContext({ javaScriptEnabled: false, viewport: MEASURE_VIEWPORT });
        // Nothing leaves the page: the embedded fonts are answered from memory, anything else
        // (an override referring to an outside image, say) fails at once instead of hanging.
        await context.route('**/*', (route) => {
          const url = new URL(route.request().url());
          const font = url.origin === FONT_ORIGIN ? fonts.get(url.pathname) : undefined;
          if (!font) return route.abort('blockedbyclient');
          return route.fulfill({
            status: 200,
            body: font.body,
            headers: { 'content-type': font.type, 'cache-control': 'public, max-age=31536000, immutable', 'access-control-allow-origin': '*' },
          });
        });
        return { browser: b, context };
      })();
      browser = launching;
      launching.catch(() => {
        if (browser === launching) browser = null;
      });
    }
    return browser;
  };

  const acquireSlot = async (): Promise<void> => {
    while (busy >= concurrency) await new Promise<void>((resolve) => waiters.push(resolve));
    busy++;
  };
  const releaseSlot = (): void => {
    busy--;
    waiters.shift()?.();
  };

  let opened = 0;
  /** Each page's DevTools session (for setting the document and the print command) and its main frame. */
  const sessions = new WeakMap<Page, { session: CDPSession; frameId: string }>();
  const takePage = async (): Promise<{ page: Page; session: CDPSession; frameId: string }> => {
    for (;;) {
      const page = idle.pop();
      if (!page) break;
      const known = sessions.get(page);
      if (!page.isClosed() && known) return { page, ...known };
    }
    const { context } = await getBrowser();
    const page = await context.newPage();
    opened++;
    page.setDefaultTimeout(timeoutMs);
    await page.emulateMedia({ media: 'print' });
    const session = await context.newCDPSession(page);
    await session.send('Page.enable');
    const frameId = (await session.send('Page.getFrameTree')).frameTree.frame.id;
    sessions.set(page, { session, frameId });
    return { page, session, frameId };
  };

  /**
   * The document replaced as page.setContent replaces it (document.open/write/close, then the
   * load event, which waits for the fonts), but over the page's own session: Playwright's
   * setContent runs a script in an isolated world it sets up in every new document, which cost
   * ~1 ms of this process and more of Chromium per letter. Same document, same bytes printed.
   */
  const setDocument = async (session: CDPSession, frameId: string, html: string): Promise<void> => {
    let onLoad = (): void => undefined;
    let timer: NodeJS.Timeout | undefined;
    const loaded = new Promise<void>((resolve, reject) => {
      onLoad = resolve;
      timer = setTimeout(() => reject(new Error(`the letter did not finish loading within ${timeoutMs} ms`)), timeoutMs);
    });
    session.once('Page.loadEventFired', onLoad);
    // Awaited below; until then a timeout must not count as an unhandled rejection.
    loaded.catch(() => undefined);
    try {
      await session.send('Page.setDocumentContent', { frameId, html });
      await loaded;
    } finally {
      clearTimeout(timer);
      session.off('Page.loadEventFired', onLoad);
    }
  };

  const printOnce = async (html: string, selectors: string[] = []): Promise<{ pdf: Buffer; boxes: Array<LocatedBox | null> }> => {
    const { page, session, frameId } = await takePage();
    let healthy = false;
    try {
      await setDocument(session, frameId, fonts.rewrite(html));
      const pdf = Buffer.from((await session.send('Page.printToPDF', PRINT_TO_PDF)).data, 'base64');
      // Measured on the same page, which goes back to the pool: opening a page per signed
      // letter cost more than signing it.
      const boxes = selectors.length ? await locate(session, selectors) : [];
      healthy = true;
      return { pdf, boxes };
    } finally {
      if (healthy && !closed && !page.isClosed()) idle.push(page);
      else page.close().catch(() => undefined);
    }
  };

  const isBrowserGone = (e: unknown): boolean =>
    /Target (page, context or browser )?(has been )?closed|Browser has been closed|browser has disconnected|crash/i.test(String((e as Error)?.message ?? e));

  const renderLocated = async (html: string, selectors: string[]): Promise<{ pdf: Buffer; boxes: Array<LocatedBox | null> }> => {
    if (closed) throw new Error('PdfRenderer đã đóng (close() đã được gọi)');
    await acquireSlot();
    try {
      let out: { pdf: Buffer; boxes: Array<LocatedBox | null> };
      try {
        out = await printOnce(html, selectors);
      } catch (e) {
        if (!isBrowserGone(e) || closed) throw e;
        // The browser crashed under this render: relaunch once and retry.
        browser = null;
        idle = [];
        out = await printOnce(html, selectors);
      }
      return { pdf: fixPdfDates(out.pdf, timestamp), boxes: out.boxes };
    } finally {
      releaseSlot();
    }
  };

  return {
    async render(html: string): Promise<Buffer> {
      return (await renderLocated(html, [])).pdf;
    },

    renderLocated,

    pagesOpened: () => opened,

    async simulateCrash(): Promise<void> {
      const current = browser;
      if (current) await (await current).browser.close();
    },

    async close(): Promise<void> {
      closed = true;
      const current = browser;
      browser = null;
      idle = [];
      if (current) {
        try {
          const { browser: b } = await current;
          await b.close();
        } catch {
          // never launched or already gone
        }
      }
      while (waiters.length) waiters.shift()?.();
    },
  };
}
