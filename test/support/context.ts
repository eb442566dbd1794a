import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import supertest from 'supertest';
import { loadConfig, type Config } from '../../src/config';
import { createDb, migrateLatest, rowsOf, type Db } from '../../src/db/connection';
import { createLogger } from '../../src/logger';
import { buildServices, type Services } from '../../src/compose';
import { FixedClock } from '../../src/clock';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createApp } from '../../src/app';
import { createPdfRenderer, type PdfRenderer } from '../../src/documents/pdf';
import { FakePdfRenderer } from '../fakes/pdf';

let pdf: PdfRenderer | null = null;

/**
 * The real renderer, one browser for the whole run: launching Chromium per test would dominate
 * the suite's time. Only for tests that look inside a PDF; a test context gets a FakePdfRenderer.
 */
export function sharedPdf(): PdfRenderer {
  pdf ??= createPdfRenderer();
  return pdf;
}

export async function closeSharedPdf(): Promise<void> {
  await pdf?.close();
  pdf = null;
}

export interface TestContext {
  db: Db;
  services: Services;
  clock: FixedClock;
  app: Express;
  token: string;
  config: Config;
  /** supertest with the installation-wide token already set. */
  api(method: 'get' | 'post' | 'put' | 'patch' | 'delete', url: string, token?: string): supertest.Test;
  close(): Promise<void>;
}

/** True when the suite runs against PostgreSQL (CI runs it on both). */
export const onPostgres = /^postgres/.test(process.env.DATABASE_URL ?? '');

/**
 * The settings every test runs with: the suite's database, no log, and a password hash cost low
 * enough that signing in is not what a test spends its time on (production refuses it).
 */
export function testConfig(dataDir: string, env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: process.env.DATABASE_URL,
    LOG_LEVEL: 'silent',
    PASSWORD_HASH_COST: '4',
    ...env,
  });
}

export interface FreshDatabase {
  config: Config;
  db: Db;
  close(): Promise<void>;
}

/**
 * A database in the state the migrations leave it, rows they insert (the national calendar)
 * included. Migrating costs ~0.1 s and a run opens ~150 of these, so each process migrates once:
 * SQLite copies a migrated template file per database; PostgreSQL (one database for the run)
 * empties the tables and puts the migrations' rows back (see resetPostgres).
 */
