import assert from 'node:assert/strict';
import { DEFAULT_REPLAY_PARAMS } from '../../src/replay/params';
import { SignerPhones, type RemoteSignerAccount } from '../../src/replay/signing';
import { createTestContext, seedBasics, type TestContext } from '../support/context';

const LEADER: RemoteSignerAccount = { agencyCode: 'SXD', role: 'leader', userId: '092078001234', name: 'Trần Văn Bình', agencyName: 'Sở Xây dựng thành phố Cần Thơ' };
/** Monday 2 March 2026, 09:00 in Vietnam: office hours, when signers answer. */
const MORNING = new Date('2026-03-02T09:00:00+07:00').getTime();
/** Signers who refuse often, so that answers differ from letter to letter. */
const PARAMS = { ...DEFAULT_REPLAY_PARAMS, staff: { ...DEFAULT_REPLAY_PARAMS.staff, signatureConfirmedShare: 0.5, signatureRefusedShare: 0.3 } };

describe("replay signers' phones: each request's answer comes from the request, not from the order requests arrive in", function () {
  this.timeout(30_000);
  let ctx: TestContext;

  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  after(async () => ctx.close());

  async function phones(): Promise<SignerPhones> {
    const p = new SignerPhones(PARAMS, 20261225, [LEADER]);
    await p.load(ctx.services);
    return p;
  }

  const requests = Array.from({ length: 30 }, (_, i) => ({ userId: LEADER.userId, createdAt: MORNING, description: `Văn bản xin lỗi, hồ sơ HS-${i}` }));

  it('gives every request the same answer whichever of two letters signed side by side reaches SmartCA first', async () => {
    const inOrder = await phones();
    const reversed = await phones();
    const forward = requests.map((r) => inOrder.answer(r));
    const backward = [...requests].reverse().map((r) => reversed.answer(r)).reverse();
    assert.deepEqual(backward, forward, 'the same requests, arriving in the opposite order, got different answers on the phone');
  });

  it('still draws each letter its own answer: confirmed, refused or left to expire', async () => {
    const p = await phones();
    const answers: string[] = requests.map((r) => p.answer(r)?.answer ?? 'none');
    for (const kind of ['confirm', 'refuse', 'none']) assert.ok(answers.includes(kind), `among 30 letters, none was answered "${kind}": ${answers.join(', ')}`);
  });

  it('answers a letter approved again later afresh, not as the first time', async () => {
    const p = await phones();
    const first = requests.map((r) => p.answer(r));
    const later = requests.map((r) => p.answer({ ...r, createdAt: r.createdAt + 60 * 60_000 }));
    assert.notDeepEqual(later.map((a) => a?.answer), first.map((a) => a?.answer), 'the same letters approved an hour later got exactly the same answers: the instant is not part of the draw');
  });
});
