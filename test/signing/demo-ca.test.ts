import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { certificateSerial, createDemoCa } from '../../src/signing/demo-ca';

describe('signing: demo CA', function () {
  this.timeout(30_000);

  it('makes serial numbers that are positive and minimally encoded whatever the random bytes', () => {
    // DER wants an INTEGER without a leading zero byte unless the next byte's top bit is set;
    // OpenSSL refuses such a certificate ("no start line" once it falls back to PEM). With 16
    // random bytes about one certificate in 256 came out that way and a signing test failed at random.
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      for (const second of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
        const random = Buffer.alloc(16, 0xab);
        random[0] = first;
        random[1] = second;
        const serial = Buffer.from(certificateSerial(random));
        assert.ok(serial[0] < 0x80, `serial from ${first.toString(16)} ${second.toString(16)} must be positive`);
        assert.ok(serial[0] !== 0 || (serial.length > 1 && serial[1] >= 0x80), `serial from ${first.toString(16)} ${second.toString(16)} starts with a needless zero byte`);
      }
    }
  });

  it('issues certificates that OpenSSL reads', async () => {
    const ca = await createDemoCa({ now: new Date('2026-03-01T00:00:00Z') });
    const leader = await ca.issueLeader({ name: 'Nguyễn Văn An', agencyName: 'Sở Tư pháp' }, { password: 'p' });
    for (const der of leader.chain) assert.doesNotThrow(() => new X509Certificate(der));
  });
});
