import assert from 'node:assert/strict';
import { signatureWait, waitInWords } from '../../src/domain/signature-wait';

const H = 3_600_000;
const at = (iso: string) => new Date(iso).getTime();

describe('signature wait (a letter approved but not yet signed)', () => {
  const since = at('2026-03-02T09:00:00+07:00');

  it('is urgent once half the time left before the due instant has gone by waiting', () => {
    const due = since + 7 * 24 * H;
    assert.equal(signatureWait(since, due, new Date(since + 3 * 24 * H)).urgent, false);
    assert.equal(signatureWait(since, due, new Date(since + 3.5 * 24 * H)).urgent, true);
    assert.equal(signatureWait(since, due, new Date(since + 3 * 24 * H)).waitedMs, 3 * 24 * H);
  });

  it('never chases a leader within the first hour, even when the due instant is close or past', () => {
    for (const due of [since + H, since - 24 * H]) {
      assert.equal(signatureWait(since, due, new Date(since + 59 * 60_000)).urgent, false);
      assert.equal(signatureWait(since, due, new Date(since + H)).urgent, true);
    }
  });

  it('reads a clock earlier than the approval as no wait at all', () => {
    assert.deepEqual(signatureWait(since, since + 10 * H, new Date(since - H)), { waitedMs: 0, urgent: false });
  });

  it('says how long in Vietnamese', () => {
    assert.equal(waitInWords(40 * 60_000), '40 phút');
    assert.equal(waitInWords(5 * H + 10 * 60_000), '5 giờ');
    assert.equal(waitInWords(3 * 24 * H), '3 ngày');
    assert.equal(waitInWords(3 * 24 * H + 2 * H), '3 ngày 2 giờ');
  });
});
