/**
 * Runs `task` now and then every `intervalMs`, never two runs at once (a slow run makes the next
 * one wait rather than overlap), until the returned function is called; that function waits for
 * the run in progress, so shutdown never cuts a transaction short. Its `wake()` starts a run now
 * for work that should not wait for the next period — or, during a run, one more right after it.
 */
export function runPeriodically<T>(
  task: () => Promise<T>,
  intervalMs: number,
  onResult: (r: T) => void,
  onError: (err: unknown) => void,
): (() => Promise<void>) & { wake(): void } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  /** A wake-up came during a run: the work it announces may have come after the run looked. */
  let wokenMeanwhile = false;
  const run = () => {
    if (running || stopped) return;
    running = task()
      .then(onResult, onError)
      .finally(() => {
        running = null;
        if (wokenMeanwhile) {
          wokenMeanwhile = false;
          run();
        }
      });
  };
  const wake = () => {
    if (running) wokenMeanwhile = true;
    else run();
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  run();
  const stop = async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
  return Object.assign(stop, { wake });
}