export async function freshDatabase(env: NodeJS.ProcessEnv = {}): Promise<FreshDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-test-'));
  const config = testConfig(dataDir, env);
  if (config.database.client === 'sqlite') fs.copyFileSync(await migratedSqliteFile(), config.database.filename);
  const db = createDb(config.database, createLogger('silent'));
  if (config.database.client === 'pg') await resetPostgres(db);
  return {
    config,
    db,
    async close() {
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let sqliteTemplate: Promise<string> | null = null;
let templateDir: string | null = null;

function migratedSqliteFile(): Promise<string> {
  sqliteTemplate ??= (async () => {
    templateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-template-'));
    const filename = path.join(templateDir, 'henlai.sqlite');
    const db = createDb({ client: 'sqlite', filename }, createLogger('silent'));
    try {
      await migrateLatest(db);
      // Everything into the database file, so that the one file is the whole database (it stays
      // in WAL mode, which a copy then opens without rewriting it).
      await db.raw('pragma wal_checkpoint(truncate)');
    } finally {
      await db.destroy();
    }
    return filename;
  })();
  return sqliteTemplate;
}

/**
 * PostgreSQL after migrating, as SQL that brings the suite's database back to it: the state is
 * this process's own (the first context drops the schema and migrates whatever an earlier run or
 * branch left), and `fingerprint` says whether the schema is still the one it was taken from.
 */
interface PgTemplate {
  fingerprint: string;
  reset: string;
}

let pgTemplate: PgTemplate | null = null;

/** Where the rows the migrations insert are kept between contexts (outside `public`, which tests may drop). */
const SEED_SCHEMA = 'henlai_test_seed';
const KNEX_TABLES = ['knex_migrations', 'knex_migrations_lock'];

// The migrations applied, and the identity of every table, index, sequence, column and constraint
// of the public schema (catalog oids change when one is dropped and made again): a test that
// rolls back, drops the schema or migrates on its own changes it, and the next context migrates
// again instead of emptying tables that are not the migrated ones. A millisecond, unlike
// comparing definitions.
const FINGERPRINT = `
  select md5(concat_ws('|',
    (select string_agg(name, ',' order by id) from knex_migrations),
    (select string_agg(oid::text || ':' || relnatts, ',' order by oid) from pg_class where relnamespace = 'public'::regnamespace),
    (select string_agg(a.attrelid::text || '.' || a.attnum || ':' || a.atttypid || ':' || a.atttypmod || ':' || a.attnotnull || ':' || a.attisdropped, ',' order by a.attrelid, a.attnum)
       from pg_attribute a join pg_class c on c.oid = a.attrelid where c.relnamespace = 'public'::regnamespace and a.attnum > 0),
    (select string_agg(oid::text, ',' order by oid) from pg_constraint where connamespace = 'public'::regnamespace)
  )) as fingerprint`;

async function fingerprintOf(db: Db): Promise<string | null> {
  try {
    return String(rowsOf(await db.raw(FINGERPRINT))[0].fingerprint);
  } catch {
    return null; // no knex_migrations: not migrated
  }
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Tables ordered so that each comes before those it references: deleting in that order never breaks a foreign key. */
function referencingFirst(tables: string[], references: { from: string; to: string }[]): string[] {
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (t: string): void => {
    if (ordered.includes(t)) return;
    if (visiting.has(t)) throw new Error(`test support: foreign keys form a cycle through ${t}; empty the tables with TRUNCATE … CASCADE instead`);
    visiting.add(t);
    for (const r of references) if (r.to === t && r.from !== t) visit(r.from);
    visiting.delete(t);
    ordered.push(t);
  };
  tables.forEach(visit);
  return ordered;
}

/**
 * Puts the migrated state back in one round trip of a few milliseconds: deletes every row but
 * knex's, children first, puts back the rows the migrations inserted and sets each sequence where
 * the migrations left it. (TRUNCATE … RESTART IDENTITY CASCADE says the same but makes new files
 * for every table and index: ~0.5 s a context here.) On the first context of the process, or when
 * a test changed the schema, it drops the schema, migrates, and records that state.
 */
async function resetPostgres(db: Db): Promise<void> {
  if (pgTemplate && (await fingerprintOf(db)) === pgTemplate.fingerprint) {
    await db.raw(pgTemplate.reset);
    return;
  }
  await db.raw('drop schema if exists public cascade');
  await db.raw('create schema public');
  await migrateLatest(db);
  const tables = rowsOf(await db.raw(`select tablename from pg_tables where schemaname = 'public' order by tablename`))
    .map((r) => String(r.tablename))
    .filter((t) => !KNEX_TABLES.includes(t));
  const references = rowsOf(
    await db.raw(`
      select f.relname as "from", t.relname as "to" from pg_constraint c
        join pg_class f on f.oid = c.conrelid join pg_class t on t.oid = c.confrelid
       where c.contype = 'f' and c.connamespace = 'public'::regnamespace`),
  ).map((r) => ({ from: String(r.from), to: String(r.to) }));
  const seeded: string[] = [];
  for (const t of tables) {
    if (rowsOf(await db.raw(`select exists (select from public.${ident(t)}) as seeded`))[0].seeded) seeded.push(t);
  }
  await db.raw(`drop schema if exists ${SEED_SCHEMA} cascade`);
  await db.raw(`create schema ${SEED_SCHEMA}`);
  for (const t of seeded) await db.raw(`create table ${SEED_SCHEMA}.${ident(t)} as select * from public.${ident(t)}`);
  const sequences = rowsOf(await db.raw(`select sequencename, start_value, last_value from pg_sequences where schemaname = 'public'`)).map((s) =>
    s.last_value === null
      ? `select setval('public.${ident(String(s.sequencename))}', ${Number(s.start_value)}, false)`
      : `select setval('public.${ident(String(s.sequencename))}', ${Number(s.last_value)}, true)`,
  );
  pgTemplate = {
    fingerprint: (await fingerprintOf(db)) as string,
    reset: [
      'begin',
      // A test database: losing the last reset in a crash costs nothing, waiting for the disk does.
      'set local synchronous_commit = off',
      ...referencingFirst(tables, references).map((t) => `delete from public.${ident(t)}`),
      ...seeded.map((t) => `insert into public.${ident(t)} select * from ${SEED_SCHEMA}.${ident(t)}`),
      ...sequences,
      'commit',
    ].join(';\n'),
  };
}

/** Removes this process's SQLite template (the mocha root hook calls it once the run is over). */
export function removeDatabaseTemplate(): void {
  if (templateDir) fs.rmSync(templateDir, { recursive: true, force: true });
  templateDir = null;
  sqliteTemplate = null;
}

export interface TestContextOptions {
  /** The PDF renderer; a FakePdfRenderer unless the test reads the PDF (then `sharedPdf()`). */
  pdf?: PdfRenderer;
  /** Settings on top of the test defaults (a provider's fake: SMS_API_BASE…, PUBLIC_BASE_URL). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A fresh, migrated database (freshDatabase) and the whole app around it, with a clock the test
 * controls and a fake PDF renderer unless the test asks for the real one.
 */
export async function createTestContext(now = '2026-03-02T09:00:00+07:00', options: TestContextOptions = {}): Promise<TestContext> {
  const { config, db, close } = await freshDatabase(options.env);
  const clock = new FixedClock(new Date(now));
  const services = buildServices(config, db, clock, createLogger('silent'), { pdf: options.pdf ?? new FakePdfRenderer() });
  const app = createApp(services);
  const { token } = await services.tokens.create('test', null, SYSTEM_ACTOR);
  return {
    db,
    services,
    clock,
    app,
    token,
    config,
    api(method, url, t = token) {
      return supertest(app)[method](url).set('Authorization', `Bearer ${t}`);
    },
    close,
  };
}

export const AGENCY = {
  code: 'SXD',
  address: '25 Lý Tự Trọng, phường Ninh Kiều, thành phố Cần Thơ',
  settings: { signerName: 'Trần Văn Bình', signerTitle: 'PHÓ GIÁM ĐỐC' },
  name: 'Sở Xây dựng thành phố Cần Thơ',
  parentName: 'UBND THÀNH PHỐ CẦN THƠ',
  placeName: 'Cần Thơ',
  letterSymbol: 'PXL-SXD',
  level: 'department',
  contactEmail: 'sxd@cantho.example.vn',
};

export const PROCEDURE = {
  code: '1.009972',
  name: 'Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II',
  field: 'Hoạt động xây dựng',
  agencyCode: 'SXD',
  processingTime: { unit: 'days', amount: 20 },
  supplementPolicy: 'pause',
  defaultExtensionDays: 5,
  defaultDelayReason: 'Hồ sơ cần thẩm định thêm tại hiện trường',
};

export function dossierBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code: 'H13.01-260212-0007',
    procedureCode: PROCEDURE.code,
    receivingAgencyCode: 'SXD',
    applicant: { kind: 'person', name: 'Nguyễn Văn An' },
    phone: '0912 345 678',
    email: 'An.Nguyen@Example.vn',
    address: '12 Hòa Bình, phường Ninh Kiều, Cần Thơ',
    consent: { zalo: true, email: true, sms: false },
    channel: 'counter',
    acceptedAt: '2026-02-12T09:30:00+07:00',
    ...overrides,
  };
}

/** One agency and one 20-working-day procedure with the 'pause' supplement policy. */
export async function seedBasics(ctx: TestContext): Promise<void> {
  await ctx.api('post', '/api/v1/agencies').send(AGENCY).expect(201);
  await ctx.api('post', '/api/v1/procedures').send(PROCEDURE).expect(201);
}
