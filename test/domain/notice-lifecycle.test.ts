import assert from 'node:assert/strict';
import {
  AWAITING_WORKER,
  FAILED,
  NEEDS_ATTENTION,
  NOTICE_EVENTS,
  NOTICE_STATUSES,
  OUTCOMES,
  allows,
  isMove,
  isPending,
  movableFrom,
  movableTo,
  staffActions,
  type NoticeEvent,
  type NoticeStatus,
} from '../../src/domain/notice-lifecycle';

/**
 * The whole table, written out: for each status, the events it allows. A change to the lifecycle
 * must change this table, on purpose.
 */
const ALLOWED: Record<NoticeStatus, NoticeEvent[]> = {
  created: ['claim', 'outcome', 'cancel', 'markCalled'],
  sending: ['outcome', 'release', 'interrupt'],
  sent: ['receipt', 'undeliveredReport'],
  delivered: [],
  'temporary-failure': ['claim', 'outcome', 'retry', 'cancel', 'markCalled'],
  'permanent-failure': ['retry', 'markCalled'],
  'technical-failure': ['claim', 'outcome', 'retry', 'cancel', 'markCalled'],
  cancelled: [],
};

/** Where each event leads. */
const TARGETS: Record<NoticeEvent, NoticeStatus[]> = {
  claim: ['sending'],
  outcome: ['created', 'sent', 'delivered', 'temporary-failure', 'technical-failure', 'permanent-failure'],
  release: ['created', 'temporary-failure', 'technical-failure'],
  interrupt: ['technical-failure'],
  receipt: ['delivered'],
  undeliveredReport: ['permanent-failure'],
  retry: ['created'],
  cancel: ['cancelled'],
  markCalled: ['delivered'],
};

describe('the notice lifecycle', () => {
  it('has the closed set of statuses the design names', () => {
    assert.deepEqual(
      [...NOTICE_STATUSES].sort(),
      ['cancelled', 'created', 'delivered', 'permanent-failure', 'sending', 'sent', 'technical-failure', 'temporary-failure'],
    );
    assert.deepEqual([...NOTICE_EVENTS].sort(), Object.keys(TARGETS).sort());
  });

  for (const status of NOTICE_STATUSES) {
    for (const event of NOTICE_EVENTS) {
      const expected = ALLOWED[status].includes(event);
      it(`${expected ? 'allows' : 'refuses'} ${event} from ${status}`, () => {
        assert.equal(allows(status, event), expected);
        assert.equal(movableFrom(event).includes(status), expected, 'the repository’s guard agrees');
        for (const to of NOTICE_STATUSES) assert.equal(isMove(event, status, to), expected && TARGETS[event].includes(to), `${status} → ${to}`);
      });
    }
  }

  for (const event of NOTICE_EVENTS) {
    it(`${event} leads to ${TARGETS[event].join(', ')}`, () => assert.deepEqual(movableTo(event), TARGETS[event]));
  }

  it('never leaves delivered or cancelled, and reaches every status from created', () => {
    const reached = new Set<NoticeStatus>(['created']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const from of [...reached]) {
        for (const event of NOTICE_EVENTS) {
          if (!allows(from, event)) continue;
          for (const to of movableTo(event)) {
            if (reached.has(to)) continue;
            reached.add(to);
            grew = true;
          }
        }
      }
    }
    assert.deepEqual([...reached].sort(), [...NOTICE_STATUSES].sort());
  });

  it('lets a worker claim only what waits for it, and records outcomes a worker can give', () => {
    assert.deepEqual(movableFrom('claim'), [...AWAITING_WORKER]);
    assert.deepEqual(movableTo('outcome'), [...OUTCOMES]);
    assert.deepEqual([...FAILED].sort(), ['permanent-failure', 'technical-failure', 'temporary-failure']);
    assert.deepEqual([...NEEDS_ATTENTION].sort(), ['created', 'permanent-failure', 'technical-failure', 'temporary-failure']);
  });

  const pending: Record<NoticeStatus, boolean> = {
    created: true,
    sending: true,
    sent: false,
    delivered: false,
    'temporary-failure': true,
    'permanent-failure': false,
    'technical-failure': true,
    cancelled: false,
  };
  for (const status of NOTICE_STATUSES) {
    it(`${status} ${pending[status] ? 'will' : 'will not'} be sent without anyone asking`, () => assert.equal(isPending(status), pending[status]));
  }

  describe('what staff may do', () => {
    const table: [NoticeStatus, 'citizen' | 'staff', string[]][] = [
      ['created', 'citizen', ['cancel', 'markCalled']],
      ['created', 'staff', ['cancel']],
      ['sending', 'citizen', []],
      ['sent', 'citizen', []],
      ['delivered', 'citizen', []],
      ['temporary-failure', 'citizen', ['retry', 'cancel', 'markCalled']],
      ['technical-failure', 'staff', ['retry', 'cancel']],
      ['permanent-failure', 'citizen', ['retry', 'markCalled']],
      ['permanent-failure', 'staff', ['retry']],
      ['cancelled', 'citizen', []],
    ];
    for (const [status, audience, actions] of table) {
      it(`${audience} notice, ${status}: ${actions.join(', ') || 'nothing'}`, () => assert.deepEqual(staffActions({ status, audience }), actions));
    }
  });
});
