/**
 * Runs `task` now and then every `intervalMs`, never two runs at once (a slow run makes the next
 * one wait rather than overlap), until the returned function is called; that function waits for
 * the run in progress, so shutdown never cuts a transaction short. Its `wake()` starts a run now
 * (if none is in progress) for work that should not wait for the next period.
 */
export function runPeriodically<T>(
  task: () => Promise<T>,
  intervalMs: number,
  onResult: (r: T) => void,
  onError: (err: unknown) => void,
): (() => Promise<void>) & { wake(): void } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = task()
      .then(onResult, onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  run();
  const stop = async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
  return Object.assign(stop, { wake: run });
}
