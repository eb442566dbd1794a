/**
 * Shared pieces of the signing tests: the independent checker (poppler's pdfsig and pdftotext),
 * a real letter PDF printed by the project's renderer, and one demo CA with an agency and a
 * leader certificate for the whole run (RSA key generation is the slow part).
 *
 * pdfsig policy: the signatures are only proven by a verifier that is not ours, so when pdfsig is
 * missing the tests FAIL on CI (CI=true) with the install command, and are SKIPPED with that
 * same reason on a developer machine (CI unset), so a missing package never passes silently.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DocumentRenderer } from '../../../src/documents/renderer';
import { createDemoCa, type DemoCa, type IssuedCertificate } from '../../../src/signing/demo-ca';
import { letterData, TEMPLATES_DIR } from '../../documents/fixtures';
import { sharedPdf } from '../../support/context';

export const AGENCY_NAME = 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ';
export const LEADER_NAME = 'Trần Thị Bích Ngọc';
/** 09:14:22 in Vietnam, the letter's day. */
export const SIGNING_TIME = new Date('2026-03-05T02:14:22Z');

const INSTALL = 'pdfsig/pdftotext (poppler) not found: install them with `apt-get install poppler-utils`';

function has(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Call in a `before` hook of any suite that needs poppler: fails on CI, skips elsewhere. */
export function requirePoppler(ctx: Mocha.Context): void {
  if (has('pdfsig') && has('pdftotext')) return;
  if (process.env.CI) throw new Error(INSTALL);
  console.warn(`  (skipped: ${INSTALL})`);
  ctx.skip();
}

function withFile<T>(pdf: Buffer, fn: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-sign-'));
  const file = path.join(dir, 'doc.pdf');
  fs.writeFileSync(file, pdf);
  try {
    return fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface PdfsigSignature {
  field: string;
  commonName: string;
  valid: boolean;
  totalDocumentSigned: boolean;
  raw: string;
}

/** pdfsig's report, signature by signature (-nocert: certificate trust is ours to judge, not NSS's). */
export function pdfsig(pdf: Buffer): { signatures: PdfsigSignature[]; output: string } {
  const output = withFile(pdf, (file) => {
    try {
      return execFileSync('pdfsig', ['-nocert', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      return String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
    }
  });
  const blocks = output.split(/^Signature #\d+:/m).slice(1);
  const signatures = blocks.map((raw) => ({
    field: /Signature Field Name: (.*)/.exec(raw)?.[1].trim() ?? '',
    commonName: /Signer Certificate Common Name: (.*)/.exec(raw)?.[1].trim() ?? '',
    valid: /Signature Validation: Signature is Valid\./.test(raw),
    totalDocumentSigned: /- Total document signed/.test(raw),
    raw,
  }));
  return { signatures, output };
}

export interface Word {
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Words of page 1 with their boxes (pdftotext -bbox: origin top left, points). */
export function words(pdf: Buffer): { words: Word[]; height: number } {
  const html = withFile(pdf, (file) => execFileSync('pdftotext', ['-bbox', '-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' }));
  const height = Number(/<page width="[\d.]+" height="([\d.]+)"/.exec(html)?.[1] ?? 842);
  const out: Word[] = [];
  for (const m of html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
    const text = m[5].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');
    out.push({ text: text.normalize('NFC'), xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]) });
  }
  return { words: out, height };
}

export function pdftotextPlain(pdf: Buffer): string {
  return withFile(pdf, (file) => execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
}

/**
 * The empty space of the signature block, between the signer's title and name (as the caller of
 * the signing module would compute it from the layout): [x1, y1, x2, y2] in PDF points.
 */
export function signatureBlock(pdf: Buffer, signerName = LEADER_NAME): [number, number, number, number] {
  const { words: all, height } = words(pdf);
  const parts = signerName.split(' ');
  const start = all.findIndex((w, i) => parts.every((p, k) => all[i + k]?.text === p));
  if (start < 0) throw new Error(`the letter's text has no signer name "${signerName}"`);
  const name = all.slice(start, start + parts.length);
  const nameTop = Math.min(...name.map((w) => w.yMin));
  const cx = (Math.min(...name.map((w) => w.xMin)) + Math.max(...name.map((w) => w.xMax))) / 2;
  const title = all.filter((w) => w.yMax < nameTop && Math.abs((w.xMin + w.xMax) / 2 - cx) < 80).sort((a, b) => b.yMax - a.yMax)[0];
  const titleBottom = title ? title.yMax : nameTop - 80;
  return [cx - 64, height - nameTop + 4, cx + 64, height - titleBottom - 4];
}

let letter: Promise<Buffer> | null = null;

/** The sample letter (TT 03/2025, one page) printed by the project's PdfRenderer. */
export function letterPdf(): Promise<Buffer> {
  letter ??= sharedPdf().render(new DocumentRenderer({ templatesDir: TEMPLATES_DIR }).renderLetter('TTPVHCC', letterData()).html);
  return letter;
}

export interface Pki {
  ca: DemoCa;
  agency: IssuedCertificate;
  leader: IssuedCertificate;
}

let pki: Promise<Pki> | null = null;

/** One demo CA for the run, with the agency's and the leader's certificates (valid 2026–2029). */
export function demoPki(): Promise<Pki> {
  pki ??= (async () => {
    const ca = await createDemoCa({ now: new Date('2026-01-01T00:00:00Z') });
    const [agency, leader] = await Promise.all([
      ca.issueAgency(AGENCY_NAME, { password: 'mat-khau-co-quan' }),
      ca.issueLeader({ name: LEADER_NAME, agencyName: AGENCY_NAME, title: 'Phó Giám đốc' }, { password: 'mat-khau-lanh-dao' }),
    ]);
    return { ca, agency, leader };
  })();
  return pki;
}
