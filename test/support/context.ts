import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import supertest from 'supertest';
import { loadConfig, type Config } from '../../src/config';
import { createDb, migrateLatest, type Db } from '../../src/db/connection';
import { createLogger } from '../../src/logger';
import { buildServices, type Services } from '../../src/compose';
import { FixedClock } from '../../src/clock';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createApp } from '../../src/app';
import { createPdfRenderer, type PdfRenderer } from '../../src/documents/pdf';

let pdf: PdfRenderer | null = null;

/** One browser for the whole run: launching Chromium per test would dominate the suite's time. */
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
  api(method: 'get' | 'post' | 'patch' | 'delete', url: string, token?: string): supertest.Test;
  close(): Promise<void>;
}

/** True when the suite runs against PostgreSQL (CI runs it on both). */
export const onPostgres = /^postgres/.test(process.env.DATABASE_URL ?? '');

/**
 * A fresh, migrated database and the whole app around it, with a clock the test controls.
 * SQLite: a new file per context. PostgreSQL: the public schema is dropped and recreated, so
 * every context starts clean whatever an earlier test left.
 */
export async function createTestContext(now = '2026-03-02T09:00:00+07:00'): Promise<TestContext> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-test-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: 'silent' });
  const db = createDb(config.database, createLogger('silent'));
  if (config.database.client === 'pg') {
    await db.raw('drop schema if exists public cascade');
    await db.raw('create schema public');
  }
  await migrateLatest(db);
  const clock = new FixedClock(new Date(now));
  const services = buildServices(config, db, clock, createLogger('silent'), { pdf: sharedPdf() });
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
    async close() {
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
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
