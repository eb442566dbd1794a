import assert from 'node:assert/strict';
import { eachConcurrently } from '../../src/workers/concurrently';

describe('eachConcurrently', () => {
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('runs every item, never more than the limit at once, starting them in order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await eachConcurrently([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    assert.deepEqual(started, [1, 2, 3, 4, 5], 'each item once, in order');
    assert.equal(most, 2, 'two at a time');
  });

  it('after a failure starts nothing new, lets the running item finish, then throws the first error', async () => {
    const finished: number[] = [];
    await assert.rejects(
      eachConcurrently([1, 2, 3, 4, 5], 2, async (n) => {
        if (n === 1) throw new Error('boom 1');
        await tick();
        finished.push(n);
      }),
      /boom 1/,
    );
    assert.deepEqual(finished, [2], 'item 2 was running and finished; 3, 4 and 5 never started');
  });
});
