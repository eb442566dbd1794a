import assert from 'node:assert/strict';
import supertest from 'supertest';
import type { UserRole } from '../../src/domain/access';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import type { TestContext } from './context';

export interface SignedInAgent {
  agent: ReturnType<typeof supertest.agent>;
  /** The session's form token, for POSTs: `.type('form').send({ _csrf: csrf, … })`. */
  csrf: string;
  username: string;
}

let counter = 0;

/** The hidden `_csrf` value of the first form on a page. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'the page has no form token (_csrf); every form must include {{> csrf}}');
  return m[1];
}

/**
 * A browser-like agent (keeps cookies) signed in as a new account of this role, through the real
 * sign-in form. `agencyCode` null: an account of no agency (supervisor, administrator).
 */
/** Every account signIn creates has this password. */
export const PASSWORD = 'mat-khau-thu-nghiem';

export async function signIn(ctx: TestContext, role: UserRole, agencyCode: string | null = 'SXD'): Promise<SignedInAgent> {
  counter += 1;
  const username = `${role}${counter}`;
  const password = PASSWORD;
  await ctx.services.users.create({ username, fullName: `Cán bộ ${role} ${counter}`, role, agencyId: null, agencyCode, active: true }, password, SYSTEM_ACTOR);
  const agent = supertest.agent(ctx.app);
  const form = await agent.get('/dang-nhap').expect(200);
  await agent.post('/dang-nhap').type('form').send({ _csrf: csrfOf(form.text), username, password, next: '/tong-quan' }).expect(303);
  const home = await agent.get('/tong-quan').expect(200);
  return { agent, csrf: csrfOf(home.text), username };
}

/** The text of the error shown next to a form field (`id="e-<field>"`), or null when there is none. */
export function fieldError(html: string, field: string): string | null {
  const m = new RegExp(`id="e-${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>([^<]*)<`).exec(html);
  return m ? m[1] : null;
}

export function assertFieldError(html: string, field: string, expected: RegExp): void {
  const shown = fieldError(html, field);
  assert.ok(shown !== null, `the form shows no message next to the field "${field}"`);
  assert.match(shown, expected, `the message next to "${field}" says "${shown}"`);
}
