import assert from 'node:assert/strict';
import { FixedClock } from '../../src/clock';
import { createLogger } from '../../src/logger';
import { createOnestopChannel, type OnestopTarget } from '../../src/channels/onestop/channel';
import type { Channel, OutgoingNotice } from '../../src/channels/types';
import { OnestopReceiver } from '../fakes/onestop/receiver';

const NOW = '2026-03-10T08:00:00+07:00';
const SECRET = 'bí-mật-chung-của-nguồn';

function notice(key = 'henlai:apology:7:onestop'): OutgoingNotice {
  return {
    id: 1,
    businessKey: key,
    kind: 'new_appointment',
    audience: 'system',
    channel: 'onestop',
    recipient: 'IGATE-CT',
    payload: {
      body: {
        MaThongBao: key,
        MaHoSo: 'H13.01-260212-0007',
        NgayHenTraTruoc: '20260310170000',
        NgayHenTraMoi: '20260317170000',
        LyDo: 'Hồ sơ cần thẩm định thêm tại hiện trường',
        SoVanBan: '01/PXL-SXD',
        DuongDanVanBan: 'https://henlai.example.vn/c/abc/letter.pdf',
      },
    },
    apologyId: 7,
    dossierId: 3,
    attempts: 0,
  };
}

/**
 * The one-stop channel against the fake receiver, which checks the signature and the
 * timestamp window on its own (test/fakes/onestop/receiver.ts), over a real loopback socket.
 */
describe('one-stop channel (signed appointment updates)', () => {
  const clock = new FixedClock(new Date(NOW));
  let receiver: OnestopReceiver;
  let target: OnestopTarget;
  let channel: Channel;

  beforeEach(async () => {
    clock.set(new Date(NOW));
    receiver = await new OnestopReceiver({ secret: SECRET, clock: () => clock.now().getTime() }).start();
    target = { url: receiver.url, secret: SECRET };
    channel = createOnestopChannel({ target: async () => target, clock, logger: createLogger('silent'), timeoutMs: 300 });
  });
  afterEach(async () => receiver.stop());

  it('posts the body signed with the source’s secret; the receiver accepts it once', async () => {
    const result = await channel.send(notice(), async () => []);
    assert.equal(result.outcome, 'delivered', `the receiver should accept a correctly signed call; it answered ${result.providerAnswer}`);
    assert.equal(receiver.applied.length, 1);
    assert.deepEqual(receiver.applied[0]?.body, notice().payload.body, 'the body arrives exactly as queued');
    assert.equal(receiver.applied[0]?.headers['x-henlai-timestamp'], String(new Date(NOW).getTime() / 1000));
  });

  it('counts a repeated key (an answer lost on the way back) as delivered, and the receiver applies it only once', async () => {
    await channel.send(notice(), async () => []);
    const again = await channel.send(notice(), async () => []);
    assert.equal(again.outcome, 'delivered');
    assert.equal(receiver.applied.length, 1, 'the second call with the same idempotency key must not be applied again');
    assert.equal(receiver.arrivals[1]?.status, 409);
  });

  it('is refused by the receiver when the secret differs (a forged signature): a permanent failure', async () => {
    target = { url: receiver.url, secret: 'not-the-shared-secret' };
    const result = await channel.send(notice(), async () => []);
    assert.equal(result.outcome, 'permanent-failure');
    assert.equal(result.errorClass, 'http:401');
    assert.match(result.providerAnswer, /Chữ ký không hợp lệ/);
    assert.equal(receiver.applied.length, 0, 'a forged call must change nothing on the receiver');
  });

  it('is refused when its timestamp is outside the receiver’s window (a replay captured earlier)', async () => {
    const late = new OnestopReceiver({ secret: SECRET, clock: () => clock.now().getTime() + 10 * 60_000 });
    await late.start();
    try {
      target = { url: late.url, secret: SECRET };
      const result = await channel.send(notice(), async () => []);
      assert.equal(result.outcome, 'permanent-failure');
      assert.match(result.providerAnswer, /Dấu thời gian/);
      assert.equal(late.applied.length, 0);
    } finally {
      await late.stop();
    }
  });

  it('signs with the machine’s time on a replay’s virtual clock: the receiver checks the timestamp against its own clock', async () => {
    const virtual = { now: () => new Date('2025-01-06T08:00:00+07:00'), realTime: clock };
    const replaying = createOnestopChannel({ target: async () => target, clock: virtual, logger: createLogger('silent'), timeoutMs: 300 });
    const result = await replaying.send(notice(), async () => []);
    assert.equal(result.outcome, 'delivered', `a call signed at the simulated date is refused by a real receiver; it answered ${result.providerAnswer}`);
    assert.equal(receiver.applied[0]?.headers['x-henlai-timestamp'], String(new Date(NOW).getTime() / 1000));
  });

  it('retries what may pass later: 5xx, a timeout, a refused connection; 429 with Retry-After defers', async () => {
    receiver.script.push({ httpStatus: 503 });
    const down = await channel.send(notice(), async () => []);
    assert.deepEqual([down.outcome, down.errorClass], ['technical-failure', 'http:503']);
    receiver.script.push('hang');
    const slow = await channel.send(notice(), async () => []);
    assert.deepEqual([slow.outcome, slow.errorClass], ['technical-failure', 'timeout']);
    receiver.script.push({ httpStatus: 429 });
    const busy = await channel.send(notice(), async () => []);
    assert.equal(busy.outcome, 'temporary-failure');
    await receiver.stop();
    const gone = await channel.send(notice(), async () => []);
    assert.deepEqual([gone.outcome, gone.errorClass], ['technical-failure', 'connection']);
  });

  it('gives up on a 4xx refusal and on an answer whose error_code is not 0', async () => {
    receiver.script.push({ httpStatus: 400, body: JSON.stringify({ error_code: 2, message: 'Không tìm thấy hồ sơ' }) });
    const refused = await channel.send(notice(), async () => []);
    assert.deepEqual([refused.outcome, refused.errorClass], ['permanent-failure', 'http:400']);
    receiver.script.push({ httpStatus: 200, body: JSON.stringify({ error_code: 3, message: 'Hồ sơ đã trả kết quả' }) });
    const said = await channel.send(notice(), async () => []);
    assert.deepEqual([said.outcome, said.errorClass], ['permanent-failure', 'onestop:3']);
    assert.match(said.providerAnswer, /Hồ sơ đã trả kết quả/);
  });

  it('fails for good, without calling anyone, when the source has no outbound URL any more', async () => {
    target = null;
    const result = await channel.send(notice(), async () => []);
    assert.deepEqual([result.outcome, result.errorClass], ['permanent-failure', 'onestop:no-target']);
    assert.equal(receiver.arrivals.length, 0);
  });
});
