import assert from 'node:assert/strict';
import { agencyFault, awaitedSignatureInWords, signatureWait, waitInWords } from '../../src/domain/signature-wait';
import { waitingForOfficeInWords } from '../../src/domain/office-hours';

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

  describe('what a letter waits for, in the digest', () => {
    const held = waitingForOfficeInWords(new Date('2026-03-16T07:30:00+07:00'));

    it('names a request held for the office to open as waiting, not as a certificate fault', () => {
      const words = awaitedSignatureInWords({ waitingFor: 'agency', problem: held });
      assert.equal(agencyFault({ waitingFor: 'agency', problem: held }), null, `a request waiting for the office to open was read as a fault of the agency's certificate: "${words}"`);
      assert.doesNotMatch(words, /kiểm tra chứng thư/, `the digest sends staff to check the certificate of a letter that only waits for the office to open: "${words}"`);
      assert.equal(words, 'lãnh đạo đã ký, chờ giờ làm việc (07:30 Thứ Hai, 16/03/2026) để gửi yêu cầu ký số của cơ quan');
    });

    it("says when the leader's request goes out, for one held before the leader was asked", () => {
      assert.equal(awaitedSignatureInWords({ waitingFor: 'leader', problem: held }), 'chờ giờ làm việc (07:30 Thứ Hai, 16/03/2026) để gửi yêu cầu ký số cho lãnh đạo');
    });

    it('still names a real fault of the agency layer, with where to look', () => {
      const words = awaitedSignatureInWords({ waitingFor: 'agency', problem: 'Chứng thư số đã hết hạn — sẽ thử lại' });
      assert.equal(words, 'lãnh đạo đã ký nhưng chưa ký được chữ ký số của cơ quan (Chứng thư số đã hết hạn), cần kiểm tra chứng thư số của cơ quan');
      assert.equal(awaitedSignatureInWords({ waitingFor: 'agency', problem: null }), 'lãnh đạo đã ký, chờ chữ ký số của cơ quan (người giữ chứng thư số của cơ quan chưa xác nhận)');
      assert.equal(awaitedSignatureInWords({ waitingFor: 'leader', problem: null }), 'chờ lãnh đạo ký số');
    });
  });
});
