import assert from 'node:assert/strict';
import { runPeriodically } from '../../src/workers/periodic';

describe('runPeriodically', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a wake-up during a run starts one more run right after it, not at the next period', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const runs$ = runPeriodically(
      async () => {
        runs++;
        if (runs === 1) await new Promise<void>((r) => (release = r));
      },
      60_000,
      () => undefined,
      (err) => assert.fail(String(err)),
    );
    try {
      await sleep(5);
      assert.equal(runs, 1, 'the first run starts at once');
      // Work announced while the first run is past the point where it would have seen it.
      runs$.wake();
      runs$.wake();
      assert.equal(runs, 1, 'no second run beside the one in progress');
      release();
      await sleep(20);
      assert.equal(runs, 2, 'the wake-up that came during the run was lost: the work it announced would wait a whole period (60 s here)');
    } finally {
      await runs$();
    }
  });

  it('a wake-up between runs starts a run at once; stopping waits for it and ends the period', async () => {
    let runs = 0;
    const stop = runPeriodically(async () => void runs++, 60_000, () => undefined, () => undefined);
    await sleep(5);
    stop.wake();
    await sleep(5);
    assert.equal(runs, 2);
    await stop();
    stop.wake();
    await sleep(5);
    assert.equal(runs, 2, 'a stopped worker must not run again when woken');
  });
});
