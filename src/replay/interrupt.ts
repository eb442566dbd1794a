/** Exit codes of a process ended by a signal, as shells report them (128 + the signal's number). */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_CODES;
/**
 * How long the clean-up may take after the first signal before the process exits anyway (the
 * supervisor's exit hook still SIGKILLs the children): a person pressing Ctrl-C waits seconds.
 */
const FORCE_EXIT_MS = 10_000;

/**
 * A replay stopped by hand (Ctrl-C, kill) before its end: its children are stopped, nothing is
 * audited and no report is written, since a period replayed in part proves none of the promises.
 * `exitCode` is the conventional one for the signal (130, 143): src/bin.cjs exits with it.
 */
export class ReplayInterrupted extends Error {
  readonly exitCode: number;

  constructor(readonly signal: StopSignal) {
    super(`Mô phỏng bị dừng giữa chừng (${signal}): mọi tiến trình con đã dừng; không có báo cáo vì lần chạy chưa xong.`);
    this.exitCode = EXIT_CODES[signal];
  }
}

/** The reason an AbortSignal from `interruptOnSignals` carries. */
export function interruptionOf(signal: AbortSignal | undefined): ReplayInterrupted | null {
  return signal?.aborted && signal.reason instanceof ReplayInterrupted ? signal.reason : null;
}

/**
 * SIGINT and SIGTERM abort the returned signal (the replay stops its children and unwinds); a
 * second one, or a clean-up longer than FORCE_EXIT_MS, exits at once with the same code.
 * `dispose` removes the handlers (the replay ended on its own).
 */
export function interruptOnSignals(print: (line: string) => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let force: NodeJS.Timeout | undefined;
  const on = (name: StopSignal) => () => {
    const interrupted = new ReplayInterrupted(name);
    if (controller.signal.aborted) {
      print(`Dừng ngay (${name} lần hai).`);
      process.exit(interrupted.exitCode);
    }
    print(`Đang dừng mô phỏng (${name}): dừng các tiến trình con… (nhấn Ctrl+C lần nữa để dừng ngay)`);
    force = setTimeout(() => {
      print(`Dọn dẹp quá ${FORCE_EXIT_MS / 1000} giây: dừng ngay.`);
      process.exit(interrupted.exitCode);
    }, FORCE_EXIT_MS);
    force.unref();
    controller.abort(interrupted);
  };
  const handlers = { SIGINT: on('SIGINT'), SIGTERM: on('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
      clearTimeout(force);
    },
  };
}
