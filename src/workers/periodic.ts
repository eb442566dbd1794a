/**
 * Runs `task` now and then every `intervalMs`, never two runs at once (a slow run makes the next
 * one wait rather than overlap), until the returned function is called; that function waits for
 * the run in progress, so shutdown never cuts a transaction short.
 */
export function runPeriodically<T>(task: () => Promise<T>, intervalMs: number, onResult: (r: T) => void, onError: (err: unknown) => void): () => Promise<void> {
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
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
