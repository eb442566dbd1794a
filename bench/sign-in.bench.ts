/**
 * Staff sign-in: does the time of an answer tell anything about the account? Each case is timed
 * through the real app (the form, then the timed POST), the cases interleaved round by round so
 * that the machine's load falls on all alike. Medians and 90th percentiles in ms:
 *
 * - `wrong`: an existing account, wrong password; `unknown`: a name that does not exist;
 *   `disabled`: a disabled account, right password — all from an address with no failures, so
 *   each is one scrypt; they must not differ beyond noise.
 * - `held_known` / `held_unknown`: the same address has failed 5 times on an existing account /
 *   on a name that does not exist; they must not differ either (before the change, the existing
 *   one answered "locked" without a scrypt, ~100× faster than an unknown name).
 *
 * Run: `node --import tsx bench/sign-in.bench.ts` (BENCH_SIGNIN_ROUNDS, default 30).
 */
import supertest from 'supertest';
import type { Express } from 'express';
import { createApp } from '../src/app';
import { SYSTEM_ACTOR } from '../src/domain/actor';
import { openBench } from './support/load';

const ROUNDS = Number(process.env.BENCH_SIGNIN_ROUNDS ?? 30);
const RIGHT = 'mat-khau-quan-tri-dung';

async function timedSignIn(app: Express, address: string, username: string, password: string): Promise<{ ms: number; status: number }> {
  const agent = supertest.agent(app);
  const form = await agent.get('/dang-nhap').set('X-Forwarded-For', address).expect(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
  const started = performance.now();
  const res = await agent.post('/dang-nhap').set('X-Forwarded-For', address).type('form').send({ _csrf: csrf, username, password, next: '/tong-quan' });
  return { ms: performance.now() - started, status: res.status };
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];

export async function benchSignIn(): Promise<Record<string, number | string>> {
  const b = await openBench('sqlite');
  try {
    const app = createApp(b.s);
    const account = (username: string, active: boolean) =>
      b.s.users.create({ username, fullName: `Bench ${username}`, role: 'admin', agencyId: null, agencyCode: null, active }, RIGHT, SYSTEM_ACTOR);
    await account('quantri', true);
    await account('nghiviec', false);
    await account('khoa', true);
    const held = '10.255.0.1';
    for (let i = 0; i < 5; i++) {
      await timedSignIn(app, held, 'khoa', `sai-${i}`);
      await timedSignIn(app, held, 'khongcoai-khoa', `sai-${i}`);
    }
    const cases: Record<string, (round: number) => Promise<{ ms: number; status: number }>> = {
      wrong: (r) => timedSignIn(app, `10.1.${r}.1`, 'quantri', 'sai-mat-khau'),
      unknown: (r) => timedSignIn(app, `10.2.${r}.1`, `khongcoai${r}`, 'sai-mat-khau'),
      disabled: (r) => timedSignIn(app, `10.3.${r}.1`, 'nghiviec', RIGHT),
      held_known: () => timedSignIn(app, held, 'khoa', 'sai-nua'),
      held_unknown: () => timedSignIn(app, held, 'khongcoai-khoa', 'sai-nua'),
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    const statuses: Record<string, Set<number>> = Object.fromEntries(Object.keys(cases).map((k) => [k, new Set<number>()]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, run] of Object.entries(cases)) {
        const { ms, status } = await run(r);
        times[name].push(ms);
        statuses[name].add(status);
      }
    }
    const out: Record<string, number | string> = { rounds: ROUNDS };
    for (const name of Object.keys(cases)) {
      out[`${name}_median_ms`] = Math.round(quantile(times[name], 0.5) * 10) / 10;
      out[`${name}_p90_ms`] = Math.round(quantile(times[name], 0.9) * 10) / 10;
      out[`${name}_status`] = [...statuses[name]].join('/');
    }
    out.unknown_over_wrong = Math.round((quantile(times.unknown, 0.5) / quantile(times.wrong, 0.5)) * 100) / 100;
    out.disabled_over_wrong = Math.round((quantile(times.disabled, 0.5) / quantile(times.wrong, 0.5)) * 100) / 100;
    out.held_unknown_over_held_known = Math.round((quantile(times.held_unknown, 0.5) / quantile(times.held_known, 0.5)) * 100) / 100;
    return out;
  } finally {
    await b.close();
  }
}

if (require.main === module) {
  benchSignIn().then(
    (figures) => {
      for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(30)} ${v}\n`);
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
